package sign

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// VerifyOptions describe the server that checks a signature.
type VerifyOptions struct {
	// Region and Product are the server's own; a signature scoped to another
	// region or product is rejected. Product empty means "oss".
	Region, Product string

	// Bucket and Key form the canonical URI, as in Options.
	Bucket, Key string

	// Lookup returns the credentials of an access key ID, and false when the
	// key is unknown. When the credentials have a SecurityToken, the request
	// must carry the same one.
	Lookup func(accessKeyID string) (Credentials, bool)

	// Now is the server's clock; zero means time.Now().
	Now time.Time

	// MaxSkew is how far the request time may be from Now; zero means 15
	// minutes, OSS's limit. For header signing the request time is
	// x-oss-date, or Date when there is no x-oss-date; a presigned URL may
	// be dated this far in the future.
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
	// Code is the OSS error code: AccessDenied, InvalidArgument,
	// InvalidAccessKeyId, InvalidSecurityToken, RequestTimeTooSkewed or
	// SignatureDoesNotMatch.
	Code    string
	Message string
	// EC is OSS's detailed error code, such as "0002-00000201", when OSS
	// documents one for the refusal (each has a page under
	// https://www.alibabacloud.com/help/en/oss/support/), and empty when it
	// documents none. The EC pages do not always show the Code OSS pairs
	// with them; where they do not, Verify's Code is its own choice, noted
	// where it is made.
	EC string
	// StringToSign and CanonicalRequest are the server's, set for
	// SignatureDoesNotMatch so a client can compare them with its own.
	StringToSign     string
	CanonicalRequest string
}

// Error returns the code and the message; never a secret.
func (e *VerifyError) Error() string { return "sign: " + e.Code + ": " + e.Message }

func refuse(code, msg string) *VerifyError { return &VerifyError{Code: code, Message: msg} }

func refuseEC(code, ec, msg string) *VerifyError {
	return &VerifyError{Code: code, EC: ec, Message: msg}
}

// OSS's detailed error codes (EC) that Verify reports, each with its page
// https://www.alibabacloud.com/help/en/oss/support/<EC>.
const (
	ecSignatureDoesNotMatch = "0002-00000201" // the signature differs; "compare the StringToSign"
	ecContentSHA256         = "0002-00000214" // x-oss-content-sha256 is not UNSIGNED-PAYLOAD
	ecExpiresOutOfRange     = "0002-00000232" // V4 URL: x-oss-expires not within 1 to 604800 s
	ecURLNotYetValid        = "0002-00000235" // V4 URL: x-oss-date later than now plus 15 minutes
	ecBadDateFormat         = "0002-00000502" // Date not GMT, or x-oss-date not ISO 8601
	ecNoDate                = "0002-00000503" // neither x-oss-date nor Date
	ecTimeTooSkewed         = "0002-00000504" // header signing: request time too far from now
)

// defaultMaxSkew is OSS's limit on clock skew (403 RequestTimeTooSkewed:
// "the request time differs from the server time by more than 15 minutes",
// OSS's HTTP 403 error page; EC 0002-00000504; for presigned URLs, EC
// 0002-00000235 "allow an offset of up to 15 minutes").
const defaultMaxSkew = 15 * time.Minute

