package sign

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
	"unsafe"
)

// Algorithm is the name of the signature scheme, as it appears in the
// Authorization header and the string to sign.
const Algorithm = "OSS4-HMAC-SHA256"

// UnsignedPayload is the payload hash that lets a body stream without being
// hashed first. It is the default value of x-oss-content-sha256.
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// DefaultProduct is the product in the signing scope when Options.Product is
// empty.
const DefaultProduct = "oss"

// Canonical names of the headers the signer reads or sets.
const (
	HeaderAuthorization = "Authorization"
	HeaderDate          = "Date"
	HeaderOSSDate       = "X-Oss-Date"
	HeaderContentSHA256 = "X-Oss-Content-Sha256"
	HeaderSecurityToken = "X-Oss-Security-Token"
)

const (
	iso8601DateTime = "20060102T150405Z" // x-oss-date and the string to sign
	yyyymmdd        = "20060102"         // the date in the scope
	scopeTerminator = "aliyun_v4_request"
	keyPrefix       = "aliyun_v4"
	maxPresignTTL   = 7 * 24 * time.Hour // OSS rejects longer V4 presigned URLs
	defaultTTL      = 15 * time.Minute
)

// Credentials are what a signature is computed with. SecurityToken is set for
// temporary (STS) credentials and empty for long-term keys.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string
}

// String names the access key ID only; the secret and the token never appear.
func (c Credentials) String() string {
	if c.SecurityToken != "" {
		return "sign.Credentials{AccessKeyID: " + c.AccessKeyID + ", SecurityToken: <set>}"
	}
	return "sign.Credentials{AccessKeyID: " + c.AccessKeyID + "}"
}

// GoString is String, so that %#v does not print the secret either.
func (c Credentials) GoString() string { return c.String() }

// Options describe how to sign one request.
type Options struct {
	// Credentials sign the request. AccessKeyID and AccessKeySecret are
	// required; SecurityToken is sent as x-oss-security-token when set.
	Credentials Credentials

	// Region is the region in the signing scope, such as "cn-hangzhou".
	// Required.
	Region string

	// Product is the product in the signing scope; empty means "oss".
	Product string

	// Bucket and Key form the canonical URI: "/" + Bucket + "/" + Key,
	// percent-encoded except for '/'. Key is the unescaped object name. Both
	// empty (a service-level request such as WriteGetObjectResponse) means
	// "/". The URL's path is not used.
	Bucket, Key string

	// AdditionalHeaders names headers to sign beyond the defaults (every
	// x-oss-* header, Content-Type and Content-MD5), in any case and order.
	// A name is signed only when the request carries it with a non-empty
	// value.
	AdditionalHeaders []string

	// Time is the signing time; the zero value means time.Now(). It is
	// converted to UTC.
	Time time.Time

	// Expires is how long a presigned URL stays valid, from one second to
	// seven days; zero means 15 minutes. Sign ignores it.
	Expires time.Duration

	// Trace, when not nil, receives the canonical request and the string to
	// sign that the signature was computed over.
	Trace *Trace
}

// Trace is what a signature was computed over. It never holds the secret or
// the derived key, but the canonical request does hold every signed header
// value, including the security token and, for WriteGetObjectResponse, the
// request token: treat it as sensitive and show it only to the key's owner.
type Trace struct {
	CanonicalRequest string
	StringToSign     string
	// Scope is date/region/product/aliyun_v4_request.
	Scope string
	// AdditionalHeaders are the additional signed header names as they
	// appear in the signature: lower-cased and sorted.
	AdditionalHeaders []string
}

// ErrInvalid is wrapped by every error about bad input to Sign and Presign.
var ErrInvalid = errors.New("sign: invalid input")

func invalid(msg string) error { return &inputError{msg: msg} }

type inputError struct{ msg string }

func (e *inputError) Error() string { return "sign: " + e.msg }
func (e *inputError) Unwrap() error { return ErrInvalid }

