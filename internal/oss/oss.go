// Package oss is the one table of what OSS's WriteGetObjectResponse protocol
// fixes: header names, the statuses it forwards, the headers it forwards, the
// checks on header names and values, and its XML error document. The client,
// the runtime, the emulator and the command line all use it, so that each
// fact is written once.
//
// Source, unless a line says otherwise: OSS API reference,
// "WriteGetObjectResponse" (its header table).
package oss

import (
	"slices"
	"strconv"
	"strings"
)

// The sub-resource that names the operation. It has no value and is signed
// (canonical query "x-oss-write-get-object-response").
const WriteQuery = "x-oss-write-get-object-response"

// Header names of a WriteGetObjectResponse and of OSS's answers.
const (
	HeaderRoute  = "x-oss-request-route" // the event's outputRoute; required
	HeaderToken  = "x-oss-request-token" // the event's outputToken; required
	HeaderStatus = "x-oss-fwd-status"    // the caller's status; required
	// FwdPrefix prefixes each header forwarded to the caller.
	FwdPrefix = "x-oss-fwd-header-"
	// HeaderRequestID carries OSS's request ID in every answer.
	HeaderRequestID = "x-oss-request-id"
	// HeaderSecurityToken carries an STS token (Signature V4).
	HeaderSecurityToken = "x-oss-security-token"
)

// statuses are the values x-oss-fwd-status may take, as the API reference's
// header table lists them.
var statuses = [...]int{200, 206, 301, 302, 303, 304, 400, 401, 403, 404, 405, 409, 411, 412, 416, 500, 503}

// StatusList is statuses as text, for messages.
const StatusList = "200, 206, 301, 302, 303, 304, 400, 401, 403, 404, 405, 409, 411, 412, 416, 500, 503"

// ValidStatus reports whether status is one of statuses.
func ValidStatus(status int) bool { return slices.Contains(statuses[:], status) }

// ParseStatus reads an x-oss-fwd-status value: plain decimal digits, no sign
// and no leading zero, naming one of statuses.
func ParseStatus(v string) (int, bool) {
	n, err := strconv.Atoi(v)
	return n, err == nil && strconv.Itoa(n) == v && ValidStatus(n)
}

// Forwarded are the response headers the API reference lists as forwarded
// (x-oss-fwd-header-<Name>), as Go's canonical header names; the official
// Go SDK v2 types exactly these ten.
var Forwarded = [...]string{
	"Accept-Ranges", "Cache-Control", "Content-Disposition", "Content-Encoding",
	"Content-Language", "Content-Range", "Content-Type", "Etag", "Expires", "Last-Modified",
}

// ConnectionSpecific are the fields that describe a message itself, not
// the object, so none is ever forwarded (RFC 9110, section 7.6.1): the
// framing is the WriteGetObjectResponse request's own.
var ConnectionSpecific = [...]string{"Content-Length", "Transfer-Encoding", "Connection", "Trailer", "Keep-Alive", "Te", "Upgrade"}

// Documented reports whether name is one of Forwarded, in any case.
func Documented(name string) bool {
	return slices.ContainsFunc(Forwarded[:], func(f string) bool { return strings.EqualFold(f, name) })
}

// ValidName reports whether name is an HTTP header name (RFC 9110, token).
func ValidName(name string) bool {
	for i := 0; i < len(name); i++ {
		if c := name[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return name != ""
}

// ValidValue reports whether v can be sent as a header value: no control
// character but a tab (RFC 9110, field-value; CR, LF and NUL would split or
// end the header line, and net/http refuses the others).
func ValidValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