// Verify checks the OSS V4 signature of a received request, in its
// Authorization header or its query string, as an OSS server would: it
// recomputes the canonical request from what arrived, with the same code that
// [Sign] and [Presign] use, and compares signatures in constant time. The
// body is not read. A refusal is a *VerifyError.
//
// The rules, as OSS documents them (SPEC.md §4):
//   - the request time is x-oss-date or, when the request has none, the
//     Date header (RFC 1123, as the older official Go SDK with AuthV4 sends
//     it: aliyun-oss-go-sdk oss/auth.go, getSignedStrV4), whose text then
//     stands verbatim in the string to sign and whose day is the scope's;
//   - header signing more than MaxSkew from Now is RequestTimeTooSkewed;
//   - a presigned URL lives 1 to 604800 seconds from its x-oss-date, and
//     one dated more than MaxSkew in the future is refused;
//   - x-oss-content-sha256, when present, must be UNSIGNED-PAYLOAD
//     (InvalidArgument, EC 0002-00000214);
//   - an Authorization header that is not OSS4-HMAC-SHA256 (V1's "OSS
//     id:sig", for one) is InvalidArgument: Verify checks V4 only, and a
//     server that accepts V1 must recognise it before calling Verify.
//
// Verify checks only the signature: what the request asks for is the
// caller's to judge.
func Verify(req *http.Request, o *VerifyOptions) (*Verified, error) {
	if req == nil || req.URL == nil || o == nil || o.Lookup == nil || o.Region == "" {
		return nil, invalid("verify needs a request with a URL, a region and a key lookup")
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	product := o.Product
	if product == "" {
		product = DefaultProduct
	}
	skew := o.MaxSkew
	if skew <= 0 {
		skew = defaultMaxSkew
	}
	if auth := req.Header.Get(HeaderAuthorization); auth != "" {
		return verifyHeader(req, o, auth, now, skew, product)
	}
	if req.URL.Query().Has(QuerySignature) {
		return verifyQuery(req, o, now, skew, product)
	}
	return nil, refuse("AccessDenied", "The request is not signed: no Authorization header and no x-oss-signature.")
}

// claim is what a request says about its own signature.
type claim struct {
	accessKeyID, date, region, product string
	additional                         []string
	signature, token, rawQuery         string
	time                               time.Time
	// httpDate is the Date header's text when the request time came from
	// it: it stands in the string to sign in place of yyyymmddThhmmssZ.
	httpDate string
}

// checkPayloadHash refuses x-oss-content-sha256 with any value but
// UNSIGNED-PAYLOAD: OSS answers 400 InvalidArgument, EC 0002-00000214 ("set
// the x-oss-content-sha256 header to UNSIGNED-PAYLOAD").
func checkPayloadHash(h http.Header) *VerifyError {
	for k, vs := range h {
		if !strings.EqualFold(k, HeaderContentSHA256) {
			continue
		}
		for _, v := range vs {
			if v != UnsignedPayload {
				return refuseEC("InvalidArgument", ecContentSHA256,
					"The value of the x-oss-content-sha256 header is invalid: set it to UNSIGNED-PAYLOAD.")
			}
		}
	}
	return nil
}

// requestTime reads the time of a header-signed request: x-oss-date if
// present, else the Date header. The older official Go SDK with AuthV4 sends
// Date only, signs its text verbatim as the string to sign's second line and
// takes the scope's day from it (aliyun-oss-go-sdk v3 oss/auth.go,
// signHeader and getSignedStrV4); OSS's EC pages 0002-00000502 and
// 0002-00000503 speak of "x-oss-date or Date". The Code of a missing or
// malformed date is not on those pages: AccessDenied is Verify's choice.
func (c *claim) requestTime(h http.Header) *VerifyError {
	if v := h.Get(HeaderOSSDate); v != "" {
		t, err := time.Parse(iso8601DateTime, v)
		if err != nil {
			return refuseEC("AccessDenied", ecBadDateFormat, "x-oss-date is not in yyyymmddThhmmssZ form.")
		}
		c.time = t
		return nil
	}
	v := h.Get(HeaderDate)
	if v == "" {
		return refuseEC("AccessDenied", ecNoDate, "The request has neither an x-oss-date nor a Date header: send one.")
	}
	t, err := time.Parse(http.TimeFormat, v)
	if err != nil {
		return refuseEC("AccessDenied", ecBadDateFormat, "The Date header is not in GMT form, such as Tue, 20 Dec 2022 08:48:18 GMT.")
	}
	c.time, c.httpDate = t, v
	return nil
}

func verifyHeader(req *http.Request, o *VerifyOptions, auth string, now time.Time, skew time.Duration, product string) (*Verified, error) {
	rest, ok := strings.CutPrefix(auth, Algorithm+" ")
	if !ok {
		// V1 ("OSS AccessKeyId:Signature") is verified by the caller, if at
		// all; no EC is documented for this refusal.
		return nil, refuse("InvalidArgument", "Authorization header does not start with "+Algorithm+": sign.Verify checks OSS Signature V4 only.")
	}
	var c claim
	var credential string
	for _, field := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(field), "=")
		switch k {
		case "Credential":
			credential = v
		case "AdditionalHeaders":
			c.additional = splitNames(v)
		case "Signature":
			c.signature = v
		}
	}
	if credential == "" || c.signature == "" {
		return nil, refuse("InvalidArgument", "Authorization header lacks Credential or Signature.")
	}
	if err := c.parseCredential(credential); err != nil {
		return nil, err
	}
	if e := checkPayloadHash(req.Header); e != nil {
		return nil, e
	}
	if e := c.requestTime(req.Header); e != nil {
		return nil, e
	}
	if d := now.Sub(c.time); d > skew || d < -skew {
		return nil, refuseEC("RequestTimeTooSkewed", ecTimeTooSkewed, "The difference between the request time and the current time is too large.")
	}
	c.token = req.Header.Get(HeaderSecurityToken)
	c.rawQuery = req.URL.RawQuery
	return c.check(req, o, product, false)
}

