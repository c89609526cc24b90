package sign

import (
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

	// MaxSkew is how far x-oss-date may be from Now for header signing; zero
	// means 15 minutes.
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
	// StringToSign and CanonicalRequest are the server's, set for
	// SignatureDoesNotMatch so a client can compare them with its own.
	StringToSign     string
	CanonicalRequest string
}

// Error returns the code and the message; never a secret.
func (e *VerifyError) Error() string { return "sign: " + e.Code + ": " + e.Message }

func refuse(code, msg string) *VerifyError { return &VerifyError{Code: code, Message: msg} }

// Verify checks the OSS V4 signature of a received request, in its
// Authorization header or its query string, as an OSS server would: it
// recomputes the canonical request from what arrived, with the same code that
// [Sign] and [Presign] use, and compares signatures in constant time. The
// body is not read. A refusal is a *VerifyError.
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
	if auth := req.Header.Get(HeaderAuthorization); auth != "" {
		return verifyHeader(req, o, auth, now, product)
	}
	if req.URL.Query().Has(QuerySignature) {
		return verifyQuery(req, o, now, product)
	}
	return nil, refuse("AccessDenied", "The request is not signed: no Authorization header and no x-oss-signature.")
}

// claim is what a request says about its own signature.
type claim struct {
	accessKeyID, date, region, product string
	additional                         []string
	signature, token, rawQuery         string
	time                               time.Time
}

func verifyHeader(req *http.Request, o *VerifyOptions, auth string, now time.Time, product string) (*Verified, error) {
	rest, ok := strings.CutPrefix(auth, Algorithm+" ")
	if !ok {
		return nil, refuse("InvalidArgument", "Authorization header does not start with "+Algorithm+".")
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
	var err error
	c.time, err = time.Parse(iso8601DateTime, req.Header.Get(HeaderOSSDate))
	if err != nil {
		return nil, refuse("AccessDenied", "x-oss-date is missing or not in yyyymmddThhmmssZ form.")
	}
	skew := o.MaxSkew
	if skew == 0 {
		skew = 15 * time.Minute
	}
	if d := now.Sub(c.time); d > skew || d < -skew {
		return nil, refuse("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
	}
	c.token = req.Header.Get(HeaderSecurityToken)
	c.rawQuery = req.URL.RawQuery
	return c.check(req, o, product, false)
}

func verifyQuery(req *http.Request, o *VerifyOptions, now time.Time, product string) (*Verified, error) {
	q := req.URL.Query()
	if q.Get(QuerySignatureVersion) != Algorithm {
		return nil, refuse("InvalidArgument", "x-oss-signature-version must be "+Algorithm+".")
	}
	var c claim
	if err := c.parseCredential(q.Get(QueryCredential)); err != nil {
		return nil, err
	}
	var err error
	c.time, err = time.Parse(iso8601DateTime, q.Get(QueryDate))
	if err != nil {
		return nil, refuse("AccessDenied", "x-oss-date is missing or not in yyyymmddThhmmssZ form.")
	}
	secs, err := strconv.ParseInt(q.Get(QueryExpires), 10, 64)
	if err != nil || secs <= 0 || secs > int64(maxPresignTTL/time.Second) {
		return nil, refuse("InvalidArgument", "x-oss-expires must be between 1 and 604800 seconds.")
	}
	if now.After(c.time.Add(time.Duration(secs) * time.Second)) {
		return nil, refuse("AccessDenied", "Request has expired.")
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
		return nil, refuse("InvalidArgument", "The date in Credential does not match x-oss-date.")
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
	payload := req.Header.Get(HeaderContentSHA256)
	if payload == "" {
		payload = UnsignedPayload
	}
	// net/http moves Host out of the header map; sign it from req.Host.
	var own []ownHeader
	if req.Host != "" && slices.Contains(c.additional, "host") && req.Header.Get("Host") == "" {
		own = []ownHeader{{id: ownHost, s: req.Host}}
	}
	if err := st.canonicalRequest(req.Method, o.Bucket, o.Key, c.rawQuery, req.Header, c.additional, payload, own); err != nil {
		return nil, refuse("InvalidArgument", "A header value contains CR, LF or NUL.")
	}
	ts := newStamp(c.time)
	sig, _ := st.signature(cred.AccessKeySecret, &ts, c.region, c.product)
	if subtle.ConstantTimeCompare(sig[:], []byte(c.signature)) != 1 {
		e := refuse("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
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
