package sign

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
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

// Canonical names of the headers the signer reads or sets.
const (
	HeaderAuthorization = "Authorization"
	HeaderDate          = "Date"
	HeaderOSSDate       = "X-Oss-Date"
	HeaderContentSHA256 = "X-Oss-Content-Sha256"
	HeaderSecurityToken = "X-Oss-Security-Token"
)

// signerHeaders are the headers Sign sets, lower-cased; the last is for STS only.
var signerHeaders = [...]header{
	{name: HeaderOSSDate, lower: []byte("x-oss-date")}, {name: HeaderContentSHA256, lower: []byte("x-oss-content-sha256")},
	{name: HeaderDate, lower: []byte("date")}, {name: HeaderAuthorization, lower: []byte("authorization")},
	{name: HeaderSecurityToken, lower: []byte("x-oss-security-token")},
}

const (
	timeFormat    = "20060102T150405Z" // x-oss-date and the string to sign's second line
	dateFormat    = "20060102"         // the scope's date
	maxPresignTTL = 7 * 24 * time.Hour // OSS refuses longer V4 presigned URLs (EC 0002-00000232)
	defaultTTL    = 15 * time.Minute
	// OSS's skew: RequestTimeTooSkewed beyond 15 minutes (EC 0002-00000504),
	// and a URL usable 15 minutes before its x-oss-date (EC 0002-00000235).
	defaultMaxSkew = 15 * time.Minute
)

// Credentials are what a signature is computed with. SecurityToken is set for
// temporary (STS) credentials and empty for long-term keys.
type Credentials struct{ AccessKeyID, AccessKeySecret, SecurityToken string }

// String names the access key ID only; the secret and the token never appear.
func (c Credentials) String() string { return "sign.Credentials{AccessKeyID: " + c.AccessKeyID + "}" }

// GoString is String, so that %#v does not print the secret either.
func (c Credentials) GoString() string { return c.String() }

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
// CR, LF or NUL in a header) is an ErrInvalid, and leaves req unchanged.
func Sign(req *http.Request, o *Options) error {
	if err := validate(req, o); err != nil {
		return err
	}
	st := statePool.Get().(*state)
	defer putState(st)
	st.out = appendStamps(st.out[:0], signingTime(o.Time))
	stamps := string(st.out) // both stamps in one string, to allocate once
	datetime := stamps[:len(timeFormat)]
	k := st.signingKey(o.Credentials.AccessKeySecret, datetime[:len(dateFormat)], o.Region, productOf(o.Product))
	// What Sign sets replaces the request's headers of these names, in any case,
	// in the signature and then in req.Header; Authorization once it is known.
	vs := []string{datetime, UnsignedPayload, stamps[len(timeFormat):], "", o.Credentials.SecurityToken} // one array for all
	set := st.set
	for i := range set {
		set[i].values = vs[i : i+1 : i+1]
	}
	if o.Credentials.SecurityToken == "" {
		set = set[:len(set)-1]
	}
	r := &request{method: req.Method, bucket: o.Bucket, key: o.Key, query: req.URL.RawQuery, header: req.Header, set: set}
	r.additional = st.additionalHeaders(req.Header, set, o.AdditionalHeaders)
	sig, err := st.sign(r, k, datetime, o.Trace)
	if err != nil {
		return err
	}
	// OSS4-HMAC-SHA256 Credential=AK/scope[,AdditionalHeaders=a;b],Signature=hex
	b := append(st.out[:0], Algorithm+" Credential="...)
	b = append(append(b, o.Credentials.AccessKeyID...), '/')
	b = append(b, k.scope...)
	if r.additional != "" {
		b = append(append(b, ",AdditionalHeaders="...), r.additional...)
	}
	st.out = append(append(b, ",Signature="...), sig[:]...)
	vs[3] = string(st.out)
	if req.Header == nil {
		req.Header = make(http.Header, len(set))
	}
	for _, key := range r.respelled {
		delete(req.Header, key) // net/http would send it beside Sign's, and OSS join the two
	}
	for _, s := range set {
		req.Header[s.name] = s.values
	}
	return nil
}

// Query parameters of a presigned URL.
const (
	QuerySignatureVersion = "x-oss-signature-version"
	QueryDate             = "x-oss-date"
	QueryExpires          = "x-oss-expires"
	QueryCredential       = "x-oss-credential"
	QueryAdditionalHdrs   = "x-oss-additional-headers"
	QuerySecurityToken    = "x-oss-security-token"
	QuerySignature        = "x-oss-signature"
)

