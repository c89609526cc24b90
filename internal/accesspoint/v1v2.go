package accesspoint

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/internal/redact"
	"github.com/wgor-dev/wgor/sign"
)

// OSS Signature V1 and V2, the server's half: two versions of one scheme,
// which OSS still accepts and older SDKs send.
//
// V1: OSS API reference, "Include signatures in the Authorization header"
// and "Include signatures in URLs"; what they leave open follows the SDKs
// named where used.
//
//	StringToSign = VERB "\n" Content-MD5 "\n" Content-Type "\n" Date "\n"
//	               CanonicalizedOSSHeaders CanonicalizedResource
//	Signature    = base64(HMAC-SHA1(AccessKeySecret, StringToSign))
//
// Header form: "Authorization: OSS <id>:<sig>". Query form: OSSAccessKeyId,
// Expires (signed as Date), Signature, security-token.
//
// V2: OSS's reference documents only V1 and V4; V2 follows OSS's V2 error
// pages (0002-00000102 to 0002-00000118) and the SDKs' V2 signers:
// aliyun-oss-go-sdk oss/auth.go (signHeader, getSignedStr) and oss/conn.go
// (getResource, signURL); oss2/auth.py (ProviderAuthV2).
//
//	StringToSign = VERB "\n" Content-MD5 "\n" Content-Type "\n" Date "\n"
//	               CanonicalizedOSSHeaders AdditionalHeaders "\n"
//	               CanonicalizedResource
//	Signature    = base64(HMAC-SHA256(AccessKeySecret, StringToSign))
//
// Header form: "OSS2 AccessKeyId:<id>[,AdditionalHeaders:<a;b>],Signature:<sig>".
// Query form: x-oss-signature-version=OSS2, x-oss-expires (signed as Date),
// x-oss-access-key-id, x-oss-signature, x-oss-additional-headers,
// security-token. The pages give no status or code: a malformed header is
// 400 InvalidArgument, a URL missing a parameter 403 AccessDenied, as V1.
//
// Both header forms take their Date from Date or, without one, x-oss-date
// (Node's ali-oss).

// querySecurityToken carries the STS token of a V1 or V2 URL.
const querySecurityToken = "security-token"

// urlParams are the query parameters of a V1 or V2 URL, by version: the
// access key ID, the expiry (signed as Date) and the signature.
var urlParams = map[int][3]string{
	1: {"OSSAccessKeyId", "Expires", "Signature"},
	2: {"x-oss-access-key-id", sign.QueryExpires, sign.QuerySignature},
}

// v2URLECs are the ECs of OSS's pages for a V2 URL parameter missing, and
// empty.
var v2URLECs = map[string][2]string{
	"x-oss-access-key-id": {"", "0002-00000116"},
	sign.QueryExpires:     {"0002-00000113", ""},
	sign.QuerySignature:   {"0002-00000117", "0002-00000118"},
}

// oldVersion returns 1 or 2 when r is signed, or claims to be signed, with
// V1 or V2, and 0 otherwise (V4, or no signature).
func oldVersion(r *http.Request) int {
	auth := r.Header.Get(sign.HeaderAuthorization)
	q := r.URL.Query()
	switch {
	case strings.HasPrefix(auth, "OSS2 "):
		return 2
	case strings.HasPrefix(auth, "OSS "):
		return 1
	case auth != "":
		return 0
	case q.Get(sign.QuerySignatureVersion) == "OSS2":
		return 2
	case !q.Has(sign.QuerySignature) && (q.Has("Signature") || q.Has("OSSAccessKeyId")):
		return 1
	}
	return 0
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
	extra   string // V2's additional headers, as listed
	query   bool   // signed in the URL
}

func refuse(code, ec, msg string) *sign.VerifyError {
	return &sign.VerifyError{Code: code, EC: ec, Message: msg}
}

