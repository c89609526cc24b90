package wgor

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ServiceError is OSS's refusal of a WriteGetObjectResponse: any response
// outside 2xx. Find it with errors.As.
//
// The fields come from OSS's XML error body when there is one; a body that
// is not XML still yields a ServiceError with StatusCode, and Message then
// holds the start of the body as text. A body that breaks off (cut short,
// not UTF-8, an unknown entity, nested too deep, stalled: at most 64 KiB
// are read, for at most two seconds) keeps the elements read before the
// break, and Error says what happened. The text fields are put on one line
// (a line break in a Message cannot forge a line of output) and cut to
// 1 KiB. Nothing in a ServiceError holds the secret, the security token,
// the request token or a signature, in any form: wgor removes them from
// whatever OSS sent back.
type ServiceError struct {
	StatusCode   int    // the HTTP status of OSS's response
	Code         string // OSS's error code, such as SignatureDoesNotMatch
	Message      string
	RequestID    string // x-oss-request-id, or the body's RequestId
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

	// note describes a body that yielded no Code and Message, or that
	// broke off.
	note string
}

// Error describes the refusal and, for common codes, what to do.
func (e *ServiceError) Error() string {
	var b strings.Builder
	b.WriteString("wgor: OSS refused WriteGetObjectResponse: HTTP ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	switch {
	case e.Code != "":
		b.WriteString(" ")
		b.WriteString(e.Code)
		if e.Message != "" {
			b.WriteString(": ")
			b.WriteString(e.Message)
		}
	case e.Message != "":
		b.WriteString(" (not an OSS error body): ")
		b.WriteString(strconv.Quote(e.Message))
	case e.note == "":
		b.WriteString(" with an empty body")
	}
	if e.note != "" {
		b.WriteString(" ")
		b.WriteString(e.note)
	}
	var ids []string
	if e.EC != "" {
		ids = append(ids, "EC "+e.EC)
	}
	if e.RequestID != "" {
		ids = append(ids, "request ID "+e.RequestID)
	}
	if len(ids) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(ids, ", "))
		b.WriteString(")")
	}
	if e.Mismatch != "" {
		b.WriteString("; ")
		b.WriteString(e.Mismatch)
	}
	if h := e.hint(); h != "" {
		b.WriteString(": ")
		b.WriteString(h)
	}
	return b.String()
}

// hint says what to do about the codes a WriteGetObjectResponse meets,
// matching the code and, for AccessDenied, whether
// the message is about the token (which no permission fixes) or not.
func (e *ServiceError) hint() string {
	if e.Code == "AccessDenied" && strings.Contains(strings.ToLower(e.Message), "token") {
		return "an outputToken answers one GetObject, once, before the function's timeout: send it once, from the invocation that received it"
	}
	// A switch, not a map: a map literal is built when the program starts.
	switch e.Code {
	case "SignatureDoesNotMatch":
		return "check the credentials and the region (Client.Region)"
	case "InvalidAccessKeyId":
		return "check the access key ID the credentials provider returns"
	case "InvalidSecurityToken":
		return "the STS security token is wrong or expired: use fresh credentials"
	case "SecurityTokenExpired":
		return "the STS credentials expired: use fresh credentials"
	case "AccessDenied":
		return "grant oss:WriteGetObjectResponse to the function's role"
	case "RequestTimeTooSkewed":
		return "the local clock is off: synchronise it"
	case "InvalidArgument":
		return "check the region (Client.Region) and the forwarded headers"
	}
	return ""
}

// maxErrorBody bounds how much of an error body is read.
const maxErrorBody = 64 << 10

// maxSnippet bounds the text kept from a body that is not an OSS error.
const maxSnippet = 256

// errorBody is what an OSS error body holds.
type errorBody struct {
	isXML                                           bool
	code, message, requestID, hostID, ec, recommend string
	stringToSign, canonicalRequest                  string
	err                                             *DocError // why reading stopped before </Error>
}

