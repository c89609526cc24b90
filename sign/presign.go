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
	switch {
	case ttl < time.Second || ttl > maxPresignTTL:
		return "", invalid("expiry must be between one second and seven days")
	case !payloadIsUnsigned(req.Header):
		return "", invalid("x-oss-content-sha256 must be UNSIGNED-PAYLOAD, as OSS requires: remove the header or set it so")
	}
	q, _ := url.ParseQuery(req.URL.RawQuery) // what parses is kept, as by the official signer
	for _, p := range [...]string{QuerySignatureVersion, QueryDate, QueryExpires, QueryCredential, QueryAdditionalHdrs, QuerySecurityToken, QuerySignature} {
		if q.Has(p) {
			return "", invalid("the URL already holds " + p + ": presign an unsigned URL")
		}
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
	sig, err := st.sign(r, k, datetime)
	if err != nil {
		return "", err
	}
	q.Add(QuerySignature, string(sig[:]))
	req.URL.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	st.trace(o.Trace, k.scope, r.additional)
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
