package accesspoint

import (
	"crypto/sha256"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/sign"
)

// OSS Signature V2, the server's half, which OSS accepts and older SDKs and
// Node's clients send. OSS's reference documents only V1 and V4: V2 follows
// OSS's V2 error pages (0002-00000102 to 0002-00000118) and the SDKs' V2
// signers: aliyun-oss-go-sdk oss/auth.go (signHeader, getSignedStr) and
// oss/conn.go (getResource, signURL); oss2/auth.py (ProviderAuthV2).
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
const (
	v2QueryAccessKeyID = "x-oss-access-key-id"
	v2QueryExpires     = "x-oss-expires"
	v2QuerySignature   = "x-oss-signature"
	v2QueryAdditional  = "x-oss-additional-headers"
	v2Version          = "OSS2"
)

// isV2 reports whether r claims OSS Signature V2.
func isV2(r *http.Request) bool {
	if auth := r.Header.Get(sign.HeaderAuthorization); auth != "" {
		return strings.HasPrefix(auth, v2Version+" ")
	}
	return r.URL.Query().Get(sign.QuerySignatureVersion) == v2Version
}

// verifyV2 checks the V2 signature of r; a refusal is a *sign.VerifyError.
func verifyV2(r *http.Request, o v1Options) error {
	c, extra, err := v2Claim(r, o)
	if err != nil {
		return err
	}
	names, err := additionalHeaders(r, extra)
	if err != nil {
		return err
	}
	cred, err := o.credentials(r, c)
	if err != nil {
		return err
	}
	sts := v2StringToSign(r, c.date, names, o)
	if matches(sha256.New, cred.AccessKeySecret, sts, c.sig) {
		return nil
	}
	return mismatch(r, cred, sts)
}

// v2Claim reads the header or query form, and the additional headers.
func v2Claim(r *http.Request, o v1Options) (c claim, extra string, err error) {
	if auth := r.Header.Get(sign.HeaderAuthorization); auth != "" {
		f, err := v2Fields(strings.TrimPrefix(auth, v2Version+" "))
		if err != nil {
			return claim{}, "", err
		}
		date, err := headerDate(r, o.now)
		return claim{id: f["AccessKeyId"], sig: f["Signature"], date: date, token: r.Header.Get(oss.HeaderSecurityToken)},
			f["AdditionalHeaders"], err
	}
	q := r.URL.Query()
	for _, p := range []struct{ name, missing, empty string }{
		{v2QueryAccessKeyID, "", "0002-00000116"},
		{v2QueryExpires, "0002-00000113", ""},
		{v2QuerySignature, "0002-00000117", "0002-00000118"},
	} {
		if q.Get(p.name) == "" {
			ec := p.empty
			if !q.Has(p.name) {
				ec = p.missing
			}
			return claim{}, "", refuse(CodeAccessDenied, ec,
				"A V2 signed URL needs x-oss-access-key-id, x-oss-expires and x-oss-signature in its query: "+p.name+" is missing or empty.")
		}
	}
	c = claim{id: q.Get(v2QueryAccessKeyID), sig: q.Get(v2QuerySignature), date: q.Get(v2QueryExpires),
		token: q.Get(querySecurityToken), query: true}
	if err := checkExpires(c.date, v2QueryExpires, o.now); err != nil {
		return claim{}, "", err
	}
	if q.Has(v2QueryAdditional) && q.Get(v2QueryAdditional) == "" {
		return claim{}, "", badV2("0002-00000110", v2QueryAdditional+" is empty: leave it out, or name the headers signed.")
	}
	return c, q.Get(v2QueryAdditional), nil
}

func badV2(ec, msg string) error {
	return refuse(CodeInvalidArgument, ec, "Authorization is not a V2 signature, \"OSS2 AccessKeyId:<id>[,AdditionalHeaders:<a;b>],Signature:<sig>\": "+msg)
}

