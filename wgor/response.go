package wgor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/internal/redact"
)

// Response is what a function answers the GetObject that invoked it with:
// the status, the headers and the body OSS relays to the caller.
//
// Printing a Response with fmt or logging it with log/slog never shows the
// Token; but fmt prints an unexported struct field without calling its
// methods, so a Response kept in one is printed whole.
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
	// A 304 has no content (RFC 9110, section 15.4.5): its Body must be nil
	// or http.NoBody.
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
	// not carry the x-oss-fwd-header- prefix themselves, nor be one that
	// describes a message rather than the object (Content-Length,
	// Transfer-Encoding, Connection, Trailer, Keep-Alive, TE, Upgrade: RFC
	// 9110, section 7.6.1), and each must have a value (an entry with none
	// would be signed but not sent).
	Header http.Header

	// Body is the content the GetObject caller receives; nil means an
	// empty body. A body of known length (see ContentLength) is streamed as
	// it is read; one of unknown length is spooled first (see
	// Client.SpoolDir), or streamed chunked (see Chunked). It is never held
	// whole in memory, and read twice only by a retry of a body that can be
	// rewound (see Client). A *bytes.Buffer is sent without being drained.
	// When Body implements io.Closer, Write closes it before it returns, on
	// success and on error alike, as net/http's Client.Do does: a producer
	// writing into an io.Pipe then learns that nobody reads any more; Close
	// may be called while a Read is in progress and should make it return.
	// Once Write returns, Body is no longer read (but for a Read that blocks
	// and cannot be closed, see Client.Write).
	Body io.Reader

	// ContentLength is the length of Body in bytes. Zero means: detect it
	// for *bytes.Reader, *strings.Reader, *bytes.Buffer (what remains to be
	// read) and a regular *os.File (its size less the current offset), and
	// otherwise spool the body, or send it chunked. A length given here is
	// sent as Content-Length and enforced: a body that ends early or holds
	// more is an error (Write reads at most one byte past the length to
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
	s := "wgor.Response{Route: " + strconv.Quote(r.route())
	if r.Token != "" {
		s += ", Token: " + redact.Mark
	}
	s += ", Status: " + strconv.Itoa(r.Status)
	if r.ContentType != "" {
		s += ", ContentType: " + strconv.Quote(r.ContentType)
	}
	if r.ContentLength != 0 {
		s += ", ContentLength: " + strconv.FormatInt(r.ContentLength, 10)
	}
	return s + "}"
}

// route is Route without any signature or token: a presigned URL pasted
// there by mistake must not print its own, nor a route holding Token print
// it.
func (r Response) route() string { return redact.New(r.Token).String(r.Route) }

// Format makes every fmt verb print String, so that no verb prints the
// token.
func (r Response) Format(f fmt.State, verb rune) { redact.Format(f, verb, r.String()) }

// MarshalJSON writes String: slog's JSON handler marshals a Response held
// in a slice, a map or a struct with encoding/json, past LogValue.
func (r Response) MarshalJSON() ([]byte, error) { return json.Marshal(r.String()) }

// LogValue implements slog.LogValuer without the token.
func (r Response) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("route", r.route()),
		slog.Bool("token_set", r.Token != ""),
		slog.Int("status", r.Status),
		slog.String("content_type", r.ContentType),
		slog.Int64("content_length", r.ContentLength),
	)
}

// ValidStatus reports whether status is one OSS accepts as the status of
// the GetObject caller's answer (x-oss-fwd-status): 200, 206, 301, 302,
// 303, 304, 400, 401, 403, 404, 405, 409, 411, 412, 416, 500 or 503, the
// values OSS's API reference "WriteGetObjectResponse" lists. Write refuses
// any other before sending anything.
func ValidStatus(status int) bool { return oss.ValidStatus(status) }

// forwarded returns the typed forwarded headers of r, in the order of
// oss.Forwarded, formatted as sent.
func (r *Response) forwarded() [len(oss.Forwarded)]string {
	f := [len(oss.Forwarded)]string{r.AcceptRanges, r.CacheControl, r.ContentDisposition, r.ContentEncoding,
		r.ContentLanguage, r.ContentRange, r.ContentType, r.ETag}
	if !r.Expires.IsZero() {
		f[8] = r.Expires.UTC().Format(http.TimeFormat)
	}
	if !r.LastModified.IsZero() {
		f[9] = r.LastModified.UTC().Format(http.TimeFormat)
	}
	return f
}

