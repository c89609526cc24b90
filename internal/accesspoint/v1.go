package accesspoint

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wgor-dev/wgor/sign"
)

// OSS Signature V1, the server's half. wgor never signs with V1; the
// emulator verifies it because OSS still accepts it and the SDKs of the
// seed's Python and Java examples, and the older Go SDK by default, send it.
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
// form (Node's ali-oss, which cannot set Date in a browser, sends that and
// signs it in the Date position). In the query form, the query carries
// OSSAccessKeyId, Expires (Unix seconds, signed in the Date position),
// Signature and, for STS, security-token.

// V1 query parameters (OSS "Include signatures in URLs").
const (
	v1QueryAccessKeyID   = "OSSAccessKeyId"
	v1QueryExpires       = "Expires"
	v1QuerySignature     = "Signature"
	v1QuerySecurityToken = "security-token"
	subresourceWGOR      = "x-oss-write-get-object-response"
)

// v1Subresources are the query parameters signed in the canonical resource:
// the list of OSS's V1 reference, as the older Go SDK carries it
// (signKeyList in oss/conn.go, v3.0.2), which holds security-token.
// Parameters whose name starts with x-oss- are signed too, as the Go SDK v2
// does (oss/signer/v1.go) — except that x-oss-write-get-object-response is
// accepted either way, because the older Go SDK leaves it out.
var v1Subresources = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`acl uploads location cors logging website referer lifecycle
		delete append tagging objectMeta uploadId partNumber security-token position img style
		styleName replication replicationProgress replicationLocation cname bucketInfo comp qos
		live status vod startTime endTime symlink response-content-type response-content-language
		response-expires response-cache-control response-content-disposition
		response-content-encoding udf udfName udfImage udfId udfImageDesc udfApplication
		udfApplicationLog restore callback callback-var qosInfo policy stat encryption versions
		versioning versionId requestPayment sequential inventory inventoryId continuation-token
		asyncFetch worm wormId wormExtend withHashContext transferAcceleration regionList
		cloudboxes metaQuery resourceGroup rtc responseHeader`) {
		v1Subresources[k] = true
	}
}

// isV1 reports whether r is signed, or claims to be signed, with V1.
func isV1(r *http.Request) bool {
	if auth := r.Header.Get(sign.HeaderAuthorization); auth != "" {
		return strings.HasPrefix(auth, "OSS ")
	}
	q := r.URL.Query()
	return !q.Has(sign.QuerySignature) && (q.Has(v1QuerySignature) || q.Has(v1QueryAccessKeyID))
}

// v1Options describe the server that checks a V1 signature.
type v1Options struct {
	bucket, key string // the canonical resource; both empty for "/"
	lookup      func(accessKeyID string) (sign.Credentials, bool)
	now         time.Time
	maxSkew     time.Duration // zero: 15 minutes
}

func v1Refuse(code, msg string) *sign.VerifyError { return &sign.VerifyError{Code: code, Message: msg} }

// OSS's detailed error codes for the V1 refusals that have one, each with
// its page https://www.alibabacloud.com/help/en/oss/support/<EC> (the same
// that sign.Verify reports for V4).
const (
	ecSignatureDoesNotMatch = "0002-00000201"
	ecBadDateFormat         = "0002-00000502" // Date not GMT
	ecNoDate                = "0002-00000503" // neither x-oss-date nor Date
	ecTimeTooSkewed         = "0002-00000504" // request time too far from now
)

func v1RefuseEC(code, ec, msg string) *sign.VerifyError {
	return &sign.VerifyError{Code: code, EC: ec, Message: msg}
}

