package accesspoint

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/wgor-dev/wgor/internal/oss"
)

// The checks of a WriteGetObjectResponse's own headers, each as OSS documents
// it in the API reference "WriteGetObjectResponse" (its request header
// table, which internal/oss holds). Where OSS documents no answer code, the
// one chosen is named in the package documentation.

// checkLength refuses a body of unknown length: the API reference lists
// Content-Length as required, and OSS documents no chunked form of this
// API. allowChunked turns the check off for clients that choose to rely on
// what OSS does not document. It runs before anything else, so that the
// body is never read.
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

// undocumentedFwdHeaders lists the forwarded header names of r that the API
// reference does not list, nor Location, which the Java SDK's sample
// forwards for a 3xx. The emulator relays them (OSS does not document what
// it does with them) but logs that OSS may not.
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

// clip cuts s to at most n bytes, for messages that quote a client's value.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
