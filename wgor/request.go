package wgor

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// Response is what a function answers the GetObject that invoked it with:
// the status, the headers and the body OSS relays to the caller.
//
// Printing a Response with fmt or logging it with log/slog never shows the
// Token.
type Response struct {
	// Route is the event's getObjectContext.outputRoute: a host, sent to
	// over HTTPS unless Client.Scheme says otherwise, or a URL with an
	// explicit http:// or https:// scheme and no path, query, fragment or
	// user info (a local emulator, a test), whose scheme is honoured.
	// x-oss-request-route and Host carry the host, without the scheme.
	Route string

	// Token is the event's getObjectContext.outputToken, sent as
	// x-oss-request-token. It is single-use and secret.
	Token string

	// Status is the HTTP status the GetObject caller receives, sent as
	// x-oss-fwd-status: one of the values OSS documents (see ValidStatus).
	Status int

	// The ten forwarded headers OSS documents, each sent as
	// x-oss-fwd-header-<Name> when not empty.
	AcceptRanges       string // Accept-Ranges
	CacheControl       string // Cache-Control
	ContentDisposition string // Content-Disposition
	ContentEncoding    string // Content-Encoding
	ContentLanguage    string // Content-Language
	ContentRange       string // Content-Range
	ContentType        string // Content-Type
	ETag               string // ETag

	// Expires and LastModified are sent in http.TimeFormat when not zero.
	Expires      time.Time
	LastModified time.Time

	// Header holds other headers to forward: the entry "Name" is sent as
	// x-oss-fwd-header-Name, each value on its own line. A documented header
	// may be given here instead of in its field, but not in both. Names must
	// not carry the x-oss-fwd-header- prefix themselves, and each must have
	// a value (an entry with none would be signed but not sent).
	Header http.Header

	// Body is the content the GetObject caller receives. A body of known
	// length (see ContentLength) is streamed as it is read; one of unknown
	// length is spooled first and then sent (see Client.SpoolDir), or
	// streamed chunked (see Chunked). It is never held whole in memory and
	// never read twice (see Client for the one exception, retries of
	// bodies that can be rewound). Nil means an empty body. A
	// *bytes.Buffer is sent as it stands, without being drained. When
	// Body implements io.Closer, Write closes it before it returns, on
	// success and on error alike, as net/http's Client.Do does with a
	// request body: a producer writing into an io.Pipe then learns that
	// nobody reads any more. As with net/http, Close may be called while a
	// Read is in progress and should make that Read return. Once Write
	// returns, Body is no longer read (but for a Read that blocks and
	// cannot be closed, see Client.Write), so its buffer may be reused.
	Body io.Reader

	// ContentLength is the length of Body in bytes. Zero means: detect it
	// for *bytes.Reader, *strings.Reader, *bytes.Buffer (what remains to be
	// read) and a regular *os.File (its size less the current offset), and
	// otherwise spool the body to learn it (see Client.SpoolDir), or send
	// it chunked (see Chunked). A length given here is sent as
	// Content-Length and enforced: a body that ends early or holds more is
	// an error (Write reads at most one byte past the declared length to
	// find out), and the request is cut short so that OSS never relays a
	// truncated or padded response as complete. Negative is an error.
	ContentLength int64

	// Chunked sends a body of unknown length chunked, as it is read,
	// instead of spooling it: see Client.Chunked, and the undocumented
	// behaviour of OSS this relies on.
	Chunked bool
}

// String describes the response without its token or body.
func (r Response) String() string {
	var b strings.Builder
	b.WriteString("wgor.Response{Route: ")
	b.WriteString(strconv.Quote(r.Route))
	if r.Token != "" {
		b.WriteString(", Token: <redacted>")
	}
	b.WriteString(", Status: ")
	b.WriteString(strconv.Itoa(r.Status))
	if r.ContentType != "" {
		b.WriteString(", ContentType: ")
		b.WriteString(strconv.Quote(r.ContentType))
	}
	if r.ContentLength != 0 {
		b.WriteString(", ContentLength: ")
		b.WriteString(strconv.FormatInt(r.ContentLength, 10))
	}
	b.WriteString("}")
	return b.String()
}

