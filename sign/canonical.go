package sign

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"net/http"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// state is the scratch space of one signature, pooled so that signing in a
// steady state allocates only the header values it hands back. The lists
// that hold the caller's strings (headers, query parameters) live on the
// stack of the function that sorts them instead, where storing a pointer
// costs no GC write barrier and nothing outlives the call.
type state struct {
	canon []byte    // the canonical request
	sts   []byte    // the string to sign
	out   []byte    // header values and URLs under construction
	lower []byte    // lower-cased header names
	sha   hash.Hash // SHA-256, resumed from a pad's state for each HMAC
	sum   []byte    // an HMAC digest
}

// signedHeader is a header to sign: its lower-cased name is lower[lo:hi],
// whose first sixteen bytes are k0 and k1, its values are values[v], and name
// is the name as in the http.Header.
type signedHeader struct {
	k0, k1    uint64
	lo, hi, v int32
	name      string
}

type queryParam struct {
	key, value string
	pos        int
}

var statePool = sync.Pool{New: func() any {
	return &state{
		canon: make([]byte, 0, 1024),
		sts:   make([]byte, 0, 256),
		out:   make([]byte, 0, 256),
		lower: make([]byte, 0, 256),
		sha:   sha256.New(),
		sum:   make([]byte, 0, sha256.Size),
	}
}}

func getState() *state { return statePool.Get().(*state) }

func putState(st *state) {
	// Keep oversized buffers out of the pool.
	if cap(st.canon) > 64<<10 || cap(st.lower) > 64<<10 || cap(st.sts) > 64<<10 {
		return
	}
	statePool.Put(st)
}

// isDefaultSigned reports whether a lower-cased header name is signed without
// being named: every x-oss-* header, content-type and content-md5.
func isDefaultSigned(lower []byte) bool {
	return bytes.HasPrefix(lower, []byte("x-oss-")) ||
		string(lower) == "content-type" ||
		string(lower) == "content-md5"
}

// additionalHeaders returns the names in want that are signed because the
// caller asked: lower-cased, sorted, without default-signed names and without
// names whose first value in h is empty. A name given twice is listed twice,
// as the official signer lists it.
func additionalHeaders(h http.Header, want []string) []string {
	if len(want) == 0 {
		return nil
	}
	var names []string
	for _, name := range want {
		lo := strings.ToLower(name)
		if isDefaultSigned([]byte(lo)) || h.Get(lo) == "" {
			continue
		}
		names = append(names, lo)
	}
	slices.Sort(names)
	return names
}

// canonicalRequest writes the canonical request into st.canon:
//
//	METHOD \n CANONICAL-URI \n CANONICAL-QUERY \n CANONICAL-HEADERS \n
//	ADDITIONAL-HEADERS \n PAYLOAD-HASH
//
// where CANONICAL-HEADERS ends with its own newline. host is the value used
// for a "host" additional header that h does not hold, as on a server, where
// net/http moves Host out of the header map.
//
// It returns an ErrInvalid error, naming the header, if any header name or
// value holds CR, LF or NUL.
// own are headers the signer is about to set; they replace any header of the
// same name in h.
func (st *state) canonicalRequest(method, bucket, key, rawQuery string, h http.Header, host string, additional []string, payload string, own []ownHeader) error {
	if method == "" {
		method = http.MethodGet // what net/http sends
	}
	b := append(st.canon[:0], method...)
	b = append(b, '\n')
	b = appendCanonicalURI(b, bucket, key)
	b = append(b, '\n')
	b = st.appendCanonicalQuery(b, rawQuery)
	b = append(b, '\n')
	b, err := st.appendCanonicalHeaders(b, h, host, additional, own)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	b = appendJoined(b, additional)
	b = append(b, '\n')
	b = append(b, payload...)
	st.canon = b
	return nil
}

// appendCanonicalURI appends "/" + bucket + "/" + key percent-encoded, with
// '/' kept: the URI is built from the bucket and key, never from the URL.
func appendCanonicalURI(b []byte, bucket, key string) []byte {
	b = append(b, '/')
	if bucket != "" {
		b = appendEscaped(b, bucket)
		b = append(b, '/')
	}
	return appendEscaped(b, key)
}

