package accesspoint

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"hash"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/internal/redact"
	"github.com/wgor-dev/wgor/sign"
)

// OSS Signature V1, the server's half. wgor never signs with V1; the
// emulator verifies it because OSS still accepts it and the older Go SDK,
// the Java SDK and oss2 send it by default.
//
// Source: OSS API reference "Include signatures in the Authorization header"
// and "Include signatures in URLs" (V1). The details the reference
// leaves open follow the official SDKs, named where used.
//
//	StringToSign = VERB "\n" Content-MD5 "\n" Content-Type "\n" Date "\n"
//	               CanonicalizedOSSHeaders CanonicalizedResource
//	Signature    = base64(HMAC-SHA1(AccessKeySecret, StringToSign))
//
// In the header form, Authorization is "OSS <AccessKeyId>:<Signature>" and
// Date is the Date header, or, when there is none, x-oss-date in RFC 1123
// form (Node's ali-oss signs that in the Date position). In the query form,
// the query carries OSSAccessKeyId, Expires (Unix seconds, signed in the
// Date position), Signature and, for STS, security-token.

// V1 query parameters (OSS "Include signatures in URLs").
const (
	v1QueryAccessKeyID = "OSSAccessKeyId"
	v1QueryExpires     = "Expires"
	v1QuerySignature   = "Signature"
	querySecurityToken = "security-token" // V1 and V2 URLs
)

// v1Subresources are the query parameters signed in the canonical resource:
// the list of OSS's V1 reference, as the older Go SDK carries it
// (signKeyList in oss/conn.go, v3.0.2). Parameters whose name starts with
// x-oss- are signed too, as the Go SDK v2 does (oss/signer/v1.go), except
// that x-oss-write-get-object-response is accepted either way, because the
// older Go SDK leaves it out.
var v1Subresources = strings.Fields(`acl uploads location cors logging website referer lifecycle
	delete append tagging objectMeta uploadId partNumber security-token position img style
	styleName replication replicationProgress replicationLocation cname bucketInfo comp qos
	live status vod startTime endTime symlink response-content-type response-content-language
	response-expires response-cache-control response-content-disposition
	response-content-encoding udf udfName udfImage udfId udfImageDesc udfApplication
	udfApplicationLog restore callback callback-var qosInfo policy stat encryption versions
	versioning versionId requestPayment sequential inventory inventoryId continuation-token
	asyncFetch worm wormId wormExtend withHashContext transferAcceleration regionList
	cloudboxes metaQuery resourceGroup rtc responseHeader`)

// isV1 reports whether r is signed, or claims to be signed, with V1.
func isV1(r *http.Request) bool {
	if auth := r.Header.Get(sign.HeaderAuthorization); auth != "" {
		return strings.HasPrefix(auth, "OSS ")
	}
	q := r.URL.Query()
	return !q.Has(sign.QuerySignature) && (q.Has(v1QuerySignature) || q.Has(v1QueryAccessKeyID))
}

// v1Options describe the server that checks a V1 or V2 signature.
type v1Options struct {
	bucket, key string // the canonical resource; both empty for "/"
	lookup      func(accessKeyID string) (sign.Credentials, bool)
	now         time.Time
	maxSkew     time.Duration // zero: 15 minutes
}

// claim is what a V1 or V2 request says of its signature.
type claim struct {
	id, sig string
	date    string // the text signed in the Date position
	token   string // the security token sent
	query   bool   // signed in the URL
}

// OSS's detailed error codes for the V1 and V2 refusals that have one,
// each with its page https://www.alibabacloud.com/help/en/oss/support/<EC>.
const (
	ecInvalidSecurityToken  = "0002-00000006"
	ecSignatureDoesNotMatch = "0002-00000201"
	ecBadDateFormat         = "0002-00000502" // Date not GMT
	ecNoDate                = "0002-00000503" // neither x-oss-date nor Date
	ecTimeTooSkewed         = "0002-00000504" // request time too far from now
)

func refuse(code, ec, msg string) *sign.VerifyError {
	return &sign.VerifyError{Code: code, EC: ec, Message: msg}
}