// Format makes every fmt verb print String, so that no verb prints the
// token.
func (r Response) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", r.String())
		return
	}
	fmt.Fprint(f, r.String())
}

// LogValue implements slog.LogValuer without the token.
func (r Response) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("route", r.Route),
		slog.Bool("token_set", r.Token != ""),
		slog.Int("status", r.Status),
		slog.String("content_type", r.ContentType),
		slog.Int64("content_length", r.ContentLength),
	)
}

// ErrInvalidResponse is wrapped by every error about a Response that cannot
// be sent. Write returns it before sending anything.
var ErrInvalidResponse = errors.New("wgor: invalid response")

// The query of WriteGetObjectResponse: a sub-resource without a value.
const writeQuery = "x-oss-write-get-object-response"

// Header names wgor sends, in canonical form.
const (
	headerRoute     = "X-Oss-Request-Route"
	headerToken     = "X-Oss-Request-Token"
	headerFwdStatus = "X-Oss-Fwd-Status"
	fwdPrefix       = "X-Oss-Fwd-Header-"
	headerRequestID = "X-Oss-Request-Id"
	headerUserAgent = "User-Agent"
)

// documented lists the forwarded headers OSS documents, by canonical name.
var documented = [...]string{
	"Accept-Ranges", "Cache-Control", "Content-Disposition", "Content-Encoding",
	"Content-Language", "Content-Range", "Content-Type", "Etag", "Expires", "Last-Modified",
}

// fields returns the typed forwarded headers of r, in the order of
// documented, formatted as sent.
func (r *Response) fields() [len(documented)]string {
	var f [len(documented)]string
	f[0], f[1], f[2], f[3] = r.AcceptRanges, r.CacheControl, r.ContentDisposition, r.ContentEncoding
	f[4], f[5], f[6], f[7] = r.ContentLanguage, r.ContentRange, r.ContentType, r.ETag
	if !r.Expires.IsZero() {
		f[8] = r.Expires.UTC().Format(http.TimeFormat)
	}
	if !r.LastModified.IsZero() {
		f[9] = r.LastModified.UTC().Format(http.TimeFormat)
	}
	return f
}

// checkResponse validates everything but the route and the body, which are
// checked as they are parsed.
func checkResponse(r *Response) error {
	switch t := strings.TrimSpace(r.Token); {
	case r.Token == "":
		return invalid("Token is empty: pass getObjectContext.outputToken from the event")
	case t == "":
		return invalid("Token is only white space: pass getObjectContext.outputToken from the event")
	case t != r.Token:
		return invalid("Token has white space before or after it: pass getObjectContext.outputToken unchanged")
	case badValue(r.Token):
		return invalid("Token contains a control character (CR, LF, NUL or another): pass getObjectContext.outputToken unchanged")
	}
	if !ValidStatus(r.Status) {
		return invalid("Status %d is not one OSS accepts for x-oss-fwd-status: use one of %s", r.Status, validStatusList)
	}
	if r.ContentLength < 0 {
		return invalid("ContentLength %d is negative: use 0 for a length to be detected or sent chunked", r.ContentLength)
	}
	f := r.fields()
	for i, v := range f {
		if badValue(v) {
			return invalid("forwarded header %s contains a control character (CR, LF, NUL or another)", documented[i])
		}
	}
	for name, values := range r.Header {
		if !isToken(name) {
			return invalid("Header name %q is not a valid HTTP header name", safeHost(name))
		}
		canon := textproto.CanonicalMIMEHeaderKey(name)
		if strings.HasPrefix(canon, fwdPrefix) {
			return invalid("Header name %q carries the x-oss-fwd-header- prefix: give the bare name, wgor adds the prefix", safeHost(name))
		}
		for i, d := range documented {
			if canon == d && f[i] != "" {
				return invalid("forwarded header %s is set both in its field and in Header: set it once", d)
			}
		}
		if len(values) == 0 {
			return invalid("Header %q has no value: give it one, or delete the entry", safeHost(canon))
		}
		for _, v := range values {
			if badValue(v) {
				return invalid("forwarded header %s contains a control character (CR, LF, NUL or another)", safeHost(canon))
			}
		}
	}
	return nil
}

