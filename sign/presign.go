package sign

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
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
	params := []string{QuerySignatureVersion, QueryDate, QueryExpires, QueryCredential, QueryAdditionalHdrs, QuerySecurityToken, QuerySignature}
	switch i := slices.IndexFunc(params, q.Has); {
	case ttl < time.Second || ttl > maxPresignTTL:
		return "", invalid("expiry must be between one second and seven days")
	case !payloadIsUnsigned(req.Header):
		return "", invalid("x-oss-content-sha256 must be UNSIGNED-PAYLOAD, as OSS requires: remove the header or set it so")
	case i >= 0:
		return "", invalid("the URL already holds " + params[i] + " (presign an unsigned URL)")
	}
	if _, err := checkHeaders(req.Header, nil); err != nil {
		return "", err
	}
	datetime := signingTime(o.Time).Format(timeFormat)
	scope := o.scope(datetime)
	additional := additionalHeaders(req.Header, o.AdditionalHeaders)
	// The signature covers the query with every parameter but itself, in
	// the order and encoding of url.Values.Encode, as the official signer's.
	for _, p := range [][2]string{
		{QuerySecurityToken, o.Credentials.SecurityToken}, // none for long-term keys
		{QuerySignatureVersion, Algorithm},
		{QueryDate, datetime},
		{QueryExpires, strconv.Itoa(int(ttl / time.Second))},
		{QueryCredential, o.Credentials.AccessKeyID + "/" + scope},
		{QueryAdditionalHdrs, strings.Join(additional, ";")}, // none without additional headers
	} {
		if p[1] != "" {
			q.Add(p[0], p[1])
		}
	}
	r := &request{method: req.Method, bucket: o.Bucket, key: o.Key, query: q.Encode(), header: req.Header, additional: additional}
	q.Add(QuerySignature, compute(r, o.KeyCache, o.Credentials.AccessKeySecret, datetime, scope, o.Trace))
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