// parseErrorBody reads the elements of <Error>…</Error> it knows, keeping
// those read before the body ends or stops being OSS's error document.
func parseErrorBody(data []byte) errorBody {
	var eb errorBody
	eb.isXML, eb.err = ParseErrorDoc(data, func(name, text string) { *eb.field(name) = text })
	return eb
}

func (eb *errorBody) field(name string) *string {
	var s string
	switch name {
	case "Code":
		return &eb.code
	case "Message":
		return &eb.message
	case "RequestId":
		return &eb.requestID
	case "HostId":
		return &eb.hostID
	case "EC":
		return &eb.ec
	case "RecommendDoc":
		return &eb.recommend
	case "StringToSign":
		return &eb.stringToSign
	case "StringToSignBytes":
		if eb.stringToSign == "" {
			return &eb.stringToSign // decoded below
		}
	case "CanonicalRequest":
		return &eb.canonicalRequest
	}
	// Elements not kept, SignatureProvided among them: it is a signature.
	return &s
}

// newServiceError builds the error for a response outside 2xx, whose body
// (data) was read up to readErr. Secrets are removed from everything taken
// from the response, and what is printed is put on one line.
func newServiceError(status int, h http.Header, data []byte, readErr error, s *scrubber) (*ServiceError, errorBody) {
	e := &ServiceError{StatusCode: status, Header: s.header(h)}
	if status < 200 {
		e.note = "(a 1xx status, which OSS never ends WriteGetObjectResponse with: its connection was closed unread)"
		return e, errorBody{}
	}
	eb := parseErrorBody(data)
	if sts, ok := decodeBytes(eb.stringToSign); ok {
		eb.stringToSign = sts
	}
	// Scrubbed before and after oneLine: a secret may hold a byte that
	// oneLine replaces, and oneLine may turn a near form into the secret.
	text := func(v string) string { return cut(s.str(oneLine(s.str(v))), maxField) }
	var notes []string
	if eb.isXML {
		e.Code, e.Message, e.HostID = text(eb.code), text(eb.message), text(eb.hostID)
		e.EC, e.RecommendDoc = text(eb.ec), text(eb.recommend)
		e.RequestID = text(eb.requestID)
		e.StringToSign = s.str(eb.stringToSign)
		if eb.err != nil {
			if e.Code != "" || e.Message != "" {
				notes = append(notes, fmt.Sprintf("(its XML error body broke off at byte %d of %d: %s)", eb.err.Offset, len(data), eb.err.Reason))
			} else {
				notes = append(notes, fmt.Sprintf("with an XML error body that broke off at byte %d of %d (%s)", eb.err.Offset, len(data), eb.err.Reason))
			}
		}
		if e.Code == "" && e.Message == "" && eb.err == nil {
			notes = append(notes, fmt.Sprintf("with an XML error body of %d bytes holding no Code or Message", len(data)))
		}
	} else if len(data) > 0 {
		e.Message = s.str(snippet(s.str(string(data))))
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
	if id := h.Get(headerRequestID); id != "" {
		e.RequestID = text(id)
	}
	return e, eb
}

// maxField bounds each text field of a ServiceError.
const maxField = 1 << 10

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

// decodeBytes decodes StringToSignBytes ("4f 53 53 34 …") when that is what
// the string holds.
func decodeBytes(s string) (string, bool) {
	f := strings.Fields(s)
	if len(f) < 8 {
		return "", false
	}
	out := make([]byte, 0, len(f))
	for _, x := range f {
		if len(x) != 2 {
			return "", false
		}
		b, err := hex.DecodeString(x)
		if err != nil {
			return "", false
		}
		out = append(out, b[0])
	}
	return string(out), true
}

// snippet turns the start of a body into one line of printable text.
func snippet(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if b.Len() >= maxSnippet {
			b.WriteString("...")
			break
		}
		if r < 0x20 || r == 0x7f || r == ' ' || r == 0xfffd {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
