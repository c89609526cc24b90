package client

import (
	"bytes"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// ServiceError is OSS's refusal of a WriteGetObjectResponse: any response
// outside 2xx. Find it with errors.As.
//
// The fields come from OSS's XML error body when there is one; a body that
// is not XML, or is cut short, still yields a ServiceError with StatusCode,
// and Message then holds the start of the body as text. Nothing in a
// ServiceError holds the secret, the security token, the request token or
// a signature: wgor removes them from whatever OSS sent back.
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
	default:
		b.WriteString(" with an empty body")
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
	if h := hints[e.Code]; h != "" {
		b.WriteString(": ")
		b.WriteString(h)
	}
	return b.String()
}

// hints say what to do about the codes a WriteGetObjectResponse meets.
var hints = map[string]string{
	"SignatureDoesNotMatch": "check the credentials and the region (Client.Region)",
	"InvalidAccessKeyId":    "check the access key ID the credentials provider returns",
	"InvalidSecurityToken":  "the STS security token is wrong or expired: use fresh credentials",
	"SecurityTokenExpired":  "the STS credentials expired: use fresh credentials",
	"AccessDenied":          "grant oss:WriteGetObjectResponse to the function's role, and send each outputToken once",
	"RequestTimeTooSkewed":  "the local clock is off: synchronise it",
	"InvalidArgument":       "check the region (Client.Region) and the forwarded headers",
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
}

// parseErrorBody reads the elements of <Error>…</Error> it knows, keeping
// those read before the body ends or stops being XML.
func parseErrorBody(data []byte) errorBody {
	var eb errorBody
	d := xml.NewDecoder(bytes.NewReader(data))
	depth := 0
	var field *string
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return eb
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1 && t.Name.Local != "Error":
				return eb
			case depth == 1:
				eb.isXML = true
			case depth == 2:
				field = eb.field(t.Name.Local)
				text.Reset()
			}
		case xml.CharData:
			if depth == 2 && field != nil {
				text.Write(t)
			}
		case xml.EndElement:
			if depth == 2 && field != nil {
				*field = text.String()
				field = nil
			}
			depth--
		}
	}
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

// newServiceError builds the error for a response outside 2xx. secrets are
// removed from everything taken from the response.
func newServiceError(status int, h http.Header, data []byte, secrets []string) (*ServiceError, errorBody) {
	eb := parseErrorBody(data)
	if sts, ok := decodeBytes(eb.stringToSign); ok {
		eb.stringToSign = sts
	}
	s := scrubber(secrets)
	e := &ServiceError{StatusCode: status, Header: s.header(h)}
	if eb.isXML {
		e.Code, e.Message, e.HostID = s.str(eb.code), s.str(eb.message), s.str(eb.hostID)
		e.EC, e.RecommendDoc = s.str(eb.ec), s.str(eb.recommend)
		e.RequestID = s.str(eb.requestID)
		e.StringToSign = s.str(eb.stringToSign)
	} else {
		e.Message = snippet(s.str(string(data)))
	}
	if id := h.Get(headerRequestID); id != "" {
		e.RequestID = s.str(id)
	}
	return e, eb
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

// scrubber removes secrets from text that came from outside.
type scrubber []string

func (s scrubber) str(v string) string {
	for _, secret := range s {
		if len(secret) >= 4 && strings.Contains(v, secret) {
			v = strings.ReplaceAll(v, secret, "<redacted>")
		}
	}
	return v
}

func (s scrubber) header(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		c := make([]string, len(vs))
		for i, v := range vs {
			c[i] = s.str(v)
		}
		out[s.str(k)] = c
	}
	return out
}

// Names of the lines of a string to sign, and what a difference in each
// usually means.
var stsLines = [...]struct{ name, cause string }{
	{"algorithm", "the signature scheme differs"},
	{"date and time", "the clocks differ"},
	{"scope", "the date or the region differs: check Client.Region"},
	{"hash of the canonical request", "the canonical requests differ: a signed header or the query changed on the way"},
}

// mismatch says where OSS's string to sign (and canonical request, when
// sent) differs from the local one. Header values are shown except those of
// headers that hold secrets.
func mismatch(serverSTS, localSTS, serverCR, localCR string) string {
	sl, ll := strings.Split(serverSTS, "\n"), strings.Split(localSTS, "\n")
	for i := 0; i < max(len(sl), len(ll)); i++ {
		if i >= len(sl) || i >= len(ll) {
			return fmt.Sprintf("OSS's string to sign has %d lines, wgor's has %d", len(sl), len(ll))
		}
		if sl[i] == ll[i] {
			continue
		}
		name, cause := "line", ""
		if i < len(stsLines) {
			name, cause = stsLines[i].name, stsLines[i].cause
		}
		msg := fmt.Sprintf("the string to sign differs at line %d (%s), byte %d: OSS has %q, wgor signed %q",
			i+1, name, firstDiff(sl[i], ll[i])+1, sl[i], ll[i])
		if i == 3 && serverCR != "" && localCR != "" {
			if d := canonicalMismatch(serverCR, localCR); d != "" {
				return msg + "; " + d
			}
		}
		if cause != "" {
			msg += ": " + cause
		}
		return msg
	}
	return "the strings to sign are equal, so the signing key differs: check the access key secret"
}

// canonicalMismatch names the first line where two canonical requests
// differ.
func canonicalMismatch(server, local string) string {
	sl, ll := strings.Split(server, "\n"), strings.Split(local, "\n")
	for i := 0; i < max(len(sl), len(ll)); i++ {
		var s, l string
		if i < len(sl) {
			s = sl[i]
		}
		if i < len(ll) {
			l = ll[i]
		}
		if s == l {
			continue
		}
		return fmt.Sprintf("the canonical request differs at line %d (%s): OSS has %s, wgor signed %s",
			i+1, section(ll, i), showLine(s), showLine(l))
	}
	return ""
}

// section names the part of a canonical request that line i belongs to.
func section(lines []string, i int) string {
	switch i {
	case 0:
		return "method"
	case 1:
		return "URI"
	case 2:
		return "query"
	}
	for j := 3; j < len(lines) && j <= i; j++ {
		if lines[j] == "" {
			switch i - j {
			case 0:
				return "end of headers"
			case 1:
				return "additional headers"
			default:
				return "payload hash"
			}
		}
	}
	return "headers"
}

// secretHeaders are signed headers whose values are never shown.
var secretHeaders = []string{"x-oss-security-token", "x-oss-request-token", "authorization"}

// showLine quotes a canonical request line, hiding the value of a header
// that holds a secret.
func showLine(line string) string {
	if name, _, ok := strings.Cut(line, ":"); ok {
		for _, s := range secretHeaders {
			if strings.EqualFold(name, s) {
				return strconv.Quote(name+":") + " (value not shown)"
			}
		}
	}
	return strconv.Quote(line)
}

func firstDiff(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// redactedError is an error whose message had secrets removed. It unwraps
// to the original, so errors.Is and errors.As still work.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact is the last line of defence: should an error from below (net/http,
// the caller's reader) ever quote a secret, the message Write returns does
// not.
func redact(err error, secrets ...string) error {
	msg := err.Error()
	if clean := scrubber(secrets).str(msg); clean != msg {
		return &redactedError{msg: clean, err: err}
	}
	return err
}
