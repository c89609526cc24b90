package sign

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
)

// canonicalRequest writes into st.canon, as SPEC.md §4 and oss/signer/v4.go
// (calcCanonicalRequest) build it, METHOD \n URI \n QUERY \n HEADERS \n
// ADDITIONAL \n PAYLOAD. own are the headers the signer sets (on a server,
// Host), by canonical key and lower-cased name, in place of any in h.
func (st *state) canonicalRequest(method, bucket, key, rawQuery, skip string, h http.Header, additional []string, own []header) error {
	if method == "" {
		method = http.MethodGet // what net/http sends
	}
	b := appendCanonicalURI(append(append(st.canon[:0], method...), '\n'), bucket, key)
	b = appendCanonicalQuery(append(b, '\n'), rawQuery, skip)
	b, err := st.appendCanonicalHeaders(append(b, '\n'), h, additional, own)
	b = appendJoined(append(b, '\n'), additional, ';')
	st.canon = append(append(b, '\n'), UnsignedPayload...) // the payload hash: OSS accepts no other (EC 0002-00000214)
	return err
}

// appendCanonicalURI appends "/" + bucket + "/" + key (as OSS, never the URL
// path), percent-encoding every byte but A-Z a-z 0-9 - . _ ~ and '/'.
func appendCanonicalURI(b []byte, bucket, key string) []byte {
	path := key
	if bucket != "" {
		path = bucket + "/" + key
	}
	b = append(b, '/')
	for i := 0; i < len(path); i++ {
		if c := path[i]; isUnreserved(c) || c == '/' {
			b = append(b, c)
		} else {
			b = append(b, '%', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&15])
		}
	}
	return b
}

// isUnreserved: RFC 3986's unreserved characters.
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// appendCanonicalQuery appends the parameters but skip sorted by name, "k=v"
// joined by '&', "k" alone for an empty value, as written but for '+' (%20).
// A repeated name carries its last value every time: the official signer
// keeps one.
func appendCanonicalQuery(b []byte, rawQuery, skip string) []byte {
	if !strings.ContainsAny(rawQuery, "&=+") && rawQuery != skip {
		return append(b, rawQuery...) // one parameter without a value, as x-oss-write-get-object-response
	}
	var pbuf [16][2]string // on the stack, as in appendCanonicalHeaders
	ps := pbuf[:0]
	for kv := range strings.SplitSeq(strings.ReplaceAll(rawQuery, "+", "%20"), "&") {
		if k, v, _ := strings.Cut(kv, "="); kv != "" && (k != skip || skip == "") {
			ps = append(ps, [2]string{k, v})
		}
	}
	slices.SortStableFunc(ps, func(x, y [2]string) int { return strings.Compare(x[0], y[0]) })
	start := len(b)
	for i, p := range ps {
		last := i
		for last+1 < len(ps) && ps[last+1][0] == p[0] {
			last++
		}
		if len(b) > start { // as the official signer: '&' only after something
			b = append(b, '&')
		}
		if b = append(b, p[0]...); ps[last][1] != "" {
			b = append(append(b, '='), ps[last][1]...)
		}
	}
	return b
}

// isSignedByDefault: every x-oss-* header, Content-Type and Content-MD5.
func isSignedByDefault(lower []byte) bool {
	return len(lower) >= 6 && string(lower[:6]) == "x-oss-" || string(lower) == "content-type" || string(lower) == "content-md5"
}

// additionalHeaders lower-cases and sorts the names asked for that the
// defaults do not cover and the request carries with a value (or the signer
// sets), but Authorization, which the signature replaces. A repeated name
// stays repeated, as in the official signer.
func additionalHeaders(h http.Header, want []string, signerSets ...string) []string {
	if len(want) == 0 {
		return nil
	}
	names := make([]string, 0, len(want))
	for _, n := range want {
		lo := strings.ToLower(n)
		if !isSignedByDefault([]byte(lo)) && lo != "authorization" && (h.Get(n) != "" || slices.Contains(signerSets, lo)) {
			names = append(names, lo)
		}
	}
	slices.Sort(names)
	return slices.Clip(names)
}

// header is a header to sign: its map key, lower-cased name and values (raw
// for the signer's time stamps).
type header struct {
	name       string
	lower, raw []byte
	values     []string
}

