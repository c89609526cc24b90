package sign

import (
	"cmp"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	// Algorithm names the scheme in the Authorization header and the string to sign.
	Algorithm = "OSS4-HMAC-SHA256"
	// UnsignedPayload is the payload hash that lets a body stream unhashed:
	// the only value of x-oss-content-sha256 OSS accepts.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// DefaultProduct is the scope's product when Options.Product is empty.
	DefaultProduct = "oss"
)

// Canonical names of the headers the signer reads or sets.
const (
	HeaderAuthorization = "Authorization"
	HeaderDate          = "Date"
	HeaderOSSDate       = "X-Oss-Date"
	HeaderContentSHA256 = "X-Oss-Content-Sha256"
	HeaderSecurityToken = "X-Oss-Security-Token"
)

const (
	timeFormat      = "20060102T150405Z" // x-oss-date and the string to sign
	dateFormat      = "20060102"         // the date in the scope
	scopeTerminator = "aliyun_v4_request"
	keyPrefix       = "aliyun_v4"
	maxPresignTTL   = 7 * 24 * time.Hour // OSS refuses longer V4 presigned URLs (EC 0002-00000232)
	defaultTTL      = 15 * time.Minute
)

var (
	unsignedPayload = []string{UnsignedPayload} // x-oss-content-sha256's value in the canonical headers
	ownLower        = [...][]byte{[]byte("x-oss-date"), []byte("x-oss-content-sha256"), []byte("date"), []byte("authorization"), []byte("x-oss-security-token")}
)

// Credentials are what a signature is computed with. SecurityToken is set for
// temporary (STS) credentials and empty for long-term keys.
type Credentials struct {
	AccessKeyID, AccessKeySecret, SecurityToken string
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
	// Region is the scope's region, such as "cn-hangzhou". Required.
	Region string
	// Product is the scope's product; empty means "oss".
	Product string
	// Bucket and Key form the canonical URI: "/" + Bucket + "/" + Key,
	// percent-encoded except for '/'. Key is the unescaped object name. Both
	// empty (a service-level request such as WriteGetObjectResponse) means
	// "/". The URL's path is not used.
	Bucket, Key string
	// AdditionalHeaders names headers to sign beyond the defaults (every
	// x-oss-* header, Content-Type and Content-MD5), in any case and order.
	// A name is signed only when the request carries it with a non-empty
	// value (Date always, with Sign, which sets it).
	AdditionalHeaders []string
	// Time is the signing time, converted to UTC; zero means time.Now().
	Time time.Time
	// Expires is how long a presigned URL stays valid, from one second to
	// seven days; zero means 15 minutes. Sign ignores it.
	Expires time.Duration
	// Trace, when not nil, receives what the signature was computed over.
	Trace *Trace
}

// Trace is what a signature was computed over. It never holds the secret or
// the derived key, but the canonical request holds every signed header value,
// the security token and, for WriteGetObjectResponse, the request token among
// them: treat it as sensitive and show it only to the key's owner.
type Trace struct {
	CanonicalRequest, StringToSign string
	Scope                          string   // date/region/product/aliyun_v4_request
	AdditionalHeaders              []string // lower-cased and sorted, as signed
}

// ErrInvalid is wrapped by every error about bad input to Sign and Presign.
var ErrInvalid = errors.New("sign: invalid input")

func invalid(msg string) error { return &inputError{msg: msg} }

type inputError struct{ msg string }

func (e *inputError) Error() string { return "sign: " + e.msg }
func (e *inputError) Unwrap() error { return ErrInvalid }

