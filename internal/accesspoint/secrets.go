package accesspoint

import (
	"encoding/json"

	"github.com/wgor-dev/wgor/internal/redact"
)

// invocationSecrets are the secrets an invocation holds, in this order: the
// function's access key secret and security token, the output token the
// emulator minted and the inputOssUrl, whose signature redact removes.
func invocationSecrets(inv *Invocation) []string {
	var ev event
	_ = json.Unmarshal(inv.Event, &ev) // an event the emulator did not make holds no token
	c := ev.GetObjectContext
	return []string{inv.Credentials.AccessKeySecret, inv.Credentials.SecurityToken, c.OutputToken, c.InputOSSURL}
}

// scrubber removes the secrets of inv from text that came from outside: a
// function's error, its report on the runtime API, a custom runtime's answer.
func scrubber(inv *Invocation) *redact.Scrubber { return redact.New(invocationSecrets(inv)...) }