// Presign signs req in its query string and returns the signed URL, also left
// in req.URL. It adds the Query* parameters (x-oss-additional-headers when there
// are some, x-oss-security-token for STS credentials), re-encoding the existing
// ones as the official signer does. o.Expires sets the lifetime. The headers are
// signed as by [Sign] and must be sent with the URL; none is added, so one whose
// x-oss-content-sha256 is not UNSIGNED-PAYLOAD is refused (EC 0002-00000214).
func Presign(req *http.Request, o *Options) (string, error) {
	if err := validate(req, o); err != nil {
		return "", err
	}
	ttl := cmp.Or(o.Expires, defaultTTL)
	q, _ := url.ParseQuery(req.URL.RawQuery) // what parses is kept, as by the official signer
	params := [...]string{QuerySignatureVersion, QueryDate, QueryExpires, QueryCredential, QueryAdditionalHdrs, QuerySecurityToken, QuerySignature}
	switch i := slices.IndexFunc(params[:], q.Has); {
	case ttl < time.Second || ttl > maxPresignTTL:
		return "", invalid("expiry must be between one second and seven days")
	case !payloadIsUnsigned(req.Header):
		return "", invalid("x-oss-content-sha256 must be UNSIGNED-PAYLOAD, as OSS requires: remove the header or set it so")
	case i >= 0:
		return "", invalid("the URL already holds " + params[i] + ": presign an unsigned URL")
	}
	st := statePool.Get().(*state)
	defer putState(st)
	datetime := signingTime(o.Time).Format(timeFormat)
	k := st.signingKey(o.Credentials.AccessKeySecret, datetime[:len(dateFormat)], o.Region, productOf(o.Product))
	r := &request{method: req.Method, bucket: o.Bucket, key: o.Key, header: req.Header}
	r.additional = st.additionalHeaders(req.Header, nil, o.AdditionalHeaders)
	// The signature covers the query with every parameter but itself, in
	// the order and encoding of url.Values.Encode, as the official signer's.
	for _, p := range [...][2]string{{QuerySecurityToken, o.Credentials.SecurityToken}, {QuerySignatureVersion, Algorithm}, {QueryDate, datetime},
		{QueryExpires, strconv.Itoa(int(ttl / time.Second))}, {QueryCredential, o.Credentials.AccessKeyID + "/" + k.scope}, {QueryAdditionalHdrs, r.additional}} {
		if p[1] != "" { // no token for long-term keys, no list without additional headers
			q.Add(p[0], p[1])
		}
	}
	r.query = q.Encode()
	sig, err := st.sign(r, k, datetime, o.Trace)
	if err != nil {
		return "", err
	}
	q.Add(QuerySignature, string(sig[:]))
	req.URL.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	return req.URL.String(), nil
}

// payloadIsUnsigned reports whether every x-oss-content-sha256 value, under
// any spelling, is UNSIGNED-PAYLOAD.
func payloadIsUnsigned(h http.Header) bool {
	for k, vs := range h {
		if strings.EqualFold(k, HeaderContentSHA256) && slices.ContainsFunc(vs, func(v string) bool { return v != UnsignedPayload }) {
			return false
		}
	}
	return true
}

// appendStamps appends t as x-oss-date (timeFormat), then as Date
// (http.TimeFormat), by hand: time.AppendFormat parses its layout each time
// (11% of BenchmarkSign/wgor). validate keeps the year to four digits.
func appendStamps(b []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	hh, mm, ss := t.Clock()
	b = appendDigits(b, y*10000+int(mo)*100+d, 8) // 20060102T150405Z
	b = appendDigits(append(b, 'T'), hh*10000+mm*100+ss, 6)
	b = append(b, 'Z')
	b = append(b, t.Weekday().String()[:3]...) // Mon, 02 Jan 2006 15:04:05 GMT
	b = appendDigits(append(b, ", "...), d, 2)
	b = append(append(b, ' '), mo.String()[:3]...)
	b = appendDigits(append(b, ' '), y, 4)
	b = appendDigits(append(b, ' '), hh, 2)
	b = appendDigits(append(b, ':'), mm, 2)
	b = appendDigits(append(b, ':'), ss, 2)
	return append(b, " GMT"...)
}

// appendDigits appends v, zero-padded to width digits.
func appendDigits(b []byte, v, width int) []byte {
	b = append(b, "00000000"[:width]...)
	for i := len(b) - 1; i >= len(b)-width && v > 0; i, v = i-1, v/10 {
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