// check refuses a Response that cannot be sent, but for its route and
// body, which are checked as they are read. Its messages never quote the
// token or a header value.
func (r *Response) check() error {
	switch t := strings.TrimSpace(r.Token); {
	case r.Token == "":
		return invalid("Token is empty: pass getObjectContext.outputToken from the event")
	case t == "":
		return invalid("Token is only white space: pass getObjectContext.outputToken from the event")
	case t != r.Token:
		return invalid("Token has white space before or after it: pass getObjectContext.outputToken unchanged")
	case !oss.ValidValue(r.Token):
		return invalid("Token contains a control character (CR, LF, NUL or another): pass getObjectContext.outputToken unchanged")
	case !oss.ValidStatus(r.Status):
		return invalid("Status %d is not one OSS accepts for x-oss-fwd-status: use one of %s", r.Status, oss.StatusList)
	case r.Status == http.StatusNotModified && r.Body != nil && r.Body != http.NoBody:
		return invalid("Status 304 has no content (RFC 9110, section 15.4.5): leave Body nil")
	case nilBody(r.Body):
		return invalid("Body is a nil %T: leave Body nil for an empty body", r.Body)
	case r.ContentLength < 0:
		return invalid("ContentLength %d is negative: use 0 for a length to be detected or sent chunked", r.ContentLength)
	}
	f := r.forwarded()
	for i, v := range f {
		if !oss.ValidValue(v) {
			return invalid("forwarded header %s contains a control character (CR, LF, NUL or another)", oss.Forwarded[i])
		}
	}
	for name, values := range r.Header {
		if err := checkHeader(name, values, &f); err != nil {
			return err
		}
	}
	return nil
}

// nilBody reports whether b is a nil pointer of a type whose Read wgor
// calls itself, or hands to net/http, where it would panic.
func nilBody(b io.Reader) bool {
	switch v := b.(type) {
	case *bytes.Buffer:
		return v == nil
	case *bytes.Reader:
		return v == nil
	case *strings.Reader:
		return v == nil
	case *io.PipeReader:
		return v == nil
	}
	return false
}

// checkHeader checks an entry of Response.Header; f holds the typed fields.
func checkHeader(name string, values []string, f *[len(oss.Forwarded)]string) error {
	canon := http.CanonicalHeaderKey(name)
	typed := slices.Index(oss.Forwarded[:], canon)
	switch {
	case !oss.ValidName(name):
		return invalid("Header name %s is not a valid HTTP header name", quote(name))
	case strings.HasPrefix(strings.ToLower(name), oss.FwdPrefix):
		return invalid("Header name %s carries the x-oss-fwd-header- prefix: give the bare name, wgor adds the prefix", quote(name))
	case typed >= 0 && f[typed] != "":
		return invalid("forwarded header %s is set both in its field and in Header: set it once", canon)
	case slices.Contains(oss.ConnectionSpecific[:], canon):
		return invalid("Header %s describes the WriteGetObjectResponse request, not the object, and is never forwarded (RFC 9110, section 7.6.1): "+
			"delete the entry; the body's length is Response.ContentLength", canon)
	case len(values) == 0:
		return invalid("Header %s has no value: give it one, or delete the entry", quote(canon))
	case slices.ContainsFunc(values, func(v string) bool { return !oss.ValidValue(v) }):
		return invalid("forwarded header %s contains a control character (CR, LF, NUL or another)", canon)
	}
	return nil
}

// header returns the headers of the WriteGetObjectResponse for r, before
// signing (API reference "WriteGetObjectResponse", its header table).
func (r *Response) header(host, userAgent string) http.Header {
	f := r.forwarded()
	values := make([]string, 0, 4+len(f)) // one array behind the single values
	values = append(append(values, host, r.Token, strconv.Itoa(r.Status), userAgent), f[:]...)
	n := len(r.Header) + 5 // sign adds five
	for _, v := range values {
		if v != "" {
			n++
		}
	}
	h := make(http.Header, n)
	for i, v := range values {
		if v != "" {
			h[sentKeys[i]] = values[i : i+1 : i+1]
		}
	}
	for name, vs := range r.Header {
		key := http.CanonicalHeaderKey(oss.FwdPrefix + name)
		h[key] = append(h[key], vs...)
	}
	return h
}

// The canonical keys of the headers Write sends, made once: sentKeys in
// the order of header's values.
var (
	keyRequestID = http.CanonicalHeaderKey(oss.HeaderRequestID)
	sentKeys     = func() []string {
		keys := []string{oss.HeaderRoute, oss.HeaderToken, oss.HeaderStatus, "User-Agent"}
		for _, name := range oss.Forwarded {
			keys = append(keys, oss.FwdPrefix+name)
		}
		for i, k := range keys {
			keys[i] = http.CanonicalHeaderKey(k)
		}
		return keys
	}()
)
