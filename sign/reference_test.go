package sign_test

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/sign"
)

// The reference below restates the canonical request of SPEC.md as plainly
// as possible, with no regard for speed. The signer's canonicaliser is
// written for speed; these tests hold it to the reference on every input.

// refUnreserved reports whether c stays as it is in the canonical URI.
func refUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("-._~/", c) >= 0
}

func refEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if refUnreserved(s[i]) {
			b.WriteByte(s[i])
		} else {
			b.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[s[i]>>4])+string("0123456789abcdef"[s[i]&15])))
		}
	}
	return b.String()
}

func refQuery(raw string) string {
	raw = strings.ReplaceAll(raw, "+", "%20")
	type param struct{ k, v string }
	var ps []param
	for _, kv := range strings.Split(raw, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		ps = append(ps, param{k, v})
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].k < ps[j].k })
	last := map[string]string{}
	for _, p := range ps {
		last[p.k] = p.v
	}
	// As the official signer writes it, '&' goes only after something:
	// a parameter with an empty name and value ("=") first adds nothing.
	var b strings.Builder
	for _, p := range ps {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		if v := last[p.k]; v != "" {
			b.WriteString("=" + v)
		}
	}
	return b.String()
}

func refDefaultSigned(lower string) bool {
	return strings.HasPrefix(lower, "x-oss-") || lower == "content-type" || lower == "content-md5"
}

// refAdditional lower-cases and sorts the names asked for, dropping those
// signed anyway, Authorization, and those the request lacks; Date counts as
// present, since Sign sets it.
func refAdditional(h http.Header, names []string) []string {
	var out []string
	for _, n := range names {
		l := strings.ToLower(n)
		if refDefaultSigned(l) || l == "authorization" || h.Get(l) == "" && l != "date" {
			continue
		}
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// refHeaders is "name:value\n" for every signed header of h: map keys
// equal but for case are one header, taken in the order of the keys as
// written; every value is trimmed; values are joined with ','.
func refHeaders(h http.Header, additional []string) string {
	groups := map[string][]string{}
	for k := range h {
		l := strings.ToLower(k)
		if refDefaultSigned(l) || slices.Contains(additional, l) {
			groups[l] = append(groups[l], k)
		}
	}
	var names []string
	for l := range groups {
		names = append(names, l)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, l := range names {
		keys := groups[l]
		sort.Strings(keys)
		var vals []string
		for _, k := range keys {
			for _, v := range h[k] {
				vals = append(vals, strings.TrimSpace(v))
			}
		}
		b.WriteString(l + ":" + strings.Join(vals, ",") + "\n")
	}
	return b.String()
}

func refCanonicalRequest(method, bucket, key, rawQuery string, h http.Header, additional []string, payload string) string {
	if method == "" {
		method = "GET"
	}
	uri := "/" + refEscape(key)
	if bucket != "" {
		uri = "/" + refEscape(bucket) + "/" + refEscape(key)
	}
	return method + "\n" + uri + "\n" + refQuery(rawQuery) + "\n" + refHeaders(h, additional) + "\n" +
		strings.Join(additional, ";") + "\n" + payload
}

// refBad reports a control character but a tab, which would split a header
// line or end it (RFC 9110, field-value).
func refBad(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f })
}

// refBadName: a header name must be an HTTP token (RFC 9110), the only
// names net/http sends.
func refBadName(k string) bool {
	return k == "" || strings.ContainsFunc(k, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_|~\x60", r))
	})
}

// refSign predicts what Sign does with req: the canonical request, or
// refused when a header that stays in the request or the query holds a
// control character. signed is req after Sign, for the values Sign chose (the time).
//
// Sign sets x-oss-date, x-oss-content-sha256 (always UNSIGNED-PAYLOAD),
// Date, Authorization and, for STS, x-oss-security-token, in place of every
// header of the same name in any case, which it removes, so they are not
// checked; a name with no values is not sent, so it is not signed.
func refSign(orig http.Header, method, rawQuery string, o *sign.Options, signed http.Header) (canonical string, refused bool) {
	additional := refAdditional(orig, o.AdditionalHeaders)
	own := map[string]string{
		"x-oss-date":           signed.Get(sign.HeaderOSSDate),
		"x-oss-content-sha256": sign.UnsignedPayload,
	}
	replaced := []string{sign.HeaderOSSDate, sign.HeaderDate, sign.HeaderAuthorization, sign.HeaderContentSHA256}
	if tok := o.Credentials.SecurityToken; tok != "" {
		own["x-oss-security-token"] = tok
		replaced = append(replaced, sign.HeaderSecurityToken)
	}
	if slices.Contains(additional, "date") {
		own["date"] = signed.Get(sign.HeaderDate)
	}
	h := http.Header{}
	for k, vs := range orig {
		// Names are compared as ASCII: net/http sends no others.
		if slices.ContainsFunc(replaced, func(r string) bool { return len(r) == len(k) && strings.EqualFold(r, k) }) {
			continue
		}
		refused = refused || refBadName(k)
		for _, v := range vs {
			refused = refused || refBad(v)
		}
		if len(vs) > 0 {
			h[k] = vs
		}
	}
	for l, v := range own {
		h[l] = []string{v}
	}
	refused = refused || refBad(rawQuery) || refBad(o.Credentials.SecurityToken)
	return refCanonicalRequest(method, o.Bucket, o.Key, rawQuery, h, additional, sign.UnsignedPayload), refused
}

// noValues as a header's value in checkAgainstReference makes a name with an
// empty list of values, which net/http does not send.
const noValues = "\x00no values"

// checkAgainstReference signs a request with the given headers, set under
// their keys exactly as written, and compares the canonical request with
// the reference's.
func checkAgainstReference(t *testing.T, method, key, rawQuery string, headers [][2]string, additional []string, token bool) {
	t.Helper()
	orig := http.Header{}
	for _, kv := range headers {
		if kv[1] == noValues {
			orig[kv[0]] = append(orig[kv[0]][:0:0], orig[kv[0]]...)
			continue
		}
		orig[kv[0]] = append(orig[kv[0]], kv[1])
	}
	req := &http.Request{Method: method, URL: &url.URL{Scheme: "https", Host: "b.oss-cn-qingdao.aliyuncs.com", RawQuery: rawQuery}, Header: orig.Clone()}
	creds := testCreds
	if !token {
		creds.SecurityToken = ""
	}
	tr := &sign.Trace{}
	o := &sign.Options{Credentials: creds, Region: "cn-qingdao", Time: testTime, Bucket: "b", Key: key, AdditionalHeaders: additional, Trace: tr}
	err := sign.Sign(req, o)
	want, refused := refSign(orig, method, rawQuery, o, req.Header)
	if refused {
		require.Error(t, err, "Sign accepted a request the reference refuses")
		require.True(t, errors.Is(err, sign.ErrInvalid), "refusal is not ErrInvalid: %v", err)
		return
	}
	require.NoError(t, err, "Sign refused a request the reference accepts")
	require.Equal(t, want, tr.CanonicalRequest)
	require.Equal(t, refAdditional(orig, additional), nilIfEmpty(tr.AdditionalHeaders))
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