// verifyQuery checks a presigned URL. The Codes of its date refusals are
// not on OSS's EC pages: they are Verify's choice (InvalidArgument for a
// malformed x-oss-expires, AccessDenied for a URL outside its lifetime).
func verifyQuery(req *http.Request, o *VerifyOptions, now time.Time, skew time.Duration, product string) (*Verified, error) {
	q := req.URL.Query()
	if q.Get(QuerySignatureVersion) != Algorithm {
		return nil, refuse("InvalidArgument", "x-oss-signature-version must be "+Algorithm+".")
	}
	var c claim
	if err := c.parseCredential(q.Get(QueryCredential)); err != nil {
		return nil, err
	}
	if e := checkPayloadHash(req.Header); e != nil {
		return nil, e
	}
	var err error
	c.time, err = time.Parse(iso8601DateTime, q.Get(QueryDate))
	if err != nil {
		return nil, refuseEC("AccessDenied", ecBadDateFormat, "x-oss-date is missing or not in yyyymmddThhmmssZ form.")
	}
	// EC 0002-00000232: "a minimum allowed value of 1 second and a maximum
	// allowed value of 604800 seconds (7 days)".
	secs, err := strconv.ParseInt(q.Get(QueryExpires), 10, 64)
	if err != nil || secs <= 0 || secs > int64(maxPresignTTL/time.Second) {
		return nil, refuseEC("InvalidArgument", ecExpiresOutOfRange, "x-oss-expires must be between 1 and 604800 seconds.")
	}
	// EC 0002-00000235: a URL used earlier than its x-oss-date minus 15
	// minutes is not yet valid.
	if c.time.Sub(now) > skew {
		return nil, refuseEC("AccessDenied", ecURLNotYetValid, "The signed URL is dated in the future (x-oss-date): sign it with a correct clock.")
	}
	// OSS documents no V4 EC for an expired URL (0002-00000069 speaks of
	// V1's Expires and V2's x-oss-expires): EC left empty.
	if now.After(c.time.Add(time.Duration(secs) * time.Second)) {
		return nil, refuse("AccessDenied", "Request has expired: sign a new URL.")
	}
	c.additional = splitNames(q.Get(QueryAdditionalHdrs))
	c.signature = q.Get(QuerySignature)
	c.token = q.Get(QuerySecurityToken)
	c.rawQuery = withoutParam(req.URL.RawQuery, QuerySignature)
	return c.check(req, o, product, true)
}

// parseCredential splits AK/yyyymmdd/region/product/aliyun_v4_request.
func (c *claim) parseCredential(v string) error {
	parts := strings.Split(v, "/")
	if len(parts) != 5 || parts[0] == "" || parts[4] != scopeTerminator {
		return refuse("InvalidArgument", "Credential must be AccessKeyId/yyyymmdd/region/product/aliyun_v4_request.")
	}
	c.accessKeyID, c.date, c.region, c.product = parts[0], parts[1], parts[2], parts[3]
	return nil
}

