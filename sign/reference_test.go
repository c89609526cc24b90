package sign_test

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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

func TestCanonicalRequestMatchesReference(t *testing.T) {
	fwd := [][2]string{
		{"X-Oss-Request-Route", testRoute},
		{"X-Oss-Request-Token", "OSSV1#abc="},
		{"X-Oss-Fwd-Status", "200"},
		{"X-Oss-Fwd-Header-Content-Type", "image/png"},
		{"X-Oss-Fwd-Header-Content-Length", "42"},
		{"X-Oss-Fwd-Header-Content-Range", "bytes 0-41/100"},
		{"X-Oss-Fwd-Header-Content-Language", "en"},
		{"X-Oss-Fwd-Header-Cache-Control", "no-cache"},
		{"X-Oss-Fwd-Header-Etag", `"abc"`},
		{"User-Agent", "wgor"},
	}
	cases := []struct {
		name       string
		headers    [][2]string
		additional []string
		token      bool
	}{
		{"write get object response", fwd, nil, true},
		{"no token", fwd, nil, false},
		{"empty", nil, nil, true},
		{"case variants are one header", [][2]string{{"X-Oss-Meta-A", "1"}, {"x-oss-meta-a", "2"}, {"X-OSS-META-A", " 3 "}}, nil, true},
		{"variants of the signer's own", [][2]string{{"x-oss-date", "19700101T000000Z"}, {"X-OSS-SECURITY-TOKEN", "old"}, {"x-oss-content-sha256", "abc"}}, nil, true},
		{"caller's payload hash", [][2]string{{"X-Oss-Content-Sha256", "e3b0c442"}}, nil, true},
		{"names without values", [][2]string{{"X-Oss-Meta-E", noValues}, {"Range", noValues}, {"x-oss-meta-f", noValues}, {"X-Oss-Meta-F", "1"}},
			[]string{"range"}, true},
		{"long names sharing prefixes", [][2]string{
			{"X-Oss-Meta-Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "a"},
			{"X-Oss-Meta-Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "b"},
			{"X-Oss-Meta-Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0", "c"},
			{"X-Oss-Meta-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "d"},
			{"X-Oss-Meta-", "e"},
			{"X-Oss-", "f"},
			{"X-Oss", "unsigned"},
		}, nil, true},
		{"non-ASCII names", [][2]string{{"X-Oss-Meta-Ünï", "1"}, {"x-oss-meta-ünï", "2"}, {"X-Oss-Meta-\u212a", "kelvin"}, {"Content-\u0130", "x"}}, nil, true},
		{"content headers", [][2]string{{"Content-Type", " text/plain "}, {"Content-Md5", "abc"}, {"Content-Length", "3"}, {"content-type", "second"}}, nil, true},
		{"additional", [][2]string{{"Host", "b.example"}, {"Range", "bytes=0-1"}, {"If-Match", ""}, {"Date", "Mon"}, {"Authorization", "old"}},
			[]string{"range", "Host", "if-match", "Date", "authorization", "x-oss-fwd-status", "absent", "RANGE"}, true},
		{"empty and spaced values", [][2]string{{"X-Oss-Meta-E", ""}, {"X-Oss-Meta-S", " \t "}, {"X-Oss-Meta-T", "\ta b\t"}}, nil, true},
		{"bad value signed", [][2]string{{"X-Oss-Meta-A", "a\r\nb"}}, nil, true},
		{"bad value hidden by trimming", [][2]string{{"X-Oss-Meta-A", "a\n"}}, nil, true},
		{"bad value unsigned", [][2]string{{"User-Agent", "a\x00"}}, nil, true},
		{"bad name", [][2]string{{"X-Oss-Meta-\nA", "a"}}, nil, true},
		{"bad value replaced", [][2]string{{"Authorization", "a\nb"}, {"Date", "\r"}, {"X-Oss-Date", "\n"}}, nil, true},
		{"bad value in a variant of the signer's own", [][2]string{{"x-oss-date", "\n"}}, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkAgainstReference(t, "PUT", "dir/file name+1.png", "b=2&a=1&a=3&acl&x=%2F+y", c.headers, c.additional, c.token)
		})
	}
	// Many signed headers take the sorting path for long lists.
	var many [][2]string
	for i := range 40 {
		many = append(many, [2]string{"X-Oss-Meta-" + strings.Repeat("k", 40-i), "v"})
	}
	checkAgainstReference(t, "GET", "", "", many, nil, true)
}

func TestReferenceAgreesWithGoldenVectors(t *testing.T) {
	// The reference itself is checked against the official signer's output.
	for _, v := range loadVectors(t) {
		if v.Presign {
			continue
		}
		req, o := v.request(t)
		orig := req.Header.Clone()
		tr := &sign.Trace{}
		o.Trace = tr
		require.NoError(t, sign.Sign(req, o), v.Name)
		want, refused := refSign(orig, req.Method, req.URL.RawQuery, o, req.Header)
		assert.False(t, refused, v.Name)
		assert.Equal(t, v.CanonicalRequest, want, v.Name)
	}
}

// FuzzCanonicalRequest compares the canonical request with the reference on
// arbitrary headers, including keys that net/http would not canonicalise.
// headers is "name:value" lines, a line without ':' being a name without
// values; additional is ';'-separated.
func FuzzCanonicalRequest(f *testing.F) {
	f.Add("POST", "", "x-oss-write-get-object-response", "X-Oss-Request-Route:r\nX-Oss-Fwd-Header-Content-Type:image/png\nx-oss-fwd-header-content-type: b ", "", true)
	f.Add("GET", "a b/c", "a=1&a=2&b", "Content-Type:t\nRange:bytes=0-1\nHost:h\nDate:d", "range;host;date;Authorization", false)
	f.Add("PUT", "k", "", "X-OSS-META-ÜNÏ:1\nx-oss-meta-ünï:2\nX-Oss-Date:x\nx-oss-date:y", "", true)
	f.Fuzz(func(t *testing.T, method, key, rawQuery, headers, additional string, token bool) {
		var hs [][2]string
		for _, line := range strings.Split(headers, "\n") {
			name, value, ok := strings.Cut(line, ":")
			if !ok {
				value = noValues
			}
			hs = append(hs, [2]string{name, value})
		}
		var add []string
		if additional != "" {
			add = strings.Split(additional, ";")
		}
		for _, n := range add {
			if n == "" || strings.ContainsFunc(n, func(r rune) bool {
				return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_|~\x60", r))
			}) {
				return // not a header name: Sign refuses it, as other tests check
			}
		}
		checkAgainstReference(t, method, key, rawQuery, hs, add, token)
	})
}