// verifyV1 checks the V1 signature of r, in its Authorization header or its
// query. A refusal is a *sign.VerifyError, with the server's StringToSign
// for SignatureDoesNotMatch.
func verifyV1(r *http.Request, o v1Options) error {
	q := r.URL.Query()
	var id, sig, date, token string
	if auth := r.Header.Get(sign.HeaderAuthorization); auth != "" {
		var ok bool
		id, sig, ok = strings.Cut(strings.TrimPrefix(auth, "OSS "), ":")
		if !ok || id == "" || sig == "" {
			return v1Refuse(CodeInvalidArgument, "Authorization must be \"OSS <AccessKeyId>:<Signature>\" for OSS signature V1.")
		}
		// The request time is the text signed in the Date position: Date,
		// or x-oss-date when there is no Date (Node's ali-oss).
		if date = r.Header.Get("Date"); date == "" {
			date = r.Header.Get(sign.HeaderOSSDate)
		}
		if date == "" {
			return v1RefuseEC(CodeAccessDenied, ecNoDate, "A V1 signature needs the Date header (or x-oss-date) in RFC 1123 form, such as \"Tue, 01 Dec 2026 12:00:00 GMT\": send one.")
		}
		t, err := time.Parse(http.TimeFormat, date)
		if err != nil {
			return v1RefuseEC(CodeAccessDenied, ecBadDateFormat, "The Date header (or x-oss-date) of a V1 signature must be in RFC 1123 form, such as \"Tue, 01 Dec 2026 12:00:00 GMT\".")
		}
		// More than 15 minutes off is RequestTimeTooSkewed: OSS's 403 error
		// page and EC 0002-00000504, which hold for every signature version.
		skew := o.maxSkew
		if skew == 0 {
			skew = 15 * time.Minute
		}
		if d := o.now.Sub(t); d > skew || d < -skew {
			return v1RefuseEC(CodeRequestTimeTooSkewed, ecTimeTooSkewed, "The difference between the request time and the current time is too large: sign with the current time (the emulator allows "+skew.String()+").")
		}
		token = r.Header.Get(sign.HeaderSecurityToken)
	} else {
		id, sig, date = q.Get(v1QueryAccessKeyID), q.Get(v1QuerySignature), q.Get(v1QueryExpires)
		if id == "" || sig == "" || date == "" {
			return v1Refuse(CodeAccessDenied, "A V1 signed URL needs OSSAccessKeyId, Expires and Signature in its query.")
		}
		// Expires is when the URL stops working, in Unix seconds ("Include
		// signatures in URLs"); OSS documents no maximum for V1, so there
		// is none here.
		secs, err := strconv.ParseInt(date, 10, 64)
		if err != nil || secs <= 0 {
			return v1Refuse(CodeAccessDenied, "Expires must be a time in Unix seconds.")
		}
		if o.now.After(time.Unix(secs, 0)) {
			return v1Refuse(CodeAccessDenied, "Request has expired: sign the URL again with a later Expires.")
		}
		token = q.Get(v1QuerySecurityToken)
	}
	cred, ok := o.lookup(id)
	if !ok || cred.AccessKeySecret == "" {
		return v1Refuse("InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.")
	}
	if cred.SecurityToken != "" && subtle.ConstantTimeCompare([]byte(cred.SecurityToken), []byte(token)) != 1 {
		return v1Refuse("InvalidSecurityToken", "The security token you provided is invalid.")
	}

	prefix := r.Method + "\n" + r.Header.Get("Content-Md5") + "\n" + r.Header.Get("Content-Type") + "\n" +
		date + "\n" + v1Headers(r.Header)
	with, without := v1Resource(o.bucket, o.key, q)
	var first string
	for _, resource := range []string{with, without} {
		sts := prefix + resource
		mac := hmac.New(sha1.New, []byte(cred.AccessKeySecret))
		mac.Write([]byte(sts))
		want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		if subtle.ConstantTimeCompare([]byte(want), []byte(sig)) == 1 {
			return nil
		}
		if first == "" {
			first = sts
		}
		if with == without {
			break
		}
	}
	e := v1RefuseEC(CodeSignatureDoesNotMatch, ecSignatureDoesNotMatch, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	e.StringToSign = redactV1(first)
	return e
}

// redacted stands for a token in a V1 StringToSign sent back to a client.
const redacted = "<redacted>"

// redactV1 hides the tokens that a V1 string to sign holds in clear — the
// security token and the request token among the x-oss-* headers, the
// security-token sub-resource — so that an error body never carries them.
// The rest stays as the server computed it, for comparison.
func redactV1(sts string) string {
	lines := strings.Split(sts, "\n")
	for i, line := range lines {
		name, _, ok := strings.Cut(line, ":")
		if ok && (name == "x-oss-security-token" || name == "x-oss-request-token") {
			lines[i] = name + ":" + redacted
		}
	}
	last := lines[len(lines)-1] // the canonical resource
	if path, query, ok := strings.Cut(last, "?"); ok {
		params := strings.Split(query, "&")
		for i, p := range params {
			if strings.HasPrefix(p, v1QuerySecurityToken+"=") {
				params[i] = v1QuerySecurityToken + "=" + redacted
			}
		}
		lines[len(lines)-1] = path + "?" + strings.Join(params, "&")
	}
	return strings.Join(lines, "\n")
}

// v1Headers is CanonicalizedOSSHeaders: every x-oss-* header, its name in
// lower case, sorted, "name:value\n", the values trimmed and a repeated
// header's values joined with ',' (as the Go SDK v2 does).
func v1Headers(h http.Header) string {
	var names []string
	for name := range h {
		if strings.HasPrefix(strings.ToLower(name), "x-oss-") {
			names = append(names, name)
		}
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	var b strings.Builder
	for _, name := range names {
		b.WriteString(strings.ToLower(name))
		b.WriteByte(':')
		for i, v := range h[name] {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strings.TrimSpace(v))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// v1Resource is CanonicalizedResource with and without the
// x-oss-write-get-object-response sub-resource (equal when it is not in
// the query): "/" or "/bucket/key", then "?" and the signed parameters,
// sorted, "k=v" or "k" for an empty value, joined by '&', their values
// decoded.
func v1Resource(bucket, key string, q url.Values) (with, without string) {
	base := "/"
	if bucket != "" {
		base += bucket + "/" + key
	}
	var names []string
	for k := range q {
		if v1Subresources[k] || strings.HasPrefix(k, "x-oss-") {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	build := func(skip string) string {
		var b strings.Builder
		b.WriteString(base)
		sep := byte('?')
		for _, k := range names {
			if k == skip {
				continue
			}
			b.WriteByte(sep)
			sep = '&'
			b.WriteString(k)
			if v := q.Get(k); v != "" {
				b.WriteByte('=')
				b.WriteString(v)
			}
		}
		return b.String()
	}
	return build(""), build(subresourceWGOR)
}
