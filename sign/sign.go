package sign

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/internal/redact"
)

const (
	// Algorithm names the scheme in the Authorization header and the string to sign.
	Algorithm = "OSS4-HMAC-SHA256"
	// UnsignedPayload is the payload hash that lets a body stream unhashed:
	// the only value of x-oss-content-sha256 OSS accepts (EC 0002-00000214).
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// DefaultProduct is the scope's product when Options.Product is empty.
	DefaultProduct = "oss"
)

// The headers the signer reads or sets, spelled as Go's canonical keys (the
// map keys Sign writes); package internal/oss names x-oss-security-token
// lower-case too, for the client's and the runtime's lists.
const (
	HeaderAuthorization = "Authorization"
	HeaderDate          = "Date"
	HeaderOSSDate       = "X-Oss-Date" // the request time (OSS API reference, "Signature version 4")
	HeaderContentSHA256 = "X-Oss-Content-Sha256"
	HeaderSecurityToken = "X-Oss-Security-Token" // oss.HeaderSecurityToken
)

const (
	timeFormat = "20060102T150405Z" // x-oss-date and the string to sign's second line
	dateFormat = "20060102"         // the scope's date
)

// Credentials are what a signature is computed with. SecurityToken is set for
// temporary (STS) credentials and empty for long-term keys. Printed with any
// fmt verb or logged with log/slog, they show the access key ID only (but
// from an unexported struct field, which fmt prints without calling methods).
type Credentials struct{ AccessKeyID, AccessKeySecret, SecurityToken string }

// String names the access key ID only; the secret and the token never appear.
func (c Credentials) String() string { return "sign.Credentials{AccessKeyID: " + c.AccessKeyID + "}" }

// GoString is String, so that %#v does not print the secret either.
func (c Credentials) GoString() string { return c.String() }

// Format prints String for every verb (%d and %x included).
func (c Credentials) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String()) }

// MarshalJSON writes String: slog's JSON handler marshals Credentials held
// in a slice, a map or a struct with encoding/json, past LogValue.
func (c Credentials) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// LogValue is String, for log/slog's handlers.
func (c Credentials) LogValue() slog.Value { return redact.LogValue(c.String()) }

// Options describe how to sign one request.
type Options struct {
	// Credentials sign the request: AccessKeyID and AccessKeySecret are
	// required; SecurityToken, when set, is sent as x-oss-security-token.
	Credentials Credentials
	// Region (required, such as "cn-hangzhou") and Product (empty: "oss").
	Region, Product string
	// Bucket and Key (the object name, unescaped) form the canonical URI,
	// not the URL's path; both empty, as for WriteGetObjectResponse, mean "/".
	Bucket, Key string
	// AdditionalHeaders names headers to sign beyond the defaults (every
	// x-oss-* header, Content-Type and Content-MD5), in any case and order.
	// A name is signed only when the request carries it with a value.
	AdditionalHeaders []string
	// Time is the signing time, converted to UTC; zero means time.Now().
	Time time.Time
	// Expires is how long a presigned URL stays valid, from one second to
	// seven days; zero means 15 minutes. Sign ignores it.
	Expires time.Duration
	// Trace, when not nil, receives what the signature was computed over.
	Trace *Trace
	// KeyCache, when not nil, keeps the signing key between signatures.
	KeyCache *KeyCache
}

// Trace is what a signature was computed over: never the secret or the key,
// but every signed header value, the security token and WriteGetObjectResponse's
// request token among them. Show it only to the key's owner.
type Trace struct {
	CanonicalRequest, StringToSign string
	Scope                          string   // date/region/product/aliyun_v4_request
	AdditionalHeaders              []string // lower-cased and sorted, as signed
}

// ErrInvalid is wrapped by every error about bad input to Sign and Presign.
var ErrInvalid = errors.New("sign: invalid input")

type inputError string

func invalid(msg string) error     { return inputError(msg) }
func (e inputError) Error() string { return "sign: " + string(e) }
func (e inputError) Unwrap() error { return ErrInvalid }

