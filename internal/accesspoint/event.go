package accesspoint

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/internal/redact"
)

// event is the function's JSON: getObjectContext as OSS's user guide and
// Go sample read it; userRequest after S3 Object Lambda (OSS has none).
type event struct {
	GetObjectContext getObjectContext `json:"getObjectContext"`
	UserRequest      userRequest      `json:"userRequest"`
}

type getObjectContext struct {
	OutputRoute string `json:"outputRoute"`
	OutputToken string `json:"outputToken"`
	InputOSSURL string `json:"inputOssUrl"`
}

type userRequest struct {
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
}

// privateHeaders carry the caller's credentials: never in an event.
var privateHeaders = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	http.CanonicalHeaderKey(oss.HeaderSecurityToken): true,
}

// newEvent builds the event of the GetObject r.
func newEvent(r *http.Request, base, route, token, inputURL string) []byte {
	headers := make(map[string]string, len(r.Header)+1)
	headers["Host"] = r.Host
	for name, values := range r.Header {
		if privateHeaders[name] {
			continue
		}
		headers[name] = strings.Join(values, ",")
	}
	b, _ := json.Marshal(event{ // strings only: never fails
		GetObjectContext: getObjectContext{
			OutputRoute: route,
			OutputToken: token,
			InputOSSURL: inputURL,
		},
		UserRequest: userRequest{URL: base + r.URL.RequestURI(), Headers: headers},
	})
	return b
}

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
