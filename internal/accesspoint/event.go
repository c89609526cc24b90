package accesspoint

import (
	"encoding/json"
	"net/http"
	"strings"
)

// event is the JSON the function receives. getObjectContext and its three
// fields are OSS's (the OSS user guide and OSS's Go sample read
// outputRoute and outputToken, and the sample's event struct declares
// inputOssUrl). userRequest is not documented for OSS: it is modelled on S3
// Object Lambda's event so that a function can honour the caller's Range or
// conditional headers; functions that only read getObjectContext, as all of
// OSS's samples do, are unaffected.
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

// privateHeaders are caller headers that never go into an event: they carry
// the caller's own credentials.
var privateHeaders = map[string]bool{
	"Authorization":        true,
	"Proxy-Authorization":  true,
	"Cookie":               true,
	"X-Oss-Security-Token": true,
}

// newEvent builds the event of a GetObject request r, whose response goes to
// route with token; inputURL serves the original object.
func newEvent(r *http.Request, base, route, token, inputURL string) ([]byte, error) {
	headers := make(map[string]string, len(r.Header)+1)
	headers["Host"] = r.Host
	for name, values := range r.Header {
		if privateHeaders[name] {
			continue
		}
		headers[name] = strings.Join(values, ",")
	}
	return json.Marshal(event{
		GetObjectContext: getObjectContext{
			OutputRoute: route,
			OutputToken: token,
			InputOSSURL: inputURL,
		},
		UserRequest: userRequest{URL: base + r.URL.RequestURI(), Headers: headers},
	})
}