// appendCanonicalHeaders appends "name:value\n" for each signed header,
// names lower-cased and sorted, values trimmed and joined with ','. Keys equal
// but for case are one header, their values in the order of the keys as
// written, which is how net/http sends them (Header.Write sorts keys) and the
// server joins them. A key without values is left out: net/http sends nothing
// for it. Every header sent is checked for CR, LF and NUL.
func (st *state) appendCanonicalHeaders(b []byte, h http.Header, additional []string, own []header) ([]byte, error) {
	var hbuf [16]header // on the stack: storing pointers there costs no write barrier
	hs, lows := hbuf[:0], st.lower[:0]
	for name, values := range h {
		if ownOf(own, name, nil) != nil {
			continue // the signer's, under its key
		}
		start := len(lows)
		var ok bool
		if lows, ok = appendLower(lows, name); !ok {
			return b, invalid("a header name contains CR, LF or NUL")
		}
		lower := lows[start:]
		if o := ownOf(own, "", lower); o != nil || len(values) == 0 {
			// Under another key than the signer's, the caller's would be sent too.
			st.respelled = st.respelled || o != nil && len(values) > 0
			lows = lows[:start]
			continue
		}
		for _, v := range values {
			if badValue(v) {
				return b, invalid("value of header " + safeName(name) + " contains CR, LF or NUL")
			}
		}
		if !isSignedByDefault(lower) && !containsLower(additional, lower) {
			lows = lows[:start] // sent, not signed
			continue
		}
		hs = append(hs, header{name: name, lower: lower, values: values})
	}
	for _, o := range own {
		if isSignedByDefault(o.lower) || containsLower(additional, o.lower) {
			hs = append(hs, o)
		}
	}
	var obuf [16]int // the order of hs: sorting indices moves less than sorting headers
	order := obuf[:0]
	for i := range hs {
		order = append(order, i)
	}
	slices.SortFunc(order, func(i, j int) int { return hs[i].compare(&hs[j]) })
	for n, i := range order {
		if n > 0 && bytes.Equal(hs[order[n-1]].lower, hs[i].lower) {
			b[len(b)-1] = ',' // the same header under another key: one line
		} else {
			b = append(append(b, hs[i].lower...), ':')
		}
		b = append(b, hs[i].raw...)
		for j, v := range hs[i].values {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, trimSpace(v)...)
		}
		b = append(b, '\n')
	}
	st.lower = lows[:0]
	return b, nil
}

// compare orders headers by lower-cased name, then by key as written.
func (x *header) compare(y *header) int {
	if c := bytes.Compare(x.lower, y.lower); c != 0 {
		return c
	}
	return strings.Compare(x.name, y.name)
}

// ownOf returns the signer's header of this key, or else of this
// lower-cased name, or nil.
func ownOf(own []header, key string, lower []byte) *header {
	for i := range own {
		if own[i].name == key || key == "" && bytes.Equal(own[i].lower, lower) {
			return &own[i]
		}
	}
	return nil
}

// containsLower reports whether names, lower-cased, hold lower.
func containsLower(names []string, lower []byte) bool {
	return slices.ContainsFunc(names, func(n string) bool { return strings.ToLower(n) == string(lower) })
}

// appendJoined appends names joined by sep, as strings.Join without a copy.
func appendJoined(b []byte, names []string, sep byte) []byte {
	for i, n := range names {
		if i > 0 {
			b = append(b, sep)
		}
		b = append(b, n...)
	}
	return b
}

// appendLower appends s lower-cased as strings.ToLower does, without a copy
// when s is ASCII. ok is false if s holds CR, LF or NUL (see badValue).
func appendLower(b []byte, s string) (_ []byte, ok bool) {
	n := len(b)
	b = append(b, s...)
	for i := n; i < len(b); i++ {
		if c := b[i]; 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		} else if c >= 0x80 {
			return append(b[:n], strings.ToLower(s)...), !badValue(s)
		} else if c <= '\r' && (c == '\r' || c == '\n' || c == 0) {
			return b, false
		}
	}
	return b, true
}

// trimSpace is strings.TrimSpace, quick for the usual value.
func trimSpace(v string) string {
	if n := len(v); n > 0 && ' ' < v[0] && v[0] < 0x7f && ' ' < v[n-1] && v[n-1] < 0x7f {
		return v
	}
	return strings.TrimSpace(v)
}

// badValue reports whether s holds CR, LF or NUL, which split a header line.
func badValue(s string) bool {
	return strings.IndexByte(s, '\n') >= 0 || strings.IndexByte(s, '\r') >= 0 || strings.IndexByte(s, 0) >= 0
}