// buildHeader returns the headers of a WriteGetObjectResponse, before
// signing.
func buildHeader(r *Response, rt route, userAgent string) http.Header {
	n := 4 + len(r.Header)
	f := r.fields()
	for _, v := range f {
		if v != "" {
			n++
		}
	}
	// One array behind every single-valued header; sign adds five more.
	h := make(http.Header, n+5)
	vals := make([]string, 0, n)
	add := func(key, v string) {
		vals = append(vals, v)
		h[key] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	add(headerRoute, rt.host)
	add(headerToken, r.Token)
	status, _ := statusText(r.Status)
	add(headerFwdStatus, status)
	add(headerUserAgent, userAgent)
	for i, v := range f {
		if v != "" {
			add(fwdKeys[i], v)
		}
	}
	for name, values := range r.Header {
		key := fwdPrefix + textproto.CanonicalMIMEHeaderKey(name)
		h[key] = append(h[key], values...)
	}
	return h
}

// validStatus are the values of x-oss-fwd-status that OSS's API reference
// ("WriteGetObjectResponse", its header table) lists.
var validStatus = [...]int{200, 206, 301, 302, 303, 304, 400, 401, 403, 404, 405, 409, 411, 412, 416, 500, 503}

// validStatusList names them for errors. Constant, as is statusText and
// fwdKeys, so that a cold start computes nothing for them (TestStaticTables
// checks them against validStatus and documented).
const validStatusList = "200, 206, 301, 302, 303, 304, 400, 401, 403, 404, 405, 409, 411, 412, 416, 500, 503"

// ValidStatus reports whether status is one OSS accepts as the status of
// the GetObject caller's answer (x-oss-fwd-status): 200, 206, 301, 302,
// 303, 304, 400, 401, 403, 404, 405, 409, 411, 412, 416, 500 or 503, the
// values OSS's API reference "WriteGetObjectResponse" lists. Write refuses
// any other before sending anything.
func ValidStatus(status int) bool {
	_, ok := statusText(status)
	return ok
}

// statusTexts holds x-oss-fwd-status for each of validStatus, in its
// order, so that sending one allocates nothing.
var statusTexts = [len(validStatus)]string{"200", "206", "301", "302", "303", "304", "400", "401", "403", "404", "405", "409", "411", "412", "416", "500", "503"}

// statusText returns x-oss-fwd-status for a valid status.
func statusText(status int) (string, bool) {
	for i, v := range validStatus {
		if v == status {
			return statusTexts[i], true
		}
	}
	return "", false
}

// fwdKeys are the header keys of the documented forwarded headers:
// fwdPrefix and each of documented.
var fwdKeys = [len(documented)]string{
	"X-Oss-Fwd-Header-Accept-Ranges", "X-Oss-Fwd-Header-Cache-Control", "X-Oss-Fwd-Header-Content-Disposition",
	"X-Oss-Fwd-Header-Content-Encoding", "X-Oss-Fwd-Header-Content-Language", "X-Oss-Fwd-Header-Content-Range",
	"X-Oss-Fwd-Header-Content-Type", "X-Oss-Fwd-Header-Etag", "X-Oss-Fwd-Header-Expires", "X-Oss-Fwd-Header-Last-Modified",
}

// badValue reports whether a header value holds a control character other
// than a tab: CR, LF and NUL would split or end the header line, and
// net/http refuses the others.
func badValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return true
		}
	}
	return false
}

// isToken reports whether name is a valid HTTP header name (RFC 9110 token).
func isToken(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(isLower(c) || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
