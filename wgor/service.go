package wgor

import (
	"cmp"
	"fmt"
	"net/http"
	"regexp"
	"slices"
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
	advice string // what to do about it
}

// Error describes the refusal and, for common codes, what to do.
func (e *ServiceError) Error() string {
	msg := fmt.Sprintf("wgor: OSS refused WriteGetObjectResponse: HTTP %d", e.StatusCode)
	switch {
	case e.Code != "" && e.Message != "":
		msg += " " + e.Code + ": " + e.Message
	case e.Code != "":
		msg += " " + e.Code
	case e.Message != "":
		msg += " (not an OSS error body): " + strconv.Quote(e.Message)
	case e.note == "":
		msg += " with an empty body"
	}
	if e.note != "" {
		msg += " " + e.note
	}
	var ids []string
	if e.EC != "" {
		ids = append(ids, "EC "+e.EC)
	}
	if e.RequestID != "" {
		ids = append(ids, "request ID "+e.RequestID)
	}
	if len(ids) > 0 {
		msg += " (" + strings.Join(ids, ", ") + ")"
	}
	if e.Mismatch != "" {
		msg += "; " + e.Mismatch
	}
	if e.advice != "" {
		msg += ": " + e.advice
	}
	return msg
}

// advice says what to do about the codes a WriteGetObjectResponse meets
// (OSS API reference, "Error codes"; error pages 0002-00000201 and
// following); for AccessDenied see accessAdvice, and for a
// SignatureDoesNotMatch whose strings to sign differ, stsLines.
var advice = map[string]string{
	"SignatureDoesNotMatch": "check the access key secret and the region (Client.Region)",
	"InvalidAccessKeyId":    "check the access key ID the credentials provider returns",
	"InvalidSecurityToken":  "the STS security token is wrong or expired: use fresh credentials",
	"SecurityTokenExpired":  "the STS credentials expired: use fresh credentials",
	"RequestTimeTooSkewed":  "the local clock is off: synchronise it",
	"InvalidArgument":       "check the region (Client.Region) and the forwarded headers",
}

// accessAdvice: OSS documents no answer for a token it refuses, so a
// refused token, a missing permission and some signature problems all come
// back as AccessDenied. A token named in the message is a token problem;
// words of permission (or no message) a missing permission; any other
// message speaks for itself.
func accessAdvice(message string) string {
	switch m := strings.ToLower(message); {
	case strings.Contains(m, "token"):
		return "the outputToken was refused: it answers one GetObject, once, while that GetObject waits; send it once, from the invocation that received it"
	case m == "" || permissionWords.MatchString(m):
		return "grant oss:WriteGetObjectResponse to the function's role"
	}
	return ""
}

// permissionWords are the words of OSS's messages about a permission.
var permissionWords = regexp.MustCompile(`right|permission|forbidden|not authorized|not allowed|denied`)

const (
	maxErrorBody = 64 << 10 // read of an error body
	maxField     = 1 << 10  // kept of each text field
	maxSnippet   = 256      // kept of a body that is no error document
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
	d, isDoc, broke := oss.DecodeErrorDoc(data)
	switch {
	case isDoc:
		e.Code, e.Message, e.HostID = text(d.Code), text(d.Message), text(d.HostID)
		e.EC, e.RecommendDoc, e.RequestID = text(d.EC), text(d.RecommendDoc), text(d.RequestID)
		e.StringToSign, canonical = s.Lines(d.StringToSign), d.CanonicalRequest
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
	if id := resp.Header.Get(keyRequestID); id != "" {
		e.RequestID = text(id)
	}
	e.advice = advice[e.Code]
	if e.Code == "AccessDenied" {
		e.advice = accessAdvice(e.Message)
	}
	return e, canonical
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

// stsLines names the lines of a V4 string to sign (OSS API reference,
// "Signature version 4"), what a difference in each means, and what to do.
var stsLines = [...]struct{ name, means, advice string }{
	{"algorithm", "the signature scheme differs", "sign with OSS Signature V4"},
	{"date and time", "the clocks differ", "synchronise the local clock"},
	{"scope", "the date or the region differs", "check Client.Region"},
	{"hash of the canonical request", "the canonical requests differ", "something on the way changed a signed header or the query"},
	{"line", "", ""}, // any further line
}

// explain says where OSS's string to sign and canonical request (serverCR)
// differ from the local ones, for a SignatureDoesNotMatch (OSS error page
// 0002-00000201: "if the server returns a response that contains the
// StringToSign parameter, compare it").
func (e *ServiceError) explain(serverCR, localSTS, localCR string) {
	e.LocalStringToSign = localSTS
	crDiff := canonicalMismatch(serverCR, localCR)
	i, server, local := firstDiff(e.StringToSign, localSTS)
	switch {
	case e.StringToSign == "":
		e.Mismatch = cmp.Or(crDiff, "the canonical requests are equal")
	case i < 0:
		e.Mismatch, e.advice = "the strings to sign are equal, so the signing key differs", "check the access key secret"
	case strings.Count(e.StringToSign, "\n") != strings.Count(localSTS, "\n"):
		e.Mismatch = fmt.Sprintf("OSS's string to sign has %d lines, wgor's has %d: they are of different forms",
			strings.Count(e.StringToSign, "\n")+1, strings.Count(localSTS, "\n")+1)
	default:
		line := stsLines[min(i, len(stsLines)-1)]
		n := 0
		for n < len(server) && n < len(local) && server[n] == local[n] {
			n++
		}
		e.Mismatch = fmt.Sprintf("the string to sign differs at line %d (%s), byte %d: OSS has %q, wgor signed %q",
			i+1, line.name, n+1, server, local)
		if i == 3 && crDiff != "" {
			line.means = crDiff
		}
		if line.means != "" {
			e.Mismatch += ": " + line.means
		}
		e.advice = cmp.Or(line.advice, e.advice)
	}
}

// canonicalMismatch names the first line where two canonical requests
// differ, or returns "" when they are equal or OSS sent none.
func canonicalMismatch(server, local string) string {
	i, s, l := firstDiff(server, local)
	if server == "" || i < 0 {
		return ""
	}
	lines := strings.Split(local, "\n")
	end := slices.Index(lines[min(3, len(lines)):], "") + 3 // the empty line after the headers
	section := "payload hash"
	switch {
	case i < 3:
		section = [...]string{"method", "URI", "query"}[i]
	case end < 3 || i < end:
		section = "headers"
	case i == end:
		section = "end of headers"
	case i == end+1:
		section = "additional headers"
	}
	return fmt.Sprintf("the canonical request differs at line %d (%s): OSS has %s, wgor signed %s", i+1, section, showLine(s), showLine(l))
}

// firstDiff returns the index of the first line where a and b differ, and
// both lines; -1 when they are equal.
func firstDiff(a, b string) (i int, lineA, lineB string) {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		lineA, lineB = "", ""
		if i < len(al) {
			lineA = al[i]
		}
		if i < len(bl) {
			lineB = bl[i]
		}
		if lineA != lineB {
			return i, lineA, lineB
		}
	}
	return -1, "", ""
}

// showLine quotes a canonical request line, but not the value of a header
// that holds a secret.
func showLine(line string) string {
	name, _, _ := strings.Cut(line, ":")
	switch strings.ToLower(name) {
	case oss.HeaderSecurityToken, oss.HeaderToken, "authorization":
		return strconv.Quote(name+":") + " (value not shown)"
	}
	return strconv.Quote(line)
}