// Sign signs req in its Authorization header.
//
// It sets x-oss-date, Date, x-oss-content-sha256 (always UNSIGNED-PAYLOAD,
// over any value req carries: OSS accepts no other), x-oss-security-token for
// STS credentials, and Authorization, and removes any other spelling of those
// names from the map, so that what goes on the wire is what was signed. A
// header with a name but no values is not sent by net/http, so it is not
// signed either. The body is never read. Sign returns an error, and leaves
// req unchanged, when the input is unusable: a nil request or URL, missing
// credentials or region, or a header value containing CR, LF or NUL.
func Sign(req *http.Request, o *Options) error {
	if err := validate(req, o); err != nil {
		return err
	}
	st := getState()
	ts := st.stampAt(signingTime(o.Time))
	product := productOf(o)
	if req.Header == nil {
		req.Header = make(http.Header, 8)
	}
	h := req.Header

	// The signer's own headers join the canonical request from the stack
	// and reach the header map only once the signature is known, so that a
	// refusal leaves req unchanged and all the values share one string.
	//
	// x-oss-content-sha256 is always UNSIGNED-PAYLOAD, set over any value
	// the caller put there: OSS refuses every other value (EC 0002-00000214,
	// "set the x-oss-content-sha256 header to UNSIGNED-PAYLOAD"), and the
	// official SDK v2 signer sets it the same way (oss/signer/v4.go,
	// authHeader: request.Header.Set(contentSha256Header, unsignedPayload)).
	var own [4]ownHeader
	own[0] = ownHeader{id: ownOSSDate, b: ts.datetime[:]}
	own[1] = ownHeader{id: ownContentSHA256, s: UnsignedPayload}
	n := 2
	tokenAt := -1
	if tok := o.Credentials.SecurityToken; tok != "" {
		own[n] = ownHeader{id: ownSecurityToken, s: tok}
		tokenAt = n
		n++
	}
	additional := additionalHeaders(h, o.AdditionalHeaders)
	var httpDate [29]byte
	ts.appendHTTPDate(httpDate[:0])
	if slices.Contains(additional, "date") {
		own[n] = ownHeader{id: ownDate, b: httpDate[:]}
		n++
	}
	if err := st.canonicalRequest(req.Method, o.Bucket, o.Key, req.URL.RawQuery, h, additional, UnsignedPayload, own[:n]); err != nil {
		putState(st)
		return err
	}
	sig, scope := st.signature(o.Credentials.AccessKeySecret, &ts, o.Region, product)

	// One allocation holds the values and the arrays behind every []string
	// set below. Map entries are assigned directly: the names are canonical
	// already.
	size := len(ts.datetime) + len(httpDate) + len(Algorithm+" Credential=") + len(o.Credentials.AccessKeyID) +
		1 + len(scope) + len(",Signature=") + len(sig)
	if len(additional) > 0 {
		size += len(",AdditionalHeaders=") + len(additional) - 1
		for _, a := range additional {
			size += len(a)
		}
	}
	vals, out := newValues(size)
	out = append(out, ts.datetime[:]...)
	out = append(out, httpDate[:]...)
	out = append(out, Algorithm+" Credential="...)
	out = append(out, o.Credentials.AccessKeyID...)
	out = append(out, '/')
	out = append(out, scope...)
	if len(additional) > 0 {
		out = append(out, ",AdditionalHeaders="...)
		out = appendJoined(out, additional)
	}
	out = append(out, ",Signature="...)
	out = append(out, sig[:]...)
	// out is never written again, so the string is immutable as
	// unsafe.String requires, and it keeps the allocation alive as any
	// pointer into it does.
	all := unsafe.String(unsafe.SliceData(out), len(out))
	vals[0], vals[1], vals[2] = all[:16], all[16:16+29], all[16+29:]
	h[HeaderOSSDate] = vals[0:1:1]
	h[HeaderDate] = vals[1:2:2]
	h[HeaderAuthorization] = vals[2:3:3]
	if tokenAt >= 0 && !own[tokenAt].present {
		// A request signed again with the same credentials, as on a
		// retry, holds this token already.
		vals[3] = o.Credentials.SecurityToken
		h[HeaderSecurityToken] = vals[3:4:4]
	}
	if !own[1].present {
		vals[4] = UnsignedPayload
		h[HeaderContentSHA256] = vals[4:5:5]
	}
	dropOtherSpellings(h, tokenAt >= 0)
	st.trace(o.Trace, scope, additional)
	putState(st)
	return nil
}

