package sign

import (
	"cmp"
	"crypto/subtle"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

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

func refuse(code, ec, msg string) *VerifyError { return &VerifyError{Code: code, EC: ec, Message: msg} }

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
	// The claim (Authorization's fields, or the query) and its time; timeLine
	// is the string to sign's second line, skip the query parameter not signed.
	now, skew := signingTime(o.Now), cmp.Or(max(o.MaxSkew, 0), defaultMaxSkew)
	var v Verified
	var timeLine, skip string
	q, err := req.URL.Query(), error(nil)
	if auth := req.Header.Get(HeaderAuthorization); auth != "" {
		rest, v4 := strings.CutPrefix(auth, Algorithm+" ")
		q = url.Values{}
		for field := range strings.SplitSeq(rest, ",") {
			k, val, _ := strings.Cut(strings.TrimSpace(field), "=")
			if i := slices.IndexFunc(authFields[:], func(f [2]string) bool { return f[0] == k }); i >= 0 {
				q.Set(authFields[i][1], val)
			}
		}
		layout, form := timeFormat, "x-oss-date is not in yyyymmddThhmmssZ form."
		if timeLine = req.Header.Get(HeaderOSSDate); timeLine == "" {
			timeLine, layout, form = req.Header.Get(HeaderDate), http.TimeFormat, "The Date header is not in GMT form (Tue, 20 Dec 2022 08:48:18 GMT)."
		}
		switch v.Time, err = time.Parse(layout, timeLine); {
		case !v4:
			return nil, refuse("InvalidArgument", "", "Authorization header does not start with "+Algorithm+": sign.Verify checks OSS Signature V4 only.")
		case q.Get(QuerySignature) == "":
			return nil, refuse("InvalidArgument", "", "Authorization header lacks Credential or Signature.")
		case timeLine == "":
			return nil, refuse("AccessDenied", "0002-00000503", "The request has neither an x-oss-date nor a Date header: send one.")
		case err != nil:
			return nil, refuse("AccessDenied", "0002-00000502", form) // Date not GMT, or x-oss-date not ISO 8601
		case now.Sub(v.Time) > skew || v.Time.Sub(now) > skew:
			return nil, refuse("RequestTimeTooSkewed", "0002-00000504", "The difference between the request time and the current time is too large: check the clock.")
		}
		q.Set(QuerySecurityToken, req.Header.Get(HeaderSecurityToken))
	} else if q.Has(QuerySignature) {
		timeLine = q.Get(QueryDate)
		secs, serr := strconv.ParseInt(q.Get(QueryExpires), 10, 64)
		switch v.Time, err = time.Parse(timeFormat, timeLine); {
		case q.Get(QuerySignatureVersion) != Algorithm:
			return nil, refuse("InvalidArgument", "", "x-oss-signature-version must be "+Algorithm+".")
		case err != nil:
			return nil, refuse("AccessDenied", "0002-00000502", "x-oss-date is missing or not in yyyymmddThhmmssZ form.")
		case serr != nil || secs <= 0 || secs > int64(maxPresignTTL/time.Second):
			return nil, refuse("InvalidArgument", "0002-00000232", "x-oss-expires must be between 1 and 604800 seconds.")
		case v.Time.Sub(now) > skew:
			return nil, refuse("AccessDenied", "0002-00000235", "The signed URL is dated in the future (x-oss-date): sign it with a correct clock.")
		case now.After(v.Time.Add(time.Duration(secs) * time.Second)):
			// No EC: 0002-00000069 speaks of V1's Expires and V2's x-oss-expires.
			return nil, refuse("AccessDenied", "", "Request has expired: sign a new URL.")
		}
		skip, v.Presigned = QuerySignature, true // signed without itself
	} else {
		return nil, refuse("AccessDenied", "", "The request is not signed: no Authorization header and no x-oss-signature.")
	}
	cred := strings.Split(q.Get(QueryCredential), "/") // AK/yyyymmdd/region/product/aliyun_v4_request
	if len(cred) != 5 || cred[0] == "" || cred[4] != scopeTerminator {
		return nil, refuse("InvalidArgument", "", "Credential must be AccessKeyId/yyyymmdd/region/product/aliyun_v4_request.")
	}
	// The claim against the server's view, then the signature against the
	// one recomputed from what arrived.
	v.AccessKeyID = cred[0]
	keys, ok := o.Lookup(v.AccessKeyID)
	switch {
	case !payloadIsUnsigned(req.Header): // OSS: 400 InvalidArgument
		return nil, refuse("InvalidArgument", "0002-00000214", "The value of the x-oss-content-sha256 header is invalid: set it to UNSIGNED-PAYLOAD.")
	case cred[1] != v.Time.Format(dateFormat):
		return nil, refuse("InvalidArgument", "", "The date in Credential does not match the request time (x-oss-date, or Date).")
	case cred[2] != o.Region || cred[3] != productOf(o.Product):
		return nil, refuse("InvalidArgument", "", "Invalid signing region or product in Credential: expecting "+o.Region+" and "+productOf(o.Product)+".")
	case badValue(req.URL.RawQuery):
		return nil, refuse("InvalidArgument", "", "The query contains CR, LF or NUL.")
	case !ok || keys.AccessKeySecret == "":
		return nil, refuse("InvalidAccessKeyId", "", "The OSS Access Key Id you provided does not exist in our records.")
	case keys.SecurityToken != "" && subtle.ConstantTimeCompare([]byte(keys.SecurityToken), []byte(q.Get(QuerySecurityToken))) != 1:
		return nil, refuse("InvalidSecurityToken", "", "The security token you provided is invalid.")
	}
	// The additional headers as the client listed them, without empty names.
	additional := strings.Join(strings.FieldsFunc(q.Get(QueryAdditionalHdrs), func(r rune) bool { return r == ';' }), ";")
	r := &request{method: req.Method, bucket: o.Bucket, key: o.Key, query: req.URL.RawQuery, skip: skip, header: req.Header, additional: additional}
	if req.Header.Get("Host") == "" && req.Host != "" {
		r.set = []header{{name: "Host", lower: []byte("host"), values: []string{req.Host}}} // net/http moves Host out of the map
	}
	st := statePool.Get().(*state)
	defer putState(st)
	sig, err := st.sign(r, st.signingKey(keys.AccessKeySecret, cred[1], cred[2], cred[3]), timeLine, nil)
	if err != nil {
		return nil, refuse("InvalidArgument", "", "A header contains CR, LF or NUL.")
	}
	if subtle.ConstantTimeCompare(sig[:], []byte(q.Get(QuerySignature))) != 1 {
		e := refuse("SignatureDoesNotMatch", "0002-00000201", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		e.CanonicalRequest, e.StringToSign = string(st.canon), string(st.sts)
		return nil, e
	}
	return &v, nil
}

// authFields pairs the Authorization header's fields with presigned URL parameters.
var authFields = [...][2]string{{"Credential", QueryCredential}, {"AdditionalHeaders", QueryAdditionalHdrs}, {"Signature", QuerySignature}}
