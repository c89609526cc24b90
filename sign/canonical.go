package sign

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/wgor-dev/wgor/internal/oss"
)

// request is what a signature covers, as Sign, Presign and Verify gather it.
type request struct {
	method      string
	bucket, key string      // the canonical URI, not the URL's path
	query, skip string      // the raw query as sent; a parameter not signed (Verify's x-oss-signature)
	header      http.Header // the headers as sent, checked by checkHeaders
	additional  []string    // the additional headers, as listed
}

// canonicalRequest appends to b the METHOD, URI, QUERY, HEADERS, ADDITIONAL
// and the payload hash, a line each (OSS "Signature version 4"; official
// signer oss/signer/v4.go, calcCanonicalRequest). An empty method is GET,
// what net/http sends; the payload hash is UNSIGNED-PAYLOAD, the only one OSS
// accepts (EC 0002-00000214).
func canonicalRequest(b []byte, r *request) []byte {
	b = append(b, cmp.Or(r.method, http.MethodGet)...)
	b = appendCanonicalURI(append(b, '\n'), r.bucket, r.key)
	b = appendCanonicalQuery(append(b, '\n'), r.query, r.skip)
	b = appendCanonicalHeaders(append(b, '\n'), r.header, r.additional) // each line ends with '\n'
	b = append(append(b, '\n'), strings.Join(r.additional, ";")...)
	return append(append(b, '\n'), UnsignedPayload...)
}

// appendCanonicalURI appends "/bucket/key" ("/key" without a bucket), every
// byte percent-encoded but RFC 3986's unreserved characters and '/'.
func appendCanonicalURI(b []byte, bucket, key string) []byte {
	const hex = "0123456789ABCDEF"
	path := "/" + key
	if bucket != "" {
		path = "/" + bucket + "/" + key
	}
	for i := range len(path) {
		if c := path[i]; 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~/", c) >= 0 {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return b
}

// appendCanonicalQuery appends the parameters but skip, sorted by name,
// "k=v" ("k" for an empty value) joined by '&', encoded as sent but '+' as
// %20. A repeated name carries its last value each time: the official signer
// keeps one value a name, in a map.
func appendCanonicalQuery(b []byte, raw, skip string) []byte {
	params := make([][2]string, 0, 8)
	for kv := range strings.SplitSeq(strings.ReplaceAll(raw, "+", "%20"), "&") {
		if k, v, _ := strings.Cut(kv, "="); kv != "" && (skip == "" || k != skip) {
			params = append(params, [2]string{k, v})
		}
	}
	slices.SortStableFunc(params, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	start := len(b)
	for i, p := range params {
		for j := i + 1; j < len(params) && params[j][0] == p[0]; j++ {
			p[1] = params[j][1] // the last value of the name
		}
		if len(b) > start { // "=" alone adds nothing, as in the official signer
			b = append(b, '&')
		}
		if b = append(b, p[0]...); p[1] != "" {
			b = append(append(b, '='), p[1]...)
		}
	}
	return b
}

// appendCanonicalHeaders appends "name:value\n" for each signed header that
// has a value: names lower-cased and sorted, values trimmed and joined by
// ','. Keys equal but for case are one header, their values in the order of
// the keys as written: net/http sends them so (Header.Write sorts keys) and
// the server joins them.
func appendCanonicalHeaders(b []byte, h http.Header, additional []string) []byte {
	signed := make([]string, 0, 16)
	for k, vs := range h {
		if len(vs) > 0 && isSigned(k, additional) {
			signed = append(signed, k)
		}
	}
	slices.Sort(signed)                         // as written, then
	slices.SortStableFunc(signed, compareLower) // as lower-cased, ties as written
	for i, k := range signed {
		if i > 0 && compareLower(k, signed[i-1]) == 0 {
			b[len(b)-1] = ',' // the same header under another key: one line
		} else {
			b = append(appendLower(b, k), ':')
		}
		for _, v := range h[k] {
			b = append(append(b, strings.TrimSpace(v)...), ',')
		}
		b[len(b)-1] = '\n'
	}
	return b
}

// compareLower compares a and b as lower-cased. Names are HTTP tokens, ASCII
// (checkHeader), so lower-casing is ASCII's.
func compareLower(a, b string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] && lower(a[i]) != lower(b[i]) {
			return int(lower(a[i])) - int(lower(b[i]))
		}
	}
	return len(a) - len(b)
}

func appendLower(b []byte, s string) []byte {
	for i := range len(s) {
		b = append(b, lower(s[i]))
	}
	return b
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// isSigned reports whether a header is signed: by default (x-oss-*,
// Content-Type, Content-MD5), or named in additional, in any case (Verify's
// list is as the client sent it).
func isSigned(name string, additional []string) bool {
	return signedByDefault(name) || slices.ContainsFunc(additional, func(n string) bool { return strings.EqualFold(n, name) })
}

func signedByDefault(name string) bool {
	return len(name) >= 6 && strings.EqualFold(name[:6], "x-oss-") ||
		strings.EqualFold(name, "content-type") || strings.EqualFold(name, "content-md5")
}

// additionalHeaders is the names asked for that the defaults do not cover
// and h carries with a value, but Authorization (the signature replaces it),
// lower-cased and sorted; a repeated name stays repeated, as in the official
// signer.
func additionalHeaders(h http.Header, want []string) []string {
	var names []string
	for _, n := range want {
		if l := strings.ToLower(n); h.Get(n) != "" && !signedByDefault(l) && l != "authorization" {
			names = append(names, l)
		}
	}
	slices.Sort(names)
	return names
}

// checkHeaders refuses a header of h that checkHeader refuses, but those
// named in own, in any spelling (Sign replaces them); it returns the keys of
// those spelled otherwise than in own, for set to remove.
func checkHeaders(h http.Header, own [][2]string) (respelled []string, err error) {
	for k, vs := range h {
		switch i := slices.IndexFunc(own, func(f [2]string) bool { return f[0] == k || len(f[0]) == len(k) && strings.EqualFold(f[0], k) }); {
		case i < 0:
			if err := checkHeader(k, vs); err != nil {
				return nil, err
			}
		case own[i][0] != k:
			respelled = append(respelled, k)
		}
	}
	return respelled, nil
}

// checkHeader refuses a name that is not an HTTP token, the only names
// net/http sends (RFC 9110, field-name), and a control character in a value
// (oss.ValidValue), which would split a line of the canonical request or of
// the request on the wire.
func checkHeader(name string, values []string) error {
	switch {
	case !oss.ValidName(name):
		return invalid("a header name is not an HTTP token: " + quote(name))
	case slices.ContainsFunc(values, func(v string) bool { return !oss.ValidValue(v) }):
		return invalid("value of header " + quote(name) + " contains a control character")
	}
	return nil
}

// quote quotes a header name for an error message, cut short against log floods.
func quote(name string) string { return strconv.Quote(name[:min(len(name), 64)]) }
