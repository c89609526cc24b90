package sign

import (
	"cmp"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/internal/redact"
)

// OSS's skew: RequestTimeTooSkewed beyond 15 minutes (EC 0002-00000504), and
// a URL usable 15 minutes before its x-oss-date (EC 0002-00000235).
const defaultMaxSkew = 15 * time.Minute

// VerifyOptions describe the server that checks a signature.
type VerifyOptions struct {
	// Region and Product (empty: "oss") are the server's, Bucket and Key as in Options.
	Region, Product, Bucket, Key string
	// Lookup returns the credentials of an access key ID, false if unknown.
	// If they have a SecurityToken, the request must carry it.
	Lookup func(accessKeyID string) (Credentials, bool)
	// Now is the server's clock (zero: time.Now()); MaxSkew, how far the
	// request time may be from it (zero: OSS's 15 minutes).
	Now     time.Time
	MaxSkew time.Duration
}

// Verified describes a request whose signature checked out.
type Verified struct {
	AccessKeyID string
	Time        time.Time // the signing time
	Presigned   bool      // the signature was in the query string
}

// VerifyError is why a signature was refused, in OSS's terms.
type VerifyError struct {
	// Code is OSS's: AccessDenied, InvalidArgument, InvalidAccessKeyId,
	// InvalidSecurityToken, RequestTimeTooSkewed or SignatureDoesNotMatch.
	Code, Message string
	// EC is OSS's detailed error code, documented at
	// https://www.alibabacloud.com/help/en/oss/support/<EC>; empty if none.
	EC string
	// The server's, for SignatureDoesNotMatch, to compare with the client's.
	StringToSign, CanonicalRequest string
}

// Error returns the code and the message; never a secret.
func (e *VerifyError) Error() string { return "sign: " + e.Code + ": " + e.Message }

// Format prints Error for every fmt verb: CanonicalRequest holds the
// security token and the request token as they were sent.
func (e *VerifyError) Format(f fmt.State, verb rune) { redact.Format(f, verb, e.Error()) }

// MarshalJSON writes Error, for slog's JSON handler, which marshals an
// error held in a slice or a struct with encoding/json.
func (e *VerifyError) MarshalJSON() ([]byte, error) { return json.Marshal(e.Error()) }

func refuse(code, ec, msg string) *VerifyError { return &VerifyError{Code: code, EC: ec, Message: msg} }

// claim is what a request says of its signature: in the Authorization header's
// fields, or in the query.
type claim struct {
	Verified
	timeLine   string // the string to sign's second line, as sent
	skip       string // the query parameter not signed
	credential string // AK/yyyymmdd/region/product/aliyun_v4_request
	additional string // the additional headers, as listed
	signature  string
	token      string // the security token sent
}

