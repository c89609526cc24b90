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

// OSS Signature V1, the server's half, which OSS still accepts and older
// SDKs send (OSS API reference, "Include signatures in the Authorization
// header" and "Include signatures in URLs"; what they leave open follows
// the SDKs named where used):
//
//	StringToSign = VERB "\n" Content-MD5 "\n" Content-Type "\n" Date "\n"
//	               CanonicalizedOSSHeaders CanonicalizedResource
//	Signature    = base64(HMAC-SHA1(AccessKeySecret, StringToSign))
//
// Header form: "Authorization: OSS <id>:<sig>", Date from Date or, without
// one, x-oss-date (Node's ali-oss). Query form: OSSAccessKeyId, Expires
// (signed as Date), Signature, security-token.
const (
	v1QueryAccessKeyID = "OSSAccessKeyId"
	v1QueryExpires     = "Expires"
	v1QuerySignature   = "Signature"
	querySecurityToken = "security-token" // V1 and V2 URLs
)

// v1Subresources are the query parameters signed in the canonical resource
// (older Go SDK oss/conn.go signKeyList, v3.0.2); x-oss-* parameters are
// signed too (Go SDK v2 oss/signer/v1.go).
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
}

// claim is what a V1 or V2 request says of its signature.
type claim struct {
	id, sig string
	date    string // the text signed in the Date position
	token   string // the security token sent
	query   bool   // signed in the URL
}

func refuse(code, ec, msg string) *sign.VerifyError {
	return &sign.VerifyError{Code: code, EC: ec, Message: msg}
}

// verifyV1 checks the V1 signature of r; a refusal is a *sign.VerifyError.
// The resource is accepted with or without x-oss-write-get-object-response,
// which the older Go SDK leaves out.
func verifyV1(r *http.Request, o v1Options) error {
	c, err := v1Claim(r, o)
	if err != nil {
		return err
	}
	cred, err := o.credentials(r, c)
	if err != nil {
		return err
	}
	prefix := stringToSignStart(r, c.date) + v1Headers(r.Header)
	with, without := v1Resource(o.bucket, o.key, r.URL.Query())
	if matches(sha1.New, cred.AccessKeySecret, prefix+with, c.sig) ||
		matches(sha1.New, cred.AccessKeySecret, prefix+without, c.sig) {
		return nil
	}
	return mismatch(r, cred, prefix+with)
}

// stringToSignStart is the first four lines of V1's and V2's StringToSign.
func stringToSignStart(r *http.Request, date string) string {
	return r.Method + "\n" + r.Header.Get("Content-Md5") + "\n" + r.Header.Get("Content-Type") + "\n" + date + "\n"
}

func v1Claim(r *http.Request, o v1Options) (claim, error) {
	if auth := r.Header.Get(sign.HeaderAuthorization); auth != "" {
		id, sig, ok := strings.Cut(strings.TrimPrefix(auth, "OSS "), ":")
		if !ok || id == "" || sig == "" {
			return claim{}, refuse(CodeInvalidArgument, "", "Authorization must be \"OSS <AccessKeyId>:<Signature>\" for OSS signature V1.")
		}
		date, err := headerDate(r, o.now)
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

// maxSkew is OSS's RequestTimeTooSkewed bound (OSS error page 0002-00000504).
const maxSkew = 15 * time.Minute

// headerDate returns the Date (or, without one, x-oss-date) of a V1 or V2
// header form: RFC 1123, within maxSkew of now (EC 0002-00000503 missing,
// 0002-00000502 malformed, 0002-00000504 skewed).
func headerDate(r *http.Request, now time.Time) (string, error) {
	date := r.Header.Get("Date")
	if date == "" {
		date = r.Header.Get(oss.HeaderDate)
	}
	const form = "in RFC 1123 form, such as \"Tue, 01 Dec 2026 12:00:00 GMT\""
	if date == "" {
		return "", refuse(CodeAccessDenied, "0002-00000503", "A V1 or V2 signature needs the Date header (or x-oss-date) "+form+": send one.")
	}
	t, err := time.Parse(http.TimeFormat, date)
	if err != nil {
		return "", refuse(CodeAccessDenied, "0002-00000502", "The Date header (or x-oss-date) of a V1 or V2 signature must be "+form+".")
	}
	if d := now.Sub(t); d > maxSkew || d < -maxSkew {
		return "", refuse(CodeRequestTimeTooSkewed, "0002-00000504", "The difference between the request time and the current time is too large: sign with the current time (the emulator allows "+maxSkew.String()+").")
	}
	return date, nil
}

// checkExpires checks a URL's expiry in Unix seconds; OSS documents no
// maximum for V1 or V2.
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
		return cred, refuse("InvalidAccessKeyId", "", "The OSS Access Key Id you provided does not exist in our records.")
	}
	if cred.SecurityToken == "" || same(cred.SecurityToken, c.token) {
		return cred, nil
	}
	msg := "The security token you provided is invalid."
	if c.query && c.token == "" && same(cred.SecurityToken, r.Header.Get(oss.HeaderSecurityToken)) {
		// "Include signatures in URLs": a URL carries it in the query.
		msg = "The security token came in the x-oss-security-token header, but a V1 or V2 signed URL carries it in the security-token query parameter: put it there and sign it."
	}
	return cred, refuse("InvalidSecurityToken", "", msg)
}

func same(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// matches reports whether sig is base64(HMAC(secret, sts)).
func matches(h func() hash.Hash, secret, sts, sig string) bool {
	mac := hmac.New(h, []byte(secret))
	mac.Write([]byte(sts))
	return same(base64.StdEncoding.EncodeToString(mac.Sum(nil)), sig)
}

// mismatch is SignatureDoesNotMatch (OSS error page 0002-00000201) with the
// server's StringToSign, its tokens shown as <redacted>.
func mismatch(r *http.Request, cred sign.Credentials, sts string) error {
	e := refuse(CodeSignatureDoesNotMatch, "0002-00000201",
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

// v1Headers is CanonicalizedOSSHeaders: the x-oss-* headers, lower case,
// sorted, "name:value\n", values trimmed and joined with ',' (Go SDK v2).
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

// sortedNames returns the names of h, lower case and sorted, that start
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

// v1Resource is CanonicalizedResource with and without
// x-oss-write-get-object-response: "/" or "/bucket/key", then the signed
// parameters, decoded.
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

// resource appends the parameters named, sorted, "?k=v&k" ("k" alone when
// its value is empty).
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