// verifyV1 checks the V1 signature of r, in its Authorization header or its
// query. A refusal is a *sign.VerifyError, with the server's StringToSign
// for SignatureDoesNotMatch.
func verifyV1(r *http.Request, o v1Options) error {
	c, err := v1Claim(r, o)
	if err != nil {
		return err
	}
	cred, err := o.credentials(r, c)
	if err != nil {
		return err
	}
	prefix := r.Method + "\n" + r.Header.Get("Content-Md5") + "\n" + r.Header.Get("Content-Type") + "\n" +
		c.date + "\n" + v1Headers(r.Header)
	with, without := v1Resource(o.bucket, o.key, r.URL.Query())
	if matches(sha1.New, cred.AccessKeySecret, prefix+with, c.sig) ||
		matches(sha1.New, cred.AccessKeySecret, prefix+without, c.sig) {
		return nil
	}
	return mismatch(r, cred, prefix+with)
}

// v1Claim reads the header form ("OSS id:signature") or the query form.
func v1Claim(r *http.Request, o v1Options) (claim, error) {
	if auth := r.Header.Get(sign.HeaderAuthorization); auth != "" {
		id, sig, ok := strings.Cut(strings.TrimPrefix(auth, "OSS "), ":")
		if !ok || id == "" || sig == "" {
			return claim{}, refuse(CodeInvalidArgument, "", "Authorization must be \"OSS <AccessKeyId>:<Signature>\" for OSS signature V1.")
		}
		date, err := headerDate(r, o)
		return claim{id: id, sig: sig, date: date, token: r.Header.Get(oss.HeaderSecurityToken)}, err
	}
	q := r.URL.Query()
	c := claim{id: q.Get(v1QueryAccessKeyID), sig: q.Get(v1QuerySignature), date: q.Get(v1QueryExpires),
		token: q.Get(querySecurityToken), query: true}
	if c.id == "" || c.sig == "" || c.date == "" {
		return claim{}, refuse(CodeAccessDenied, "", "A V1 signed URL needs OSSAccessKeyId, Expires and Signature in its query.")
	}
	return c, checkExpires(c.date, "Expires", o.now)
}

// headerDate returns the request time of a header-signed V1 or V2 request:
// Date, or x-oss-date when there is no Date (Node's ali-oss), in RFC 1123
// form and within 15 minutes of now (OSS's RequestTimeTooSkewed, EC
// 0002-00000504, which holds for every signature version).
func headerDate(r *http.Request, o v1Options) (string, error) {
	date := r.Header.Get("Date")
	if date == "" {
		date = r.Header.Get(oss.HeaderDate)
	}
	if date == "" {
		return "", refuse(CodeAccessDenied, ecNoDate, "A V1 or V2 signature needs the Date header (or x-oss-date) in RFC 1123 form, such as \"Tue, 01 Dec 2026 12:00:00 GMT\": send one.")
	}
	t, err := time.Parse(http.TimeFormat, date)
	if err != nil {
		return "", refuse(CodeAccessDenied, ecBadDateFormat, "The Date header (or x-oss-date) of a V1 or V2 signature must be in RFC 1123 form, such as \"Tue, 01 Dec 2026 12:00:00 GMT\".")
	}
	skew := o.maxSkew
	if skew == 0 {
		skew = 15 * time.Minute
	}
	if d := o.now.Sub(t); d > skew || d < -skew {
		return "", refuse(CodeRequestTimeTooSkewed, ecTimeTooSkewed, "The difference between the request time and the current time is too large: sign with the current time (the emulator allows "+skew.String()+").")
	}
	return date, nil
}

// checkExpires checks a URL's expiry time in Unix seconds ("Include
// signatures in URLs"); OSS documents no maximum for V1 or V2, so there is
// none here.
func checkExpires(v, name string, now time.Time) error {
	secs, err := strconv.ParseInt(v, 10, 64)
	if err != nil || secs <= 0 {
		return refuse(CodeAccessDenied, "", name+" must be a time in Unix seconds.")
	}
	if now.After(time.Unix(secs, 0)) {
		return refuse(CodeAccessDenied, "", "Request has expired: sign the URL again with a later "+name+".")
	}
	return nil
}