// signedValues is what Sign adds to a request, in one allocation: the
// arrays behind the []string values it sets, and the bytes of the x-oss-date,
// Date and Authorization values. One allocation instead of two saves about
// 45 ns of a 1.2 µs signature (BenchmarkSign).
type signedValues struct {
	vals [5]string
	buf  [240]byte // x-oss-date, Date, Authorization: about 220 bytes
}

// newValues returns an array for the header values and an empty buffer of
// the given capacity for their bytes, in one allocation when size fits in
// signedValues.buf, in two otherwise. The bytes are written straight into
// the buffer, never copied.
func newValues(size int) (*[5]string, []byte) {
	if size > len(signedValues{}.buf) {
		return new([5]string), make([]byte, 0, size)
	}
	sv := new(signedValues)
	return &sv.vals, sv.buf[:0:size]
}

// dropOtherSpellings deletes the keys of h that spell a header Sign sets
// in another case than Go's canonical one ("x-oss-date" beside
// "X-Oss-Date"): net/http would send both, and OSS would see two values where
// one was signed. The security token counts only when Sign set it.
func dropOtherSpellings(h http.Header, token bool) {
	for k := range h {
		switch {
		case k == HeaderOSSDate || k == HeaderDate || k == HeaderAuthorization ||
			k == HeaderContentSHA256 || k == HeaderSecurityToken:
		case strings.EqualFold(k, HeaderOSSDate) || strings.EqualFold(k, HeaderDate) ||
			strings.EqualFold(k, HeaderAuthorization) || strings.EqualFold(k, HeaderContentSHA256) ||
			token && strings.EqualFold(k, HeaderSecurityToken):
			delete(h, k)
		}
	}
}

// validate rejects input that cannot be signed, but for the request's
// headers, which canonicalRequest checks as it reads them. Its messages name the field
// or header at fault, never a value: values may be secrets.
func validate(req *http.Request, o *Options) error {
	switch {
	case req == nil:
		return invalid("nil request")
	case req.URL == nil:
		return invalid("request has no URL")
	case o == nil:
		return invalid("nil options")
	case o.Credentials.AccessKeyID == "":
		return invalid("empty access key ID")
	case o.Credentials.AccessKeySecret == "":
		return invalid("empty access key secret")
	case o.Region == "":
		return invalid("empty region")
	}
	if badToken(o.Credentials.AccessKeyID) {
		return invalid("access key ID contains a control character, a space, ',' or '/'")
	}
	if badToken(o.Region) {
		return invalid("region contains a control character, a space, ',' or '/'")
	}
	if o.Product != "" && badToken(o.Product) {
		return invalid("product contains a control character, a space, ',' or '/'")
	}
	if badValue(o.Credentials.SecurityToken) {
		return invalid("security token contains CR, LF or NUL")
	}
	if badValue(req.URL.RawQuery) {
		return invalid("query contains CR, LF or NUL")
	}
	for _, name := range o.AdditionalHeaders {
		if !isToken(name) {
			return invalid("additional header name " + safeName(name) + " is not a valid HTTP header name")
		}
	}
	return nil // header values are checked as the canonical request is built
}

// badValue reports whether s holds a byte that would split or end an HTTP
// header line.
//
// It reads eight bytes at a time and looks closer only at words holding a
// byte below 0x0e: validation runs over every header of every request.
func badValue(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if w := le64(s[i:]); (w-swarOnes*0x0e)&^w&swarHighs != 0 && hasCRLFNUL(s[i:i+8]) {
			return true
		}
	}
	return hasCRLFNUL(s[i:])
}

func hasCRLFNUL(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\r' || c == '\n' || c == 0 {
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
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// badToken reports whether s cannot stand in a scope or credential field:
// it holds a control character, a space, ',' or '/'.
func badToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if notInToken[s[i]] {
			return true
		}
	}
	return false
}

var notInToken = func() (t [256]bool) {
	for c := range t {
		t[c] = c <= ' ' || c == 0x7f || c == ',' || c == '/'
	}
	return t
}()

// safeName quotes a header name for an error message, cut short so that a
// hostile name cannot flood a log.
func safeName(name string) string {
	const max = 64
	if len(name) > max {
		name = name[:max] + "..."
	}
	return strings.ToValidUTF8(`"`+name+`"`, "?")
}

func signingTime(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now()
	}
	return t.UTC()
}

func productOf(o *Options) string {
	if o.Product == "" {
		return DefaultProduct
	}
	return o.Product
}
