package accesspoint

import (
	"encoding/json"

	"github.com/wgor-dev/wgor/internal/redact"
)

// invocationSecrets are, in this order, the access key secret, the
// security token, the output token and the inputOssUrl (its signature).
func invocationSecrets(inv *Invocation) []string {
	var ev event
	_ = json.Unmarshal(inv.Event, &ev) // not the emulator's: no token
	c := ev.GetObjectContext
	return []string{inv.Credentials.AccessKeySecret, inv.Credentials.SecurityToken, c.OutputToken, c.InputOSSURL}
}

// scrubber removes the secrets of inv from what a function says.
func scrubber(inv *Invocation) *redact.Scrubber { return redact.New(invocationSecrets(inv)...) }