// Verify checks the V4 signature of a received request, in its Authorization
// header or its query string, as OSS would (OSS's "Signature version 4"
// reference), with the code [Sign] uses, in constant time. The request time is
// x-oss-date or, without one, Date (the older Go SDK's AuthV4 signs so:
// oss/auth.go, getSignedStrV4). A non-V4 Authorization is InvalidArgument: a
// server that accepts V1 must recognise it first. A refusal is a *VerifyError
// (where no EC page shows OSS's Code, the Code is Verify's choice). The body
// and what the request asks for are not checked.
func Verify(req *http.Request, o *VerifyOptions) (*Verified, error) {
	if req == nil || req.URL == nil || o == nil || o.Lookup == nil || o.Region == "" {
		return nil, invalid("verify needs a request with a URL, a region and a key lookup")
	}
	c, err := readClaim(req, signingTime(o.Now), cmp.Or(max(o.MaxSkew, 0), defaultMaxSkew))
	if err != nil {
		return nil, err
	}
	secret, err := checkClaim(req, o, c)
	if err != nil {
		return nil, err
	}
	h := req.Header
	if h.Get("Host") == "" && req.Host != "" { // net/http moves Host out of the map
		h = http.Header{"Host": {req.Host}}
		for k, vs := range req.Header {
			if !strings.EqualFold(k, "Host") {
				h[k] = vs
			}
		}
	}
	if _, err := checkHeaders(h, nil); err != nil {
		return nil, refuse("InvalidArgument", "", "A header contains a control character.")
	}
	// The additional headers as the client listed them, without empty names.
	additional := strings.FieldsFunc(c.additional, func(r rune) bool { return r == ';' })
	r := &request{method: req.Method, bucket: o.Bucket, key: o.Key, query: req.URL.RawQuery, skip: c.skip, header: h, additional: additional}
	var tr Trace
	scope := c.credential[len(c.AccessKeyID)+1:]
	if subtle.ConstantTimeCompare([]byte(compute(r, nil, secret, c.timeLine, scope, &tr)), []byte(c.signature)) != 1 {
		e := refuse("SignatureDoesNotMatch", "0002-00000201", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		e.CanonicalRequest, e.StringToSign = tr.CanonicalRequest, tr.StringToSign
		return nil, e
	}
	return &c.Verified, nil
}

// readClaim reads the claim of a request, in its Authorization header or in
// its query, and checks its time.
func readClaim(req *http.Request, now time.Time, skew time.Duration) (*claim, error) {
	if auth := req.Header.Get(HeaderAuthorization); auth != "" {
		return headerClaim(req.Header, auth, now, skew)
	}
	if q := req.URL.Query(); q.Has(QuerySignature) {
		return queryClaim(q, now, skew)
	}
	return nil, refuse("AccessDenied", "", "The request is not signed: no Authorization header and no x-oss-signature.")
}

// headerClaim reads the claim of a signature in the Authorization header,
// and checks its time.
func headerClaim(h http.Header, auth string, now time.Time, skew time.Duration) (*claim, error) {
	rest, v4 := strings.CutPrefix(auth, Algorithm+" ")
	c := &claim{token: h.Get(HeaderSecurityToken)}
	for field := range strings.SplitSeq(rest, ",") {
		switch k, v, _ := strings.Cut(strings.TrimSpace(field), "="); k {
		case "Credential":
			c.credential = v
		case "AdditionalHeaders":
			c.additional = v
		case "Signature":
			c.signature = v
		}
	}
	layout, form := timeFormat, "x-oss-date is not in yyyymmddThhmmssZ form."
	if c.timeLine = h.Get(HeaderOSSDate); c.timeLine == "" {
		c.timeLine, layout, form = h.Get(HeaderDate), http.TimeFormat, "The Date header is not in GMT form (Tue, 20 Dec 2022 08:48:18 GMT)."
	}
	var err error
	switch c.Time, err = time.Parse(layout, c.timeLine); {
	case !v4:
		return nil, refuse("InvalidArgument", "", "Authorization header does not start with "+Algorithm+": sign.Verify checks OSS Signature V4 only.")
	case c.signature == "":
		return nil, refuse("InvalidArgument", "", "Authorization header lacks Credential or Signature.")
	case c.timeLine == "":
		return nil, refuse("AccessDenied", "0002-00000503", "The request has neither an x-oss-date nor a Date header: send one.")
	case err != nil:
		return nil, refuse("AccessDenied", "0002-00000502", form) // Date not GMT, or x-oss-date not ISO 8601
	case now.Sub(c.Time) > skew || c.Time.Sub(now) > skew:
		return nil, refuse("RequestTimeTooSkewed", "0002-00000504", "The difference between the request time and the current time is too large: check the clock.")
	}
	return c, nil
}

// queryClaim reads the claim of a presigned URL, and checks its lifetime.
func queryClaim(q url.Values, now time.Time, skew time.Duration) (*claim, error) {
	c := &claim{Verified: Verified{Presigned: true}, timeLine: q.Get(QueryDate), skip: QuerySignature, // signed without itself
		credential: q.Get(QueryCredential), additional: q.Get(QueryAdditionalHdrs), signature: q.Get(QuerySignature), token: q.Get(QuerySecurityToken)}
	secs, serr := strconv.ParseInt(q.Get(QueryExpires), 10, 64)
	var err error
	switch c.Time, err = time.Parse(timeFormat, c.timeLine); {
	case q.Get(QuerySignatureVersion) != Algorithm:
		return nil, refuse("InvalidArgument", "", "x-oss-signature-version must be "+Algorithm+".")
	case err != nil:
		return nil, refuse("AccessDenied", "0002-00000502", "x-oss-date is missing or not in yyyymmddThhmmssZ form.")
	case serr != nil || secs <= 0 || secs > int64(maxPresignTTL/time.Second):
		return nil, refuse("InvalidArgument", "0002-00000232", "x-oss-expires must be between 1 and 604800 seconds.")
	case c.Time.Sub(now) > skew:
		return nil, refuse("AccessDenied", "0002-00000235", "The signed URL is dated in the future (x-oss-date): sign it with a correct clock.")
	case now.After(c.Time.Add(time.Duration(secs) * time.Second)):
		// No EC: 0002-00000069 speaks of V1's Expires and V2's x-oss-expires.
		return nil, refuse("AccessDenied", "", "Request has expired: sign a new URL.")
	}
	return c, nil
}

// checkClaim holds the claim to the server's view: the Credential's form,
// the payload hash, the scope, the key and its security token.
func checkClaim(req *http.Request, o *VerifyOptions, c *claim) (secret string, err error) {
	cred := strings.Split(c.credential, "/")
	if len(cred) != 5 || cred[0] == "" || cred[4] != scopeTerminator {
		return "", refuse("InvalidArgument", "", "Credential must be AccessKeyId/yyyymmdd/region/product/aliyun_v4_request.")
	}
	c.AccessKeyID = cred[0]
	keys, ok := o.Lookup(c.AccessKeyID)
	switch {
	case !payloadIsUnsigned(req.Header): // OSS: 400 InvalidArgument
		return "", refuse("InvalidArgument", "0002-00000214", "The value of the x-oss-content-sha256 header is invalid: set it to UNSIGNED-PAYLOAD.")
	case cred[1] != c.Time.Format(dateFormat):
		return "", refuse("InvalidArgument", "", "The date in Credential does not match the request time (x-oss-date, or Date).")
	case cred[2] != o.Region || cred[3] != productOf(o.Product):
		return "", refuse("InvalidArgument", "", "Invalid signing region or product in Credential: expecting "+o.Region+" and "+productOf(o.Product)+".")
	case !oss.ValidValue(req.URL.RawQuery):
		return "", refuse("InvalidArgument", "", "The query contains a control character.")
	case !ok || keys.AccessKeySecret == "":
		return "", refuse("InvalidAccessKeyId", "", "The OSS Access Key Id you provided does not exist in our records.")
	case keys.SecurityToken != "" && subtle.ConstantTimeCompare([]byte(keys.SecurityToken), []byte(c.token)) != 1:
		return "", refuse("InvalidSecurityToken", "", "The security token you provided is invalid.")
	}
	return keys.AccessKeySecret, nil
}
