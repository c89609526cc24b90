package accesspoint

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/wgor-dev/wgor/internal/oss"
)

// checkLength refuses a body of unknown length: the API reference
// "WriteGetObjectResponse" lists Content-Length as required.
func checkLength(r *http.Request, allowChunked bool) *ossError {
	if allowChunked || r.ContentLength >= 0 && len(r.Header.Values("Content-Length")) == 1 {
		return nil
	}
	return newError(http.StatusLengthRequired, CodeMissingContentLength,
		"OSS requires Content-Length on WriteGetObjectResponse: send the body with its length, "+
			"or start the emulator with --allow-chunked (Config.AllowChunked) to rely on chunked transfer, which OSS does not document.")
}

// checkHeaders checks the route, token and status headers of a signed
// WriteGetObjectResponse, and returns the status to forward.
func checkHeaders(r *http.Request) (int, *ossError) {
	for _, name := range []string{oss.HeaderRoute, oss.HeaderToken, oss.HeaderStatus} {
		if n := len(r.Header.Values(name)); n > 1 {
			return 0, newError(http.StatusBadRequest, CodeInvalidArgument,
				name+" was sent "+strconv.Itoa(n)+" times: send it once.")
		}
	}
	if r.Header.Get(oss.HeaderRoute) == "" || r.Header.Get(oss.HeaderToken) == "" {
		return 0, newError(http.StatusBadRequest, CodeInvalidArgument,
			"x-oss-request-route and x-oss-request-token are required: copy them from the event's getObjectContext.")
	}
	v := r.Header.Values(oss.HeaderStatus)
	if len(v) == 0 {
		return 0, newError(http.StatusBadRequest, CodeInvalidArgument,
			"x-oss-fwd-status is required: send the HTTP status the GetObject caller gets, one of "+oss.StatusList+".")
	}
	status, ok := oss.ParseStatus(v[0])
	if !ok {
		return 0, newError(http.StatusBadRequest, CodeInvalidArgument,
			"x-oss-fwd-status "+strconv.Quote(clip(v[0], 16))+" is not valid: OSS accepts only "+oss.StatusList+", in plain decimal.")
	}
	return status, nil
}

// undocumentedFwdHeaders lists the forwarded names of r that the API
// reference does not list, but Location (the Java SDK's sample sends it).
func undocumentedFwdHeaders(r *http.Request) []string {
	var names []string
	for name := range r.Header {
		fwd, ok := cutFwd(name)
		if ok && !oss.Documented(fwd) && fwd != "Location" {
			names = append(names, fwd)
		}
	}
	return names
}

// cutFwd returns <Name> of a canonical header name x-oss-fwd-header-<Name>.
func cutFwd(name string) (string, bool) {
	if len(name) <= len(oss.FwdPrefix) || !strings.EqualFold(name[:len(oss.FwdPrefix)], oss.FwdPrefix) {
		return "", false
	}
	return http.CanonicalHeaderKey(name[len(oss.FwdPrefix):]), true
}

// clip cuts s to at most n bytes.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
