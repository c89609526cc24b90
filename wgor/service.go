package wgor

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/internal/redact"
)

// ServiceError is OSS's refusal of a WriteGetObjectResponse: any response
// outside 2xx. Find it with errors.As.
//
// The fields come from OSS's XML error document when there is one; a body
// that is not XML still yields a ServiceError with StatusCode, and Message
// then holds the start of the body as text. A document that breaks off (cut
// short, not UTF-8, an unknown entity, stalled: at most 64 KiB are read, for
// at most two seconds) keeps the elements read before the break, and Error
// says what happened. The text fields are put on one line (a line break in
// a Message cannot forge a line of output) and cut to 1 KiB. Nothing in a
// ServiceError holds the secret, the security token, the request token or a
// signature, in any form: wgor removes them from whatever OSS sent back.
type ServiceError struct {
	StatusCode   int    // the HTTP status of OSS's response
	Code         string // OSS's error code, such as SignatureDoesNotMatch
	Message      string
	RequestID    string // x-oss-request-id, or the document's RequestId
	HostID       string
	EC           string // OSS's detailed error code, such as 0002-00000201
	RecommendDoc string // a help page OSS suggests, when it sends one
	Header       http.Header

	// StringToSign is the string to sign OSS computed, sent with some
	// SignatureDoesNotMatch errors; LocalStringToSign is the one wgor
	// signed. Neither holds a secret.
	StringToSign      string
	LocalStringToSign string
	// Mismatch says where the two strings to sign (and, when OSS sent
	// its canonical request, the canonical requests) differ. Values of
	// the security token and the request token are never shown.
	Mismatch string

	note   string // what was odd about the body
	advice string // what to do about a SignatureDoesNotMatch, from Mismatch
}

// Error describes the refusal and, for common codes, what to do.
func (e *ServiceError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "wgor: OSS refused WriteGetObjectResponse: HTTP %d", e.StatusCode)
	switch {
	case e.Code != "" && e.Message != "":
		b.WriteString(" " + e.Code + ": " + e.Message)
	case e.Code != "":
		b.WriteString(" " + e.Code)
	case e.Message != "":
		b.WriteString(" (not an OSS error body): " + strconv.Quote(e.Message))
	case e.note == "":
		b.WriteString(" with an empty body")
	}
	if e.note != "" {
		b.WriteString(" " + e.note)
	}
	var ids []string
	if e.EC != "" {
		ids = append(ids, "EC "+e.EC)
	}
	if e.RequestID != "" {
		ids = append(ids, "request ID "+e.RequestID)
	}
	if len(ids) > 0 {
		b.WriteString(" (" + strings.Join(ids, ", ") + ")")
	}
	if e.Mismatch != "" {
		b.WriteString("; " + e.Mismatch)
	}
	if h := e.hint(); h != "" {
		b.WriteString(": " + h)
	}
	return b.String()
}

// accessHint: OSS documents no answer for a token it refuses, so a refused
// token, a missing permission and some signature problems all come back as
// AccessDenied. A token named in the message is a token problem, which no
// permission fixes; words of permission (or no message) a missing
// permission; any other message speaks for itself.
func accessHint(m string) string {
	switch {
	case strings.Contains(m, "token"):
		return "the outputToken was refused: it answers one GetObject, once, while that GetObject waits; send it once, from the invocation that received it"
	case m == "" || permissionWords.MatchString(m):
		return "grant oss:WriteGetObjectResponse to the function's role"
	}
	return ""
}

// permissionWords are the words of OSS's messages about a permission.
var permissionWords = regexp.MustCompile(`right|permission|forbidden|not authorized|not allowed|denied`)

// hint says what to do about the codes a WriteGetObjectResponse meets.
// For AccessDenied it follows the message: a token named there is a token
// problem, which no permission fixes. The codes are OSS's (API reference,
// "Error codes"; error pages 0002-00000201 and following).
func (e *ServiceError) hint() string {
	switch e.Code {
	case "AccessDenied":
		return accessHint(strings.ToLower(e.Message))
	case "SignatureDoesNotMatch":
		if e.advice != "" {
			return e.advice
		}
		return "check the access key secret and the region (Client.Region)"
	case "InvalidAccessKeyId":
		return "check the access key ID the credentials provider returns"
	case "InvalidSecurityToken":
		return "the STS security token is wrong or expired: use fresh credentials"
	case "SecurityTokenExpired":
		return "the STS credentials expired: use fresh credentials"
	case "RequestTimeTooSkewed":
		return "the local clock is off: synchronise it"
	case "InvalidArgument":
		return "check the region (Client.Region) and the forwarded headers"
	}
	return ""
}

// maxErrorBody bounds how much of an error body is read; maxField each text
// field kept from it, maxSnippet the text kept from a body that is no error
// document.
const (
	maxErrorBody = 64 << 10
	maxField     = 1 << 10
	maxSnippet   = 256
)

// newServiceError builds the error for a response outside 2xx, whose body
// was read up to readErr. Everything taken from the response passes s.
// canonical is OSS's canonical request, when it sent one, as it came: it
// holds the token, and is only compared with the local one.
func newServiceError(resp *http.Response, data []byte, readErr error, s *redact.Scrubber) (e *ServiceError, canonical string) {
	e = &ServiceError{StatusCode: resp.StatusCode, Header: s.Header(resp.Header)}
	if resp.StatusCode < 200 {
		e.note = "(a 1xx status, which OSS never ends WriteGetObjectResponse with: its connection was closed unread)"
		return e, ""
	}
	text := func(v string) string { return cut(s.String(v), maxField) }
	var notes []string
	d, isDoc, broke := oss.DecodeErrorDetail(data)
	switch {
	case isDoc:
		e.Code, e.Message, e.HostID = text(d.Code), text(d.Message), text(d.HostID)
		e.EC, e.RecommendDoc, e.RequestID = text(d.EC), text(d.RecommendDoc), text(d.RequestID)
		e.StringToSign, canonical = scrubLines(s, d.StringToSign), d.CanonicalRequest
		if broke != nil {
			notes = append(notes, fmt.Sprintf("(its XML error body broke off %s)", broke))
		} else if e.Code == "" && e.Message == "" {
			notes = append(notes, fmt.Sprintf("with an XML error body of %d bytes holding no Code or Message", len(data)))
		}
	case len(data) > 0:
		e.Message = cut(strings.Join(strings.Fields(s.String(string(data))), " "), maxSnippet)
		if e.Message == "" {
			notes = append(notes, fmt.Sprintf("with a body of %d bytes and no printable text", len(data)))
		}
	}
	switch {
	case readErr == errTooLong:
		notes = append(notes, fmt.Sprintf("(only the first %d bytes of the body read)", len(data)))
	case readErr != nil:
		notes = append(notes, fmt.Sprintf("(reading the body failed after %d bytes: %s)", len(data), readErr))
	}
	e.note = text(strings.Join(notes, " "))
	if id := resp.Header.Get(oss.HeaderRequestID); id != "" {
		e.RequestID = text(id)
	}
	return e, canonical
}

// scrubLines passes each line of a multi-line text (a string to sign)
// through s, keeping the line breaks.
func scrubLines(s *redact.Scrubber, text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = s.String(l)
	}
	return strings.Join(lines, "\n")
}

// cut shortens s to at most n bytes, at a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