// Sign signs req in its Authorization header. It sets x-oss-date, Date,
// x-oss-content-sha256 (always UNSIGNED-PAYLOAD, over any value req carries),
// x-oss-security-token for STS credentials and Authorization, removing other
// spellings of those names: what is sent is what was signed. The body is never
// read. Unusable input (a nil request or URL, missing credentials or region,
// a control character in a header) is an ErrInvalid, and leaves req unchanged.
func Sign(req *http.Request, o *Options) error {
	if err := validate(req, o); err != nil {
		return err
	}
	stamps := signingTime(o.Time).Format(timeFormat + http.TimeFormat) // x-oss-date and Date
	datetime := stamps[:len(timeFormat)]
	own := [][2]string{ // in place of every spelling of their names
		{HeaderOSSDate, datetime},
		{HeaderContentSHA256, UnsignedPayload},
		{HeaderDate, stamps[len(timeFormat):]},
		{HeaderAuthorization, ""}, // set once the signature is known
		{HeaderSecurityToken, o.Credentials.SecurityToken},
	}
	if o.Credentials.SecurityToken == "" {
		own = own[:4] // a long-term key leaves x-oss-security-token to the caller
	}
	respelled, err := checkHeaders(req.Header, own)
	if err != nil {
		return err
	}
	set(req, own, respelled)
	r := &request{method: req.Method, bucket: o.Bucket, key: o.Key, query: req.URL.RawQuery, header: req.Header,
		additional: additionalHeaders(req.Header, o.AdditionalHeaders)}
	scope := o.scope(datetime)
	signature := compute(r, o.KeyCache, o.Credentials.AccessKeySecret, datetime, scope, o.Trace)
	// OSS4-HMAC-SHA256 Credential=AK/scope[,AdditionalHeaders=a;b],Signature=hex
	var additional string
	if len(r.additional) > 0 {
		additional = ",AdditionalHeaders=" + strings.Join(r.additional, ";")
	}
	req.Header[HeaderAuthorization] = []string{Algorithm + " Credential=" + o.Credentials.AccessKeyID + "/" + scope + additional + ",Signature=" + signature}
	return nil
}

// set puts fields in req's header in place of every spelling of their names
// (net/http would send another spelling beside, and OSS join the two): it
// removes the keys respelled and writes the fields that have a value.
func set(req *http.Request, fields [][2]string, respelled []string) {
	if req.Header == nil {
		req.Header = make(http.Header, len(fields))
	}
	for _, k := range respelled {
		delete(req.Header, k)
	}
	values := make([]string, len(fields)) // one array behind the headers' slices
	for i, f := range fields {
		if f[1] != "" {
			values[i] = f[1]
			req.Header[f[0]] = values[i : i+1 : i+1]
		}
	}
}

// validate refuses input that cannot be signed. Messages name the field at
// fault, never a value: values may be secrets.
func validate(req *http.Request, o *Options) error {
	switch {
	case req == nil || req.URL == nil:
		return invalid("nil request, or a request with no URL")
	case o == nil:
		return invalid("nil options")
	case !oss.ValidValue(o.Credentials.SecurityToken):
		return invalid("security token contains a control character")
	case !oss.ValidValue(req.URL.RawQuery):
		return invalid("query contains a control character")
	case uint(o.Time.UTC().Year()) > 9999: // the time stamps have four digits
		return invalid("time must fall in the years 0 to 9999")
	case o.Credentials.AccessKeySecret == "":
		return invalid("empty access key secret")
	}
	for _, f := range [][2]string{{"access key ID", o.Credentials.AccessKeyID}, {"region", o.Region}, {"product", productOf(o.Product)}} {
		if f[1] == "" || !oss.ValidValue(f[1]) || strings.ContainsAny(f[1], "\t ,/") { // in the Credential, '/' separates, ',' or a space ends
			return invalid(f[0] + " is empty or holds a control character, a space, ',' or '/'")
		}
	}
	for _, name := range o.AdditionalHeaders {
		if !oss.ValidName(name) {
			return invalid("additional header name " + quote(name) + " is not a valid HTTP header name (RFC 9110 token)")
		}
	}
	return nil
}

func signingTime(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now()
	}
	return t.UTC()
}

func productOf(p string) string { return cmp.Or(p, DefaultProduct) }

// scope is date/region/product/aliyun_v4_request, datetime the signing
// time's stamp (buildScope in the official signer).
func (o *Options) scope(datetime string) string {
	return datetime[:len(dateFormat)] + "/" + o.Region + "/" + productOf(o.Product) + "/" + scopeTerminator
}