// check compares the claim with the server's view and the recomputed
// signature.
func (c *claim) check(req *http.Request, o *VerifyOptions, product string, presigned bool) (*Verified, error) {
	if c.date != c.time.Format(yyyymmdd) {
		return nil, refuse("InvalidArgument", "The date in Credential does not match the request time (x-oss-date, or Date).")
	}
	if c.region != o.Region {
		return nil, refuse("InvalidArgument", "Invalid signing region in Authorization header: expecting "+o.Region+".")
	}
	if c.product != product {
		return nil, refuse("InvalidArgument", "Invalid signing product in Authorization header: expecting "+product+".")
	}
	cred, ok := o.Lookup(c.accessKeyID)
	if !ok || cred.AccessKeySecret == "" {
		return nil, refuse("InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.")
	}
	if cred.SecurityToken != "" &&
		subtle.ConstantTimeCompare([]byte(cred.SecurityToken), []byte(c.token)) != 1 {
		return nil, refuse("InvalidSecurityToken", "The security token you provided is invalid.")
	}
	if badValue(c.rawQuery) {
		return nil, refuse("InvalidArgument", "The query contains CR, LF or NUL.")
	}

	st := getState()
	defer putState(st)
	payload := UnsignedPayload // checked already
	// net/http moves Host out of the header map; sign it from req.Host.
	var own []ownHeader
	if req.Host != "" && slices.Contains(c.additional, "host") && req.Header.Get("Host") == "" {
		own = []ownHeader{{id: ownHost, s: req.Host}}
	}
	if err := st.canonicalRequest(req.Method, o.Bucket, o.Key, c.rawQuery, req.Header, c.additional, payload, own); err != nil {
		return nil, refuse("InvalidArgument", "A header value contains CR, LF or NUL.")
	}
	var sig [2 * sha256.Size]byte
	if c.httpDate != "" {
		sig = st.signatureAt(cred.AccessKeySecret, c.httpDate, c.date, c.region, c.product)
	} else {
		ts := newStamp(c.time)
		sig, _ = st.signature(cred.AccessKeySecret, &ts, c.region, c.product)
	}
	if subtle.ConstantTimeCompare(sig[:], []byte(c.signature)) != 1 {
		e := refuseEC("SignatureDoesNotMatch", ecSignatureDoesNotMatch, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		e.CanonicalRequest = string(st.canon)
		e.StringToSign = string(st.sts)
		return nil, e
	}
	return &Verified{AccessKeyID: c.accessKeyID, Time: c.time, Presigned: presigned}, nil
}

// splitNames splits a;b;c, dropping empty names.
func splitNames(v string) []string {
	if v == "" {
		return nil
	}
	var names []string
	for _, n := range strings.Split(v, ";") {
		if n != "" {
			names = append(names, n)
		}
	}
	return names
}

// withoutParam removes every occurrence of the parameter name from a raw
// query, leaving the rest exactly as written.
func withoutParam(raw, name string) string {
	var b strings.Builder
	for q := raw; q != ""; {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		if k, _, _ := strings.Cut(kv, "="); k == name || kv == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(kv)
	}
	return b.String()
}

// signatureAt is the signature of st.canon with a string to sign whose time
// line is the Date header's text, for Date-only V4 (see requestTime). It
// writes the string to sign into st.sts.
func (st *state) signatureAt(secret, httpDate, date, region, product string) (sig [2 * sha256.Size]byte) {
	crHash := sha256.Sum256(st.canon)
	k := keys.get(secret, []byte(date), region, product)
	b := append(st.sts[:0], Algorithm+"\n"...)
	b = append(b, httpDate...)
	b = append(b, '\n')
	b = append(b, k.scope...)
	b = append(b, '\n')
	b = appendHex(b, &crHash)
	st.sts = b
	key := hmacSHA256([]byte(keyPrefix+secret), date)
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, product)
	key = hmacSHA256(key, scopeTerminator)
	mac := hmacSHA256(key, string(b))
	appendHex(sig[:0], (*[sha256.Size]byte)(mac))
	return sig
}