// verifyOld checks the V1 or V2 (version) signature of r; a refusal is a
// *sign.VerifyError. V1's resource is accepted with or without
// x-oss-write-get-object-response, which the older Go SDK leaves out.
func verifyOld(r *http.Request, version int, o v1Options) error {
	c, err := readClaim(r, version, o.now)
	if err != nil {
		return err
	}
	var candidates []string
	if version == 1 {
		prefix := stringToSignStart(r, c.date) + v1Headers(r.Header)
		with, without := v1Resource(o.bucket, o.key, r.URL.Query())
		candidates = []string{prefix + with, prefix + without}
	} else {
		names, err := additionalHeaders(r, c.extra)
		if err != nil {
			return err
		}
		candidates = []string{v2StringToSign(r, c.date, names, o)}
	}
	cred, err := o.credentials(r, c)
	if err != nil {
		return err
	}
	hashOf := sha1.New
	if version == 2 {
		hashOf = sha256.New
	}
	for _, sts := range candidates {
		mac := hmac.New(hashOf, []byte(cred.AccessKeySecret))
		mac.Write([]byte(sts))
		if same(base64.StdEncoding.EncodeToString(mac.Sum(nil)), c.sig) {
			return nil
		}
	}
	// SignatureDoesNotMatch (OSS error page 0002-00000201) with the server's
	// StringToSign, its tokens shown as <redacted>: every value of a token
	// header, which V1 joins.
	e := refuse(CodeSignatureDoesNotMatch, "0002-00000201",
		"The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	secrets := slices.Concat(r.Header.Values(oss.HeaderToken), r.Header.Values(oss.HeaderSecurityToken), []string{cred.SecurityToken, cred.AccessKeySecret})
	e.StringToSign = redact.New(secrets...).Lines(candidates[0])
	return e
}

// readClaim reads the header or the query form.
func readClaim(r *http.Request, version int, now time.Time) (claim, error) {
	if auth := r.Header.Get(sign.HeaderAuthorization); auth != "" {
		var c claim
		var err error
		if version == 1 {
			c, err = v1Authorization(auth)
		} else {
			c, err = v2Authorization(auth)
		}
		if err != nil {
			return claim{}, err
		}
		c.token = r.Header.Get(oss.HeaderSecurityToken)
		c.date, err = headerDate(r, now)
		return c, err
	}
	q := r.URL.Query()
	params := urlParams[version]
	for _, name := range params {
		if q.Get(name) == "" {
			ec := v2URLECs[name][1]
			if !q.Has(name) {
				ec = v2URLECs[name][0]
			}
			return claim{}, refuse(CodeAccessDenied, ec, "A V"+strconv.Itoa(version)+" signed URL needs "+
				params[0]+", "+params[1]+" and "+params[2]+" in its query: "+name+" is missing or empty.")
		}
	}
	c := claim{id: q.Get(params[0]), date: q.Get(params[1]), sig: q.Get(params[2]), token: q.Get(querySecurityToken), query: true}
	// OSS documents no maximum expiry for V1 or V2.
	secs, err := strconv.ParseInt(c.date, 10, 64)
	if err != nil || secs <= 0 {
		return claim{}, refuse(CodeAccessDenied, "", params[1]+" must be a time in Unix seconds.")
	}
	if now.After(time.Unix(secs, 0)) {
		return claim{}, refuse(CodeAccessDenied, "", "Request has expired: sign the URL again with a later "+params[1]+".")
	}
	if version == 2 {
		c.extra = q.Get(sign.QueryAdditionalHdrs)
		if q.Has(sign.QueryAdditionalHdrs) && c.extra == "" {
			return claim{}, badV2("0002-00000110", sign.QueryAdditionalHdrs+" is empty: leave it out, or name the headers signed.")
		}
	}
	return c, nil
}

// v1Authorization reads "OSS <id>:<sig>".
func v1Authorization(auth string) (claim, error) {
	id, sig, ok := strings.Cut(strings.TrimPrefix(auth, "OSS "), ":")
	if !ok || id == "" || sig == "" {
		return claim{}, refuse(CodeInvalidArgument, "", "Authorization must be \"OSS <AccessKeyId>:<Signature>\" for OSS signature V1.")
	}
	return claim{id: id, sig: sig}, nil
}

// maxSkew is OSS's RequestTimeTooSkewed bound (OSS error page 0002-00000504).
const maxSkew = 15 * time.Minute

// headerDate returns the Date (or, without one, x-oss-date) of a V1 or V2
// header form: RFC 1123, within maxSkew of now (EC 0002-00000503 missing,
// 0002-00000502 malformed, 0002-00000504 skewed).
func headerDate(r *http.Request, now time.Time) (string, error) {
	date := cmp.Or(r.Header.Get(sign.HeaderDate), r.Header.Get(sign.HeaderOSSDate))
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
		msg = "The security token came in the " + oss.HeaderSecurityToken + " header, but a V1 or V2 signed URL carries it in the security-token query parameter: put it there and sign it."
	}
	return cred, refuse("InvalidSecurityToken", "", msg)
}

func same(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
