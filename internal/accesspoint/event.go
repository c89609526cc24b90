package accesspoint

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/wgor-dev/wgor/internal/redact"
	"github.com/wgor-dev/wgor/sign"
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
	sign.HeaderAuthorization: true,
	"Proxy-Authorization":    true,
	"Cookie":                 true,
	sign.HeaderSecurityToken: true,
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
		UserRequest: userRequest{URL: base + userURI(r.URL), Headers: headers},
	})
	return b
}

// signingParams are the query parameters of a signed URL: V4's (OSS's
// "Signature version 4"), then V2's and V1's (urlParams).
var signingParams = []string{sign.QuerySignatureVersion, sign.QueryCredential, sign.QueryDate,
	sign.QueryAdditionalHdrs, sign.QuerySecurityToken, querySecurityToken}

// userURI is u's path and query without the parameters of a signed URL,
// which carry the caller's credentials, as S3 Object Lambda's
// userRequest.url leaves out "any authorization-related request parameters".
func userURI(u *url.URL) string {
	v1, v2 := urlParams[1], urlParams[2]
	names := slices.Concat(signingParams, v1[:], v2[:])
	q := u.Query()
	if !slices.ContainsFunc(names, q.Has) {
		return u.RequestURI()
	}
	for _, name := range names {
		q.Del(name)
	}
	v := *u
	v.RawQuery = q.Encode()
	return v.RequestURI()
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
