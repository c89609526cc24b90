package sign

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wgor-dev/wgor/internal/oss"
)

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

const (
	defaultTTL    = 15 * time.Minute
	maxPresignTTL = 7 * 24 * time.Hour // OSS refuses longer V4 presigned URLs (EC 0002-00000232)
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
	if err := checkPresign(req.Header, q, ttl); err != nil {
		return "", err
	}
	t := signingTime(o.Time)
	datetime, product := t.Format(timeFormat), productOf(o.Product)
	date := datetime[:len(dateFormat)]
	if err := checkHeaders(req.Header, nil); err != nil {
		return "", err
	}
	additional := additionalHeaders(req.Header, o.AdditionalHeaders)
	// The signature covers the query with every parameter but itself, in
	// the order and encoding of url.Values.Encode, as the official signer's.
	for _, p := range [][2]string{
		{QuerySecurityToken, o.Credentials.SecurityToken}, // none for long-term keys
		{QuerySignatureVersion, Algorithm},
		{QueryDate, datetime},
		{QueryExpires, strconv.Itoa(int(ttl / time.Second))},
		{QueryCredential, o.Credentials.AccessKeyID + "/" + scope(date, o.Region, product)},
		{QueryAdditionalHdrs, strings.Join(additional, ";")}, // none without additional headers
	} {
		if p[1] != "" {
			q.Add(p[0], p[1])
		}
	}
	r := &request{method: req.Method, bucket: o.Bucket, key: o.Key, query: q.Encode(), header: req.Header, additional: additional}
	c := compute(r, o.KeyCache, o.Credentials.AccessKeySecret, datetime, date, o.Region, product)
	o.Trace.set(c, additional)
	q.Add(QuerySignature, c.signature)
	req.URL.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	return req.URL.String(), nil
}

// checkPresign refuses a lifetime OSS refuses, a payload hash it refuses,
// and a URL that is already signed.
func checkPresign(h http.Header, q url.Values, ttl time.Duration) error {
	params := []string{QuerySignatureVersion, QueryDate, QueryExpires, QueryCredential, QueryAdditionalHdrs, QuerySecurityToken, QuerySignature}
	switch i := slices.IndexFunc(params, q.Has); {
	case ttl < time.Second || ttl > maxPresignTTL:
		return invalid("expiry must be between one second and seven days")
	case !payloadIsUnsigned(h):
		return invalid("x-oss-content-sha256 must be UNSIGNED-PAYLOAD, as OSS requires: remove the header or set it so")
	case i >= 0:
		return invalid("the URL already holds " + params[i] + ": presign an unsigned URL")
	}
	return nil
}

// payloadIsUnsigned reports whether every x-oss-content-sha256 value, under
// any spelling, is UNSIGNED-PAYLOAD.
func payloadIsUnsigned(h http.Header) bool {
	for k, vs := range h {
		if strings.EqualFold(k, oss.HeaderContentSHA256) && slices.ContainsFunc(vs, func(v string) bool { return v != UnsignedPayload }) {
			return false
		}
	}
	return true
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
		if !scopeField(f[1]) {
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

// scopeField reports whether s can stand in the Credential field, where '/'
// separates the parts and ',' or a space ends it.
func scopeField(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == ',' || r == '/' })
}