// v2Fields reads the fields of a V2 Authorization header, each refusal with
// the EC of OSS's page for it.
func v2Fields(info string) (map[string]string, error) {
	items := strings.Split(info, ",")
	if len(items) < 2 || len(items) > 3 || slices.Contains(items, "") {
		return nil, badV2("0002-00000102", "it must have two or three fields, separated by ','.")
	}
	f := make(map[string]string, len(items))
	for _, item := range items {
		k, v, ok := strings.Cut(item, ":")
		switch _, dup := f[k]; {
		case !ok:
			return nil, badV2("0002-00000103", "each field is key:value.")
		case k != "AccessKeyId" && k != "AdditionalHeaders" && k != "Signature":
			return nil, badV2("0002-00000104", "the fields are AccessKeyId, AdditionalHeaders and Signature.")
		case dup:
			return nil, badV2("0002-00000102", k+" is sent twice.")
		}
		f[k] = v
	}
	id, hasID := f["AccessKeyId"]
	sig, hasSig := f["Signature"]
	extra, hasExtra := f["AdditionalHeaders"]
	for _, check := range []struct {
		bad      bool
		ec, what string
	}{
		{!hasID, "0002-00000105", "AccessKeyId is missing."},
		{hasID && id == "", "0002-00000106", "AccessKeyId is empty."},
		{strings.ContainsAny(id, " \t\r\n"), "0002-00000107", "AccessKeyId holds a space or a control character."},
		{!hasSig, "0002-00000108", "Signature is missing."},
		{hasSig && sig == "", "0002-00000109", "Signature is empty."},
		{hasExtra && extra == "", "0002-00000110", "AdditionalHeaders is empty: leave it out, or name the headers signed."},
	} {
		if check.bad {
			return nil, badV2(check.ec, check.what)
		}
	}
	return f, nil
}

// additionalHeaders checks the names of AdditionalHeaders: none empty (EC
// 0002-00000111), each sent (EC 0002-00000112, which refuses '_' too). It
// returns them in lower case.
func additionalHeaders(r *http.Request, list string) ([]string, error) {
	if list == "" {
		return nil, nil
	}
	names := strings.Split(strings.ToLower(list), ";")
	for _, n := range names {
		switch {
		case n == "":
			return nil, badV2("0002-00000111", "AdditionalHeaders names an empty header.")
		case strings.Contains(n, "_") || headerValue(r, n) == "" && len(r.Header.Values(n)) == 0:
			return nil, badV2("0002-00000112", "AdditionalHeaders names "+strconv.Quote(clip(n, 64))+", which the request does not send.")
		}
	}
	return names, nil
}

// headerValue is the first value of the header name; Host is r.Host.
func headerValue(r *http.Request, name string) string {
	if name == "host" {
		return r.Host
	}
	return r.Header.Get(name)
}

// v2StringToSign: the first value of each header, untrimmed; the resource
// URI-encoded with every query parameter but the signature.
func v2StringToSign(r *http.Request, date string, extra []string, o v1Options) string {
	var b strings.Builder
	b.WriteString(stringToSignStart(r, date))
	names := sortedNames(r.Header, extra)
	if slices.Contains(extra, "host") {
		names = slices.Compact(slices.Sorted(slices.Values(append(names, "host"))))
	}
	for _, name := range names {
		b.WriteString(name + ":" + headerValue(r, name) + "\n")
	}
	b.WriteString(strings.Join(slices.Sorted(slices.Values(extra)), ";") + "\n")
	path := "/"
	if o.bucket != "" {
		path = "/" + o.bucket + "/" + o.key
	}
	q := r.URL.Query()
	values := make(map[string]string, len(q))
	var keys []string
	for k := range q {
		if k != v2QuerySignature {
			keys = append(keys, v2Encode(k))
			values[v2Encode(k)] = v2Encode(q.Get(k))
		}
	}
	b.WriteString(resource(v2Encode(path), keys, func(k string) string { return values[k] }))
	return b.String()
}

// v2Encode percent-encodes all but A-Z a-z 0-9 - _ . ~ (oss2's
// v2_uri_encode; the Go SDK's url.QueryEscape with '+' as %20).
func v2Encode(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
