package sign

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
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

var presignParams = []string{QuerySignatureVersion, QueryDate, QueryExpires, QueryCredential,
	QueryAdditionalHdrs, QuerySecurityToken, QuerySignature}

// Presign signs req in its query string and returns the signed URL, which is
// also left in req.URL.
//
// It adds x-oss-signature-version, x-oss-date, x-oss-expires,
// x-oss-credential, x-oss-additional-headers (when there are any),
// x-oss-security-token (for STS credentials) and x-oss-signature to the query,
// re-encoding the existing parameters as the official signer does. Headers the
// request carries are signed as in [Sign] and must be sent with the URL; no
// header is added. The payload is always UNSIGNED-PAYLOAD: a request carrying
// x-oss-content-sha256 with another value is refused, since OSS would refuse
// it (EC 0002-00000214) and Presign, unlike Sign, changes no header.
// o.Expires sets the lifetime, from one second to seven days.
func Presign(req *http.Request, o *Options) (string, error) {
	if err := validate(req, o); err != nil {
		return "", err
	}
	ttl := o.Expires
	switch {
	case ttl == 0:
		ttl = defaultTTL
	case ttl < 1e9 || ttl > maxPresignTTL:
		return "", invalid("expiry must be between one second and seven days")
	}
	if err := checkPayloadHeader(req.Header); err != nil {
		return "", err
	}
	st := getState()
	defer putState(st)

	ts := newStamp(signingTime(o.Time))
	product := productOf(o)
	additional := additionalHeaders(req.Header, o.AdditionalHeaders)

	// Errors are ignored as by the official signer: what parses is kept.
	q, _ := url.ParseQuery(req.URL.RawQuery)
	for _, p := range presignParams {
		if q.Has(p) {
			return "", invalid("the URL already holds " + p + ": presign an unsigned URL")
		}
	}
	if tok := o.Credentials.SecurityToken; tok != "" {
		q.Add(QuerySecurityToken, tok)
	}
	q.Add(QuerySignatureVersion, Algorithm)
	q.Add(QueryDate, string(ts.datetime[:]))
	q.Add(QueryExpires, strconv.FormatInt(int64(ttl.Seconds()), 10))
	q.Add(QueryCredential, string(appendScope([]byte(o.Credentials.AccessKeyID+"/"), &ts, o.Region, product)))
	if len(additional) > 0 {
		q.Add(QueryAdditionalHdrs, strings.Join(additional, ";"))
	}
	raw := q.Encode()

	if err := st.canonicalRequest(req.Method, o.Bucket, o.Key, raw, req.Header, additional, UnsignedPayload, nil); err != nil {
		return "", err
	}
	sig, scope := st.signature(o.Credentials.AccessKeySecret, &ts, o.Region, product)

	q.Add(QuerySignature, string(sig[:]))
	req.URL.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	st.trace(o.Trace, scope, additional)
	return req.URL.String(), nil
}

// checkPayloadHeader refuses an x-oss-content-sha256 header, in any spelling,
// with a value other than UNSIGNED-PAYLOAD (OSS EC 0002-00000214).
func checkPayloadHeader(h http.Header) error {
	for k, vs := range h {
		if !strings.EqualFold(k, HeaderContentSHA256) {
			continue
		}
		for _, v := range vs {
			if v != UnsignedPayload {
				return invalid("x-oss-content-sha256 must be UNSIGNED-PAYLOAD, as OSS requires: remove the header or set it so")
			}
		}
	}
	return nil
}
