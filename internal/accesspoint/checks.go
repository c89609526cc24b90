package accesspoint

import (
	"net/http"
	"strconv"
	"strings"
)

// The checks of a WriteGetObjectResponse's own headers, each as OSS documents
// it in the API reference "WriteGetObjectResponse" (its request header
// table). Where OSS documents no answer code, the one chosen is
// named in the package documentation.

// fwdStatuses are the values the API reference lists for x-oss-fwd-status,
// in the only form it shows: plain decimal, no sign, no leading zero, no
// space.
var fwdStatuses = map[string]int{
	"200": 200, "206": 206,
	"301": 301, "302": 302, "303": 303, "304": 304,
	"400": 400, "401": 401, "403": 403, "404": 404, "405": 405,
	"409": 409, "411": 411, "412": 412, "416": 416,
	"500": 500, "503": 503,
}

const fwdStatusList = "200, 206, 301, 302, 303, 304, 400, 401, 403, 404, 405, 409, 411, 412, 416, 500 or 503"

// documentedFwdHeaders are the x-oss-fwd-header-<Name> names the API
// reference lists, and Location, which the Java SDK's sample forwards for a
// 3xx. The emulator relays other names too (OSS does not document what it
// does with them) but logs that OSS may not.
var documentedFwdHeaders = map[string]bool{
	"Accept-Ranges": true, "Cache-Control": true, "Content-Disposition": true,
	"Content-Encoding": true, "Content-Language": true, "Content-Range": true,
	"Content-Type": true, "Etag": true, "Expires": true, "Last-Modified": true,
	"Location": true,
}

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
	for _, name := range []string{headerRoute, headerToken, headerFwdStatus} {
		if n := len(r.Header.Values(name)); n > 1 {
			return 0, newError(http.StatusBadRequest, CodeInvalidArgument,
				strings.ToLower(name)+" was sent "+strconv.Itoa(n)+" times: send it once.")
		}
	}
	route, token := r.Header.Get(headerRoute), r.Header.Get(headerToken)
	if route == "" || token == "" {
		return 0, newError(http.StatusBadRequest, CodeInvalidArgument,
			"x-oss-request-route and x-oss-request-token are required: copy them from the event's getObjectContext.")
	}
	v, sent := r.Header[headerFwdStatus]
	if !sent {
		return 0, newError(http.StatusBadRequest, CodeInvalidArgument,
			"x-oss-fwd-status is required: send the HTTP status the GetObject caller gets, one of "+fwdStatusList+".")
	}
	status, ok := fwdStatuses[v[0]]
	if !ok {
		return 0, newError(http.StatusBadRequest, CodeInvalidArgument,
			"x-oss-fwd-status "+strconv.Quote(clip(v[0], 16))+" is not valid: OSS accepts only "+fwdStatusList+", in plain decimal.")
	}
	return status, nil
}

// undocumentedFwdHeaders lists the forwarded header names of r that the API
// reference does not list, for a log line.
func undocumentedFwdHeaders(r *http.Request) []string {
	var names []string
	for name := range r.Header {
		if fwd, ok := strings.CutPrefix(name, fwdHeaderPrefix); ok && !documentedFwdHeaders[fwd] {
			names = append(names, fwd)
		}
	}
	return names
}

// clip cuts s to at most n bytes, for messages that quote a client's value.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