// Sign signs req in its Authorization header. It sets x-oss-date, Date,
// x-oss-content-sha256 (always UNSIGNED-PAYLOAD, over any value req carries:
// OSS accepts no other), x-oss-security-token for STS credentials and
// Authorization, and removes other spellings of those names, so that what is
// sent is what was signed; a header name without values, which net/http does
// not send, is not signed. The body is never read. Unusable input (a nil
// request or URL, missing credentials or region, CR, LF or NUL in a header)
// is an ErrInvalid, and req is left unchanged.
func Sign(req *http.Request, o *Options) error {
	if err := validate(req, o); err != nil {
		return err
	}
	st := getState()
	defer putState(st)
	t := signingTime(o.Time)
	stamps := appendStamps(st.stamps[:0], t)
	datetime, httpDate := stamps[:len(timeFormat)], stamps[len(timeFormat):]
	token := o.Credentials.SecurityToken
	vs := []string{4: token} // the arrays behind the five values set, in one allocation
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	h := req.Header
	// Sign's headers replace any of their names in any case, are signed as
	// any other (Date only when named in AdditionalHeaders, Authorization
	// never), and reach the map once the signature is known.
	own := []header{
		{name: HeaderOSSDate, lower: ownLower[0], raw: datetime},
		{name: HeaderContentSHA256, lower: ownLower[1], values: unsignedPayload}, // OSS accepts no other (EC 0002-00000214)
		{name: HeaderDate, lower: ownLower[2], raw: httpDate},
		{name: HeaderAuthorization, lower: ownLower[3]},
		{name: HeaderSecurityToken, lower: ownLower[4], values: vs[4:5:5]},
	}
	if token == "" {
		own = own[:4]
	}
	additional := additionalHeaders(h, o.AdditionalHeaders, "date")
	if err := st.canonicalRequest(req.Method, o.Bucket, o.Key, req.URL.RawQuery, "", h, additional, own); err != nil {
		return err
	}
	k := st.signingKey(o.Credentials.AccessKeySecret, datetime[:len(dateFormat)], o.Region, productOf(o.Product))
	st.stringToSign(datetime, k.scope)
	sig := st.signature(k)
	// x-oss-date, Date, then Authorization: OSS4-HMAC-SHA256
	// Credential=AK/scope[,AdditionalHeaders=a;b],Signature=hex
	b := append(append(st.out[:0], stamps...), Algorithm+" Credential="...)
	b = append(append(append(b, o.Credentials.AccessKeyID...), '/'), k.scope...)
	if len(additional) > 0 {
		b = appendJoined(append(b, ",AdditionalHeaders="...), additional, ';')
	}
	st.out = append(append(b, ",Signature="...), sig[:]...)
	values := string(st.out) // one allocation for the three values
	n, m := len(datetime), len(stamps)
	vs[0], vs[1], vs[2], vs[3] = values[:n], UnsignedPayload, values[n:m], values[m:]
	for name := range h {
		if !st.respelled {
			break
		} else if o := ownOf(own, "", []byte(strings.ToLower(name))); o != nil && name != o.name {
			delete(h, name) // net/http would send it beside Sign's
		}
	}
	h[HeaderOSSDate], h[HeaderContentSHA256], h[HeaderDate], h[HeaderAuthorization] = vs[0:1:1], vs[1:2:2], vs[2:3:3], vs[3:4:4]
	if token != "" {
		h[HeaderSecurityToken] = vs[4:5:5]
	}
	st.trace(o.Trace, k.scope, additional)
	return nil
}

// validate refuses input that cannot be signed (the canonical headers step
// checks the headers). Messages name the field at fault, never a value:
// values may be secrets.
func validate(req *http.Request, o *Options) error {
	switch {
	case req == nil || req.URL == nil:
		return invalid("nil request, or a request with no URL")
	case o == nil:
		return invalid("nil options")
	case badValue(o.Credentials.SecurityToken):
		return invalid("security token contains CR, LF or NUL")
	case badValue(req.URL.RawQuery):
		return invalid("query contains CR, LF or NUL")
	}
	// They stand in the Credential, whose fields are separated by '/' and
	// ended by ',' or a space.
	for _, f := range [...]struct{ name, v string }{{"access key ID", o.Credentials.AccessKeyID},
		{"access key secret", o.Credentials.AccessKeySecret}, {"region", o.Region}, {"product", productOf(o.Product)}} {
		if f.v == "" {
			return invalid("empty " + f.name)
		}
		if f.name != "access key secret" && strings.ContainsFunc(f.v, func(r rune) bool { return r <= ' ' || r == 0x7f || r == ',' || r == '/' }) {
			return invalid(f.name + " contains a control character, a space, ',' or '/'")
		}
	}
	for _, name := range o.AdditionalHeaders {
		if name == "" || strings.ContainsFunc(name, func(r rune) bool {
			return r > 0x7f || !isUnreserved(byte(r)) && !strings.ContainsRune("!#$%&'*+^`|", r)
		}) {
			return invalid("additional header name " + safeName(name) + " is not a valid HTTP header name (RFC 9110 token)")
		}
	}
	return nil
}

// safeName quotes a header name for an error message, cut short so that a
// hostile name cannot flood a log.
func safeName(name string) string { return strconv.Quote(name[:min(len(name), 64)]) }

// appendStamps appends t as x-oss-date (20060102T150405Z) then as Date
// (http.TimeFormat), written out by hand: time.Time.AppendFormat reads its
// layout on every call, which costs a tenth of a signature.
func appendStamps(b []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	hh, mm, ss := t.Clock()
	b = appendDigits(appendDigits(appendDigits(b, y, 4), int(mo), 2), d, 2)
	b = append(appendDigits(appendDigits(appendDigits(append(b, 'T'), hh, 2), mm, 2), ss, 2), 'Z')
	b = appendDigits(append(append(b, t.Weekday().String()[:3]...), ", "...), d, 2)
	b = appendDigits(append(append(append(b, ' '), mo.String()[:3]...), ' '), y, 4)
	b = appendDigits(append(appendDigits(append(appendDigits(append(b, ' '), hh, 2), ':'), mm, 2), ':'), ss, 2)
	return append(b, " GMT"...)
}

// appendDigits appends v, zero-padded to width digits; years outside 0-9999,
// which OSS does not accept, are clamped.
func appendDigits(b []byte, v, width int) []byte {
	v = min(max(v, 0), 9999)
	b = append(b, "0000"[:width]...)
	for i := len(b) - 1; v > 0; i, v = i-1, v/10 {
		b[i] = '0' + byte(v%10)
	}
	return b
}

func signingTime(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now()
	}
	return t.UTC()
}

func productOf(p string) string { return cmp.Or(p, DefaultProduct) }