// appendEscaped percent-encodes every byte outside A-Z a-z 0-9 - . _ ~ and '/'.
func appendEscaped(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || c == '/' {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return b
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// appendCanonicalQuery appends the query's parameters sorted by name as
// written in the raw query ('+' read as %20, nothing else re-encoded), "k=v"
// joined by '&', a parameter without a value as just "k". When a name repeats,
// every occurrence carries the last value, as in the official signer.
func (st *state) appendCanonicalQuery(b []byte, rawQuery string) []byte {
	if strings.IndexByte(rawQuery, '+') >= 0 {
		rawQuery = strings.ReplaceAll(rawQuery, "+", "%20")
	}
	var buf [16]queryParam
	ps := buf[:0]
	for q := rawQuery; q != ""; {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		ps = append(ps, queryParam{key: k, value: v, pos: len(ps)})
	}
	slices.SortFunc(ps, func(a, b queryParam) int {
		return cmp.Or(strings.Compare(a.key, b.key), a.pos-b.pos)
	})
	start := len(b)
	for i := 0; i < len(ps); {
		j := i + 1
		for j < len(ps) && ps[j].key == ps[i].key {
			j++
		}
		last := ps[j-1].value
		for ; i < j; i++ {
			if len(b) > start {
				b = append(b, '&')
			}
			b = append(b, ps[i].key...)
			if last != "" {
				b = append(b, '=')
				b = append(b, last...)
			}
		}
	}
	return b
}

// appendCanonicalHeaders appends "name:value\n" for every signed header:
// lower-cased names in order, values trimmed and joined with ','.
//
// Every header is checked for CR, LF and NUL: unsigned ones as they are
// met, signed ones in one pass over the lines written, which is cheaper than
// looking at each value twice.
func (st *state) appendCanonicalHeaders(b []byte, h http.Header, host string, additional []string, own []ownHeader) ([]byte, error) {
	var hbuf [16]signedHeader
	var vbuf [16][]string
	hs, vals, lower := hbuf[:0], vbuf[:0], st.lower[:0]
	for i, oh := range own {
		lo := len(lower)
		lower = append(lower, oh.lower...)
		hs = append(hs, newSignedHeader(lower, lo, "", -1-i))
	}
	for name, values := range h {
		lo := len(lower)
		lower = appendLower(lower, name)
		ln := lower[lo:]
		if isOwn(own, ln) {
			lower = lower[:lo]
			continue
		}
		if !isDefaultSigned(ln) && !contains(additional, ln) {
			// Sign writes Date and Authorization itself.
			if name == HeaderDate || name == HeaderAuthorization {
				lower = lower[:lo]
				continue
			}
			if err := checkHeader(name, values); err != nil {
				return b, err
			}
			lower = lower[:lo]
			continue
		}
		hs = append(hs, newSignedHeader(lower, lo, name, len(vals)))
		vals = append(vals, values)
	}
	if host != "" && contains(additional, []byte("host")) && h.Get("Host") == "" {
		lo := len(lower)
		lower = append(lower, "host"...)
		hs = append(hs, newSignedHeader(lower, lo, "host", len(vals)))
		vals = append(vals, []string{host})
	}
	sortHeaders(hs, lower)

	start, lines, trimmed := len(b), 0, false
	for i := range hs {
		sh := &hs[i]
		name := lower[sh.lo:sh.hi]
		// Two map keys that differ only in case are one header.
		sameAsPrev := i > 0 && bytes.Equal(name, lower[hs[i-1].lo:hs[i-1].hi])
		if sameAsPrev {
			b = b[:len(b)-1] // reopen the previous line
		} else {
			b = append(b, name...)
			b = append(b, ':')
			lines++
		}
		if sh.v < 0 {
			oh := &own[-1-sh.v]
			b = append(b, oh.b...)
			b = append(b, oh.s...)
			b = append(b, '\n')
			continue
		}
		for j, v := range vals[sh.v] {
			if j > 0 || sameAsPrev {
				b = append(b, ',')
			}
			tv := trimSpace(v)
			trimmed = trimmed || len(tv) != len(v)
			b = append(b, tv...)
		}
		b = append(b, '\n')
	}
	st.lower = lower
	if w := b[start:]; trimmed || bytes.IndexByte(w, '\r') >= 0 || bytes.IndexByte(w, 0) >= 0 || bytes.Count(w, []byte{'\n'}) != lines {
		// Trimming may have hidden a CR or LF: look at each signed
		// header as it is.
		for _, sh := range hs {
			if sh.v < 0 {
				continue // the signer's own: validated already
			}
			if err := checkHeader(sh.name, vals[sh.v]); err != nil {
				return b, err
			}
		}
	}
	return b, nil
}

// newSignedHeader describes the header whose lower-cased name is lower[lo:]
// and whose values are at index v. The first sixteen bytes of the name,
// as two big-endian words, decide most comparisons when sorting.
func newSignedHeader(lower []byte, lo int, name string, v int) signedHeader {
	l := lower[lo:]
	if len(l) < 16 {
		var k [16]byte
		copy(k[:], l)
		l = k[:]
	}
	return signedHeader{
		k0: binary.BigEndian.Uint64(l), k1: binary.BigEndian.Uint64(l[8:]),
		lo: int32(lo), hi: int32(len(lower)), v: int32(v), name: name,
	}
}

// trimSpace is strings.TrimSpace, with a fast answer for the usual value
// that starts and ends with a visible ASCII character.
func trimSpace(v string) string {
	if n := len(v); n > 0 && v[0] > ' ' && v[0] < utf8.RuneSelf && v[n-1] > ' ' && v[n-1] < utf8.RuneSelf {
		return v
	}
	return strings.TrimSpace(v)
}

// sortHeaders sorts by lower-cased name, then by name as given, by
// insertion: a request has a handful of signed headers.
func sortHeaders(hs []signedHeader, lower []byte) {
	less := func(x, y *signedHeader) bool {
		if x.k0 != y.k0 {
			return x.k0 < y.k0
		}
		if x.k1 != y.k1 {
			return x.k1 < y.k1
		}
		return cmp.Or(bytes.Compare(lower[x.lo:x.hi], lower[y.lo:y.hi]), strings.Compare(x.name, y.name)) < 0
	}
	if len(hs) > 24 {
		slices.SortFunc(hs, func(x, y signedHeader) int {
			switch {
			case less(&x, &y):
				return -1
			case less(&y, &x):
				return 1
			}
			return 0
		})
		return
	}
	for i := 1; i < len(hs); i++ {
		x := hs[i]
		j := i
		for ; j > 0 && less(&x, &hs[j-1]); j-- {
			hs[j] = hs[j-1]
		}
		hs[j] = x
	}
}

// ownHeader is a header the signer sets: its lower-cased name and its value,
// b or s. It is signed in place of any header of the same name in the request.
type ownHeader struct {
	lower string
	b     []byte
	s     string
}

func isOwn(own []ownHeader, lower []byte) bool {
	for i := range own {
		if own[i].lower == string(lower) {
			return true
		}
	}
	return false
}

// checkHeader refuses a header that would split or end a header line.
func checkHeader(name string, values []string) error {
	if badValue(name) {
		return invalid("a header name contains CR, LF or NUL")
	}
	for _, v := range values {
		if badValue(v) {
			return invalid("value of header " + safeName(name) + " contains CR, LF or NUL")
		}
	}
	return nil
}

// appendLower appends name lower-cased as strings.ToLower would, eight ASCII
// bytes at a time, without allocating for ASCII names.
func appendLower(b []byte, name string) []byte {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(name); i += 8 {
		w := binary.LittleEndian.Uint64([]byte(name[i : i+8]))
		if w&highs != 0 {
			break
		}
		// Set 0x80 in each byte that is 'A'..'Z', then turn it into 0x20.
		upper := (w + ones*(0x80-'A')) &^ (w + ones*(0x7f-'Z')) & highs
		b = binary.LittleEndian.AppendUint64(b, w|upper>>2)
	}
	for ; i < len(name); i++ {
		c := name[i]
		if c >= utf8.RuneSelf {
			return append(b[:len(b)-i], strings.ToLower(name)...)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

func contains(names []string, name []byte) bool {
	for _, n := range names {
		if n == string(name) {
			return true
		}
	}
	return false
}

// appendJoined appends names joined by ';'.
func appendJoined(b []byte, names []string) []byte {
	for i, n := range names {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, n...)
	}
	return b
}