// credentials looks up the claimed access key and checks the security token.
func (o v1Options) credentials(r *http.Request, c claim) (sign.Credentials, error) {
	cred, ok := o.lookup(c.id)
	if !ok || cred.AccessKeySecret == "" {
		return cred, refuse("InvalidAccessKeyId", "",
			"The OSS Access Key Id you provided does not exist in our records. Sign with the credentials of the invocation (Server.Credentials).")
	}
	if cred.SecurityToken == "" || same(cred.SecurityToken, c.token) {
		return cred, nil
	}
	msg := "The security token you provided is invalid. Send the security token of the invocation's credentials."
	if c.query && c.token == "" && same(cred.SecurityToken, r.Header.Get(oss.HeaderSecurityToken)) {
		// OSS, "Include signatures in URLs": a signed URL carries the STS
		// token in the security-token query parameter, signed with it.
		msg = "The security token came in the x-oss-security-token header, but a V1 or V2 signed URL carries it in the security-token query parameter: put it there and sign it."
	}
	return cred, refuse("InvalidSecurityToken", ecInvalidSecurityToken, msg)
}

func same(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// matches reports whether sig is base64(HMAC(secret, sts)).
func matches(h func() hash.Hash, secret, sts, sig string) bool {
	mac := hmac.New(h, []byte(secret))
	mac.Write([]byte(sts))
	return same(base64.StdEncoding.EncodeToString(mac.Sum(nil)), sig)
}

// mismatch is SignatureDoesNotMatch with the server's StringToSign, each
// line scrubbed of the tokens it holds in clear (the security token and the
// request token), so that the error body never carries them.
func mismatch(r *http.Request, cred sign.Credentials, sts string) error {
	e := refuse(CodeSignatureDoesNotMatch, ecSignatureDoesNotMatch,
		"The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	e.StringToSign = scrubLines(redact.New(cred.SecurityToken, cred.AccessKeySecret, r.Header.Get(oss.HeaderToken)), sts)
	return e
}

// scrubLines scrubs each line of text on its own, keeping the line breaks.
func scrubLines(sc *redact.Scrubber, text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = sc.String(l)
	}
	return strings.Join(lines, "\n")
}

// v1Headers is CanonicalizedOSSHeaders: every x-oss-* header, its name in
// lower case, sorted, "name:value\n", the values trimmed and a repeated
// header's values joined with ',' (as the Go SDK v2 does).
func v1Headers(h http.Header) string {
	var b strings.Builder
	for _, name := range sortedNames(h, nil) {
		vs := h.Values(name)
		for i := range vs {
			vs[i] = strings.TrimSpace(vs[i])
		}
		b.WriteString(name + ":" + strings.Join(vs, ",") + "\n")
	}
	return b.String()
}

// sortedNames returns, in lower case and sorted, the names of h that start
// with x-oss- or are in extra.
func sortedNames(h http.Header, extra []string) []string {
	var names []string
	for name := range h {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "x-oss-") || slices.Contains(extra, lower) {
			names = append(names, lower)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// v1Resource is CanonicalizedResource with and without the
// x-oss-write-get-object-response sub-resource (equal when it is not in
// the query): "/" or "/bucket/key", then "?" and the signed parameters,
// sorted by name, "k=v" or "k" for an empty value, joined by '&', their
// values decoded.
func v1Resource(bucket, key string, q url.Values) (with, without string) {
	base := "/"
	if bucket != "" {
		base += bucket + "/" + key
	}
	var all, some []string
	for k := range q {
		if slices.Contains(v1Subresources, k) || strings.HasPrefix(k, "x-oss-") {
			all = append(all, k)
			if k != oss.WriteQuery {
				some = append(some, k)
			}
		}
	}
	return resource(base, all, q.Get), resource(base, some, q.Get)
}

// resource joins a path and the parameters named, sorted by name, each
// "k=v", or "k" when its value is empty.
func resource(base string, names []string, value func(string) string) string {
	slices.Sort(names)
	sep := "?"
	for _, k := range names {
		base += sep + k
		if v := value(k); v != "" {
			base += "=" + v
		}
		sep = "&"
	}
	return base
}
