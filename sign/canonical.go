package sign

import (
	"bytes"
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// request is what a signature covers, as Sign, Presign and Verify gather it.
type request struct {
	method, bucket, key string
	query, skip         string // the raw query as sent; a parameter not signed (x-oss-signature, for Verify)
	header              http.Header
	set                 []header // replaces header's keys of its names in any case: Sign's, or Verify's Host
	additional          string   // the additional headers' line, a;b
	respelled           []string // keys of header that spell a name of set in another case
}

// canonicalRequest writes into st.canon, as OSS's "Signature version 4"
// reference and the official signer (oss/signer/v4.go, calcCanonicalRequest)
// build it: METHOD \n URI \n QUERY \n HEADERS \n ADDITIONAL \n PAYLOAD.
func (st *state) canonicalRequest(r *request) (err error) {
	b := append(st.canon[:0], cmp.Or(r.method, http.MethodGet)...) // empty: what net/http sends
	b = appendCanonicalURI(append(b, '\n'), r.bucket, r.key)
	b = appendCanonicalQuery(append(b, '\n'), r.query, r.skip)
	b, err = st.appendCanonicalHeaders(append(b, '\n'), r) // each line ends with '\n'
	b = append(append(b, '\n'), r.additional...)
	st.canon = append(append(b, '\n'), UnsignedPayload...) // the payload hash: OSS accepts no other
	return err
}

// appendCanonicalURI appends "/" + bucket + "/" + key, percent-encoding every
// byte but RFC 3986's unreserved characters and '/'.
func appendCanonicalURI(b []byte, bucket, key string) []byte {
	const hex = "0123456789ABCDEF"
	parts := [...]string{"/", bucket, "/", key}
	if bucket == "" {
		parts[2] = "" // "/" + key
	}
	for _, s := range parts {
		for i := 0; i < len(s); i++ {
			if c := s[i]; isUnreserved(c) || c == '/' {
				b = append(b, c)
			} else {
				b = append(b, '%', hex[c>>4], hex[c&15])
			}
		}
	}
	return b
}

// isUnreserved: RFC 3986's unreserved characters.
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// appendCanonicalQuery appends the parameters but skip, sorted by name, "k=v"
// joined by '&' ("k" for an empty value), encoded as sent but '+' as %20. A
// repeated name carries its last value each time: the official signer keeps
// one per name in a map.
func appendCanonicalQuery(b []byte, rawQuery, skip string) []byte {
	params := make([][2]string, 0, 16) // on the stack for the usual query
	for kv := range strings.SplitSeq(strings.ReplaceAll(rawQuery, "+", "%20"), "&") {
		if k, v, _ := strings.Cut(kv, "="); kv != "" && (k != skip || skip == "") {
			params = append(params, [2]string{k, v})
		}
	}
	slices.SortStableFunc(params, func(x, y [2]string) int { return strings.Compare(x[0], y[0]) })
	start := len(b)
	for i, p := range params {
		for j := i + 1; j < len(params) && params[j][0] == p[0]; j++ {
			p[1] = params[j][1]
		}
		if len(b) > start { // as the official signer: '&' only after something
			b = append(b, '&')
		}
		if b = append(b, p[0]...); p[1] != "" {
			b = append(append(b, '='), p[1]...)
		}
	}
	return b
}

// header is a header to sign: a key of the map, or one of request.set.
type header struct {
	lower  []byte // the name lower-cased, the sort key
	name   string // the key as written
	values []string
}

// before orders headers by lower-cased name, then by key as written.
func (h *header) before(o *header) bool {
	c := bytes.Compare(h.lower, o.lower)
	return c < 0 || c == 0 && h.name < o.name
}

// appendCanonicalHeaders appends "name:value\n" for each signed header, names
// lower-cased and sorted, values trimmed and joined with ','. Keys equal but for
// case are one header, values in the order of the keys as written: net/http
// sends them so (Header.Write sorts keys) and the server joins them. CR, LF and
// NUL, which would split a line here and on the wire, are refused in all.
func (st *state) appendCanonicalHeaders(b []byte, r *request) ([]byte, error) {
	hs, names := make([]header, 0, 16), st.names[:0] // hs on the stack for the usual request
	for name, values := range r.header {
		if i := setIndex(r.set, name); i >= 0 {
			if name != r.set[i].name {
				r.respelled = append(r.respelled, name)
			}
			continue
		} else if slices.ContainsFunc(values, badValue) {
			return b, invalid("value of header " + safeName(name) + " contains CR, LF or NUL")
		}
		start := len(names)
		var ok bool
		if names, ok = appendLower(names, name); !ok {
			return b, invalid("a header name contains CR, LF or NUL")
		} else if h := (header{names[start:], name, values}); isSigned(&h, r.additional) {
			hs = append(hs, h)
		}
	}
	for i := range r.set {
		if isSigned(&r.set[i], r.additional) {
			hs = append(hs, r.set[i])
		}
	}
	for i := 1; i < len(hs); i++ { // sorted by insertion: a request has few headers
		for j := i; j > 0 && hs[j].before(&hs[j-1]); j-- {
			hs[j], hs[j-1] = hs[j-1], hs[j]
		}
	}
	for i, h := range hs {
		if i > 0 && bytes.Equal(hs[i-1].lower, h.lower) {
			b[len(b)-1] = ',' // the same header under another key: one line
		} else {
			b = append(append(b, h.lower...), ':')
		}
		for _, v := range h.values {
			b = append(append(b, strings.TrimSpace(v)...), ',')
		}
		b[len(b)-1] = '\n' // isSigned: at least one value
	}
	st.names = names
	return b, nil
}

// setIndex is the index in set of the header named key in any case, or -1.
// Names are compared as ASCII: net/http sends no others (RFC 9110 tokens).
func setIndex(set []header, key string) int {
	return slices.IndexFunc(set, func(h header) bool { return key == h.name || len(key) == len(h.name) && strings.EqualFold(key, h.name) })
}

// isSigned: h has values (net/http sends no key without) and is signed by
// default (x-oss-*, Content-Type, Content-MD5) or named in the additional ones.
func isSigned(h *header, additional string) bool {
	signed := isSignedByDefault(string(h.lower))
	for rest, name := additional, ""; !signed && rest != ""; {
		name, rest, _ = strings.Cut(rest, ";")
		signed = strings.ToLower(name) == string(h.lower) // Verify's list is as the client sent it
	}
	return signed && len(h.values) > 0
}

func isSignedByDefault(lower string) bool {
	return strings.HasPrefix(lower, "x-oss-") || lower == "content-type" || lower == "content-md5"
}

// additionalHeaders is the additional headers' line: the names asked for that
// the defaults do not cover and the request carries with a value, but
// Authorization (the signature replaces it), lower-cased, sorted and joined
// with ';'; a repeated name stays repeated, as in the official signer.
func (st *state) additionalHeaders(h http.Header, set []header, want []string) string {
	names, lowered := make([][]byte, 0, 16), st.names[:0] // names on the stack for the usual list
	for _, n := range want {
		start := len(lowered)
		lowered, _ = appendLower(lowered, n) // a token: validate checked it
		if lower := string(lowered[start:]); (h.Get(n) != "" || setIndex(set, n) >= 0) && !isSignedByDefault(lower) && lower != "authorization" {
			names = append(names, lowered[start:])
		}
	}
	slices.SortFunc(names, bytes.Compare)
	line := st.out[:0]
	for _, n := range names {
		line = append(append(line, ';'), n...)
	}
	st.names, st.out = lowered, line
	return string(line[min(len(line), 1):]) // without the first ';'
}

// appendLower appends s lower-cased as strings.ToLower does, without
// allocating when s is ASCII; ok is false if s holds CR, LF or NUL.
func appendLower(b []byte, s string) (_ []byte, ok bool) {
	start, b := len(b), append(b, s...)
	for i := start; i < len(b); i++ {
		switch c := b[i]; {
		case c >= 0x80:
			return append(b[:start], strings.ToLower(s)...), !badValue(s)
		case 'A' <= c && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case c == '\r' || c == '\n' || c == 0:
			return b, false
		}
	}
	return b, true
}

// validate refuses input that cannot be signed. Messages name the field at
// fault, never a value: values may be secrets.
func validate(req *http.Request, o *Options) error {
	switch {
	case req == nil || req.URL == nil:
		return invalid("nil request, or a request with no URL")
	case o == nil:
		return invalid("nil options")
	case badValue(o.Credentials.SecurityToken):
		return invalid("security token contains CR, LF or NUL")
	case badValue(req.URL.RawQuery):
		return invalid("query contains CR, LF or NUL")
	case uint(o.Time.UTC().Year()) > 9999: // the stamps have four digits
		return invalid("time must fall in the years 0 to 9999")
	case o.Credentials.AccessKeySecret == "":
		return invalid("empty access key secret")
	}
	for _, f := range [...]struct{ name, v string }{{"access key ID", o.Credentials.AccessKeyID}, {"region", o.Region}, {"product", productOf(o.Product)}} {
		ok := f.v != "" // a Credential's field, ended by '/', ',' or a space
		for i := 0; ok && i < len(f.v); i++ {
			ok = f.v[i] > ' ' && f.v[i] != 0x7f && f.v[i] != ',' && f.v[i] != '/'
		}
		if !ok {
			return invalid(f.name + " is empty or holds a control character, a space, ',' or '/'")
		}
	}
	for _, name := range o.AdditionalHeaders {
		if name == "" || strings.ContainsFunc(name, notToken) {
			return invalid("additional header name " + safeName(name) + " is not a valid HTTP header name (RFC 9110 token)")
		}
	}
	return nil
}

// badValue reports whether s holds CR, LF or NUL. (Three IndexByte are
// several times faster than ContainsAny or a byte loop on a long token.)
func badValue(s string) bool {
	return strings.IndexByte(s, '\n') >= 0 || strings.IndexByte(s, '\r') >= 0 || strings.IndexByte(s, 0) >= 0
}

// notToken reports whether r cannot stand in an RFC 9110 token, as header names are.
func notToken(r rune) bool {
	return r > 0x7f || !isUnreserved(byte(r)) && !strings.ContainsRune("!#$%&'*+^`|", r)
}

// safeName quotes a header name for an error message, cut short against log floods.
func safeName(name string) string { return strconv.Quote(name[:min(len(name), 64)]) }
