package sign

import (
	"errors"
	"net/http"
	"strings"
	"time"
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
// It sets x-oss-date, Date and, for STS credentials, x-oss-security-token;
// x-oss-content-sha256 to UNSIGNED-PAYLOAD unless req already carries one;
// and Authorization. The body is never read. Sign returns an error, and leaves
// req unchanged, when the input is unusable: a nil request or URL, missing
// credentials or region, or a header value containing CR, LF or NUL.
func Sign(req *http.Request, o *Options) error {
	if err := validate(req, o); err != nil {
		return err
	}
	st := getState()
	defer putState(st)

	t := signingTime(o.Time)
	product := productOf(o)
	if req.Header == nil {
		req.Header = make(http.Header, 8)
	}
	h := req.Header

	// Three allocations in all: one array behind every []string the signer
	// adds (map entries are assigned directly: the names are canonical), one
	// string for both dates and one for the Authorization value.
	vals := new([5]string)
	out := t.AppendFormat(st.out[:0], iso8601DateTime)
	out = t.AppendFormat(out, http.TimeFormat)
	dates := string(out)
	vals[0], vals[1] = dates[:len(iso8601DateTime)], dates[len(iso8601DateTime):]
	h[HeaderOSSDate] = vals[0:1:1]
	h[HeaderDate] = vals[1:2:2]
	if o.Credentials.SecurityToken != "" {
		vals[2] = o.Credentials.SecurityToken
		h[HeaderSecurityToken] = vals[2:3:3]
	}
	payload := h.Get(HeaderContentSHA256)
	if payload == "" {
		payload = UnsignedPayload
		vals[3] = UnsignedPayload
		h[HeaderContentSHA256] = vals[3:4:4]
	}
	additional := additionalHeaders(h, o.AdditionalHeaders)

	st.canonicalRequest(req.Method, o.Bucket, o.Key, req.URL.RawQuery, h, "", additional, payload)
	sig := st.signature(o.Credentials.AccessKeySecret, t, o.Region, product)

	out = append(out[:0], Algorithm+" Credential="...)
	out = append(out, o.Credentials.AccessKeyID...)
	out = append(out, '/')
	out = appendScope(out, t, o.Region, product)
	if len(additional) > 0 {
		out = append(out, ",AdditionalHeaders="...)
		out = appendJoined(out, additional)
	}
	out = append(out, ",Signature="...)
	out = append(out, sig[:]...)
	vals[4] = string(out)
	h[HeaderAuthorization] = vals[4:5:5]
	st.out = out
	st.trace(o.Trace, t, o.Region, product, additional)
	return nil
}

// validate rejects input that cannot be signed. Its messages name the field
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
	for name, vs := range req.Header {
		if badValue(name) {
			return invalid("a header name contains CR, LF or NUL")
		}
		for _, v := range vs {
			if badValue(v) {
				return invalid("value of header " + safeName(name) + " contains CR, LF or NUL")
			}
		}
	}
	return nil
}

// badValue reports whether s holds a byte that would split or end an HTTP
// header line.
func badValue(s string) bool {
	return strings.ContainsAny(s, "\r\n\x00")
}

// badToken reports whether s cannot stand in a scope or credential field.
func badToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f || c == ',' || c == '/' {
			return true
		}
	}
	return false
}

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
