package sign

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math/bits"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// The canonical headers are the part of a signature that costs most besides
// hashing: every header of the request is looked at, and the signed ones are
// lower-cased and sorted. The code below never builds a lower-cased copy of a
// name. A name is reduced to a key, the first sixteen bytes of its
// lower-cased form as two integers, computed eight bytes at a time; keys
// decide which headers are signed and, almost always, their order. Names are
// lower-cased once more, straight into the canonical request, as they are
// written. Names that are not ASCII take slower, plainer paths that give the
// same results as strings.ToLower.

const (
	swarOnes  = 0x0101010101010101
	swarHighs = 0x8080808080808080
)

// nameKey is the first sixteen bytes of a lower-cased header name as two
// big-endian words, padded with zeros: keys order as the names do, up to
// their sixteenth byte.
type nameKey struct{ k0, k1 uint64 }

// Keys of the names that the defaults sign.
var (
	keyXOSS        = rawKey("x-oss-").k0 // the top six bytes
	keyContentType = rawKey("content-type")
	keyContentMD5  = rawKey("content-md5")
)

// le64 reads eight bytes of s, little-endian.
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// words returns the first sixteen bytes of s as two little-endian words,
// padded with zeros.
func words(s string) (w0, w1 uint64) {
	switch n := len(s); {
	case n >= 16:
		return le64(s), le64(s[8:])
	case n >= 8:
		// The last eight bytes, shifted so that byte 8 comes first.
		return le64(s), le64(s[n-8:]) >> (8 * (16 - n))
	default:
		var buf [8]byte
		copy(buf[:], s)
		return le64(string(buf[:])), 0
	}
}

// lowerWord lower-cases the letters A-Z among eight bytes below 0x80.
func lowerWord(w uint64) uint64 {
	// 0x80 marks each byte from 'A' up that is not above 'Z'; no sum
	// carries into the next byte.
	upper := (w + swarOnes*(0x80-'A')) &^ (w + swarOnes*(0x7f-'Z')) & swarHighs
	return w | upper>>2
}

// rawKey is the key of a name that is lower-cased already.
func rawKey(lower string) nameKey {
	w0, w1 := words(lower)
	return nameKey{bits.ReverseBytes64(w0), bits.ReverseBytes64(w1)}
}

// keyOf returns the key of name and the length n of its lower-cased form.
// ascii reports whether the first sixteen bytes of name are ASCII, so that
// they lower-case to the key's bytes; then n is len(name), which is exact up
// to 16 and, beyond, only known to be more than 16.
func keyOf(name string) (k nameKey, n int, ascii bool) {
	w0, w1 := words(name)
	if (w0|w1)&swarHighs != 0 {
		// Lower-casing can change the length.
		l := strings.ToLower(name)
		return rawKey(l), len(l), false
	}
	return nameKey{bits.ReverseBytes64(lowerWord(w0)), bits.ReverseBytes64(lowerWord(w1))}, len(name), true
}

// defaultSigned is isDefaultSigned for the header whose lower-cased name
// has key k and length n.
func (k nameKey) defaultSigned(n int) bool {
	return k.k0>>16 == keyXOSS>>16 ||
		n == len("content-type") && k == keyContentType ||
		n == len("content-md5") && k == keyContentMD5
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// compareLower compares strings.ToLower(a) and strings.ToLower(b), without
// allocating when both are ASCII.
func compareLower(a, b string) int {
	for i := range min(len(a), len(b)) {
		ca, cb := a[i], b[i]
		if ca|cb >= utf8.RuneSelf {
			return strings.Compare(strings.ToLower(a), strings.ToLower(b))
		}
		if ca, cb = lowerByte(ca), lowerByte(cb); ca != cb {
			return cmp.Compare(ca, cb)
		}
	}
	// One is a prefix of the other but for case; lower-casing never
	// empties the rest of the longer one.
	return cmp.Compare(len(a), len(b))
}

// equalLower reports whether strings.ToLower(name) is lower, without
// allocating when name is ASCII.
func equalLower(name, lower string) bool {
	for i := range len(name) {
		c := name[i]
		if c >= utf8.RuneSelf {
			return strings.ToLower(name) == lower
		}
		if i >= len(lower) || lowerByte(c) != lower[i] {
			return false
		}
	}
	return len(name) == len(lower)
}

// containsLower reports whether names, lower-cased, holds name lower-cased.
func containsLower(names []string, name string) bool {
	for _, n := range names {
		if equalLower(name, n) {
			return true
		}
	}
	return false
}

// ownHeader is a header the signer sets, or, on a server, the Host header
// that net/http keeps out of the map. It is signed in place of every header
// of the same name in the request, whatever their case. id names it; the
// value is b, then s.
type ownHeader struct {
	id int
	b  []byte
	s  string
	// present is set when the request holds the header, as spelt in
	// the map, with this value (s) and no other.
	present bool
}

// The signer's own headers, as ownHeader.id.
const (
	ownOSSDate = iota
	ownSecurityToken
	ownContentSHA256
	ownDate
	ownHost
)

var (
	// ownCanon are the names as in the header map.
	ownCanon = [...]string{HeaderOSSDate, HeaderSecurityToken, HeaderContentSHA256, HeaderDate, "Host"}
	// ownNames are ownCanon lower-cased; ownKeys are their keys.
	ownNames, ownKeys = func() (names [len(ownCanon)]string, keys [len(ownCanon)]nameKey) {
		for i, c := range ownCanon {
			names[i] = strings.ToLower(c)
			keys[i] = rawKey(names[i])
		}
		return names, keys
	}()
)

// ownOf returns the index in own of the header that name, whose key is k,
// replaces, or -1. ascii is keyOf's.
func ownOf(own []ownHeader, k nameKey, name string, ascii bool) int {
	for i := range own {
		id := own[i].id
		if ownKeys[id] != k {
			continue
		}
		l := ownNames[id]
		switch {
		case !ascii:
			if equalLower(name, l) {
				return i
			}
		case len(name) <= 16:
			// The key holds all of name.
			if len(name) == len(l) {
				return i
			}
		case len(l) > 16:
			// The keys hold the first sixteen bytes.
			if equalLower(name[16:], l[16:]) {
				return i
			}
		}
	}
	return -1
}

// signedHeader is a header to sign: values of the map entry name, or, when
// own is not negative, the signer's own header own.
type signedHeader struct {
	name   string
	values []string
	own    int
}

// sortKey places signedHeader i: by key, then by lower-cased name, then by
// name as written. n is the length of the lower-cased name; ascii is keyOf's.
type sortKey struct {
	nameKey
	i, n  int32
	ascii bool
}

// appendCanonicalHeaders appends "name:value\n" for every signed header:
// lower-cased names in order, values trimmed and joined with ','. Map keys
// that differ only in case are one header, their values in the order of the
// keys as written.
//
// own are headers the signer is about to set, or the Host header on a server.
//
// Every header that stays in the request is checked for CR, LF and NUL:
// unsigned ones as they are met, signed ones in one pass over the lines
// written, which is cheaper than looking at each value twice. Headers the
// signer replaces are not checked: their values are not sent.
func appendCanonicalHeaders(b []byte, h http.Header, additional []string, own []ownHeader) ([]byte, error) {
	var hbuf [16]signedHeader
	var kbuf [16]sortKey
	hs, ks := hbuf[:0], kbuf[:0]
	for i := range own {
		id := own[i].id
		ks = append(ks, sortKey{nameKey: ownKeys[id], i: int32(len(hs)), n: int32(len(ownNames[id])), ascii: true})
		hs = hs[:len(hs)+1] // own has at most four headers
		sh := &hs[len(hs)-1]
		sh.name, sh.values, sh.own = ownNames[id], nil, i
	}
	for name, values := range h {
		if len(values) == 0 {
			// net/http writes one line per value (Header.Write), so a name
			// without values never reaches the server: signing it would
			// make OSS answer SignatureDoesNotMatch. (The official SDK v2
			// signs it as "name:", calcCanonicalRequest in
			// oss/signer/v4.go, and so fails on OSS.) Dropped rather than
			// refused, since it is absent on the wire; a name net/http
			// would refuse to send is still refused.
			if badValue(name) {
				return b, invalid("a header name contains CR, LF or NUL")
			}
			continue
		}
		if len(additional) == 0 && (name == HeaderDate || name == HeaderAuthorization) {
			continue // unsigned, and Sign writes them
		}
		k, n, ascii := keyOf(name)
		if i := ownOf(own, k, name, ascii); i >= 0 {
			if name != ownCanon[own[i].id] {
				// Another spelling stays in the map beside the signer's.
				if err := checkHeader(name, values); err != nil {
					return b, err
				}
			} else if len(values) == 1 && values[0] == own[i].s && own[i].b == nil {
				own[i].present = true
			}
			continue
		}
		if !k.defaultSigned(n) && (len(additional) == 0 || !containsLower(additional, name)) {
			if name == HeaderDate || name == HeaderAuthorization {
				continue // Sign writes these
			}
			if err := checkHeader(name, values); err != nil {
				return b, err
			}
			continue
		}
		ks = append(ks, sortKey{nameKey: k, i: int32(len(hs)), n: int32(n), ascii: ascii})
		// Filled in place: appending a literal builds it on the stack
		// and copies it in 16-byte moves that wait for its 8-byte
		// stores.
		if len(hs) == cap(hs) {
			hs = append(hs, signedHeader{})[:len(hs)]
		}
		hs = hs[:len(hs)+1]
		sh := &hs[len(hs)-1]
		sh.name, sh.values, sh.own = name, values, -1
	}
	sortHeaders(ks, hs)

	start, lines, trimmed, onLine := len(b), 0, false, 0
	for j := range ks {
		k := &ks[j]
		sh := &hs[k.i]
		if j > 0 && k.nameKey == ks[j-1].nameKey && compareLower(sh.name, hs[ks[j-1].i].name) == 0 {
			// Two spellings of one header: reopen the previous line.
			b = b[:len(b)-1]
		} else {
			b = appendKeyedLower(b, k, sh.name)
			b = append(b, ':')
			lines, onLine = lines+1, 0
		}
		if sh.own >= 0 {
			o := &own[sh.own]
			b = append(b, o.b...)
			b = append(b, o.s...)
			b = append(b, '\n')
			continue
		}
		for _, v := range sh.values {
			if onLine > 0 {
				b = append(b, ',')
			}
			onLine++
			tv := trimSpace(v)
			trimmed = trimmed || len(tv) != len(v)
			b = append(b, tv...)
		}
		b = append(b, '\n')
	}
	if w := b[start:]; trimmed || bytes.IndexByte(w, '\r') >= 0 || bytes.IndexByte(w, 0) >= 0 || bytes.Count(w, []byte{'\n'}) != lines {
		// Trimming may have hidden a CR or LF: look at each signed
		// header as it is.
		for _, sh := range hs {
			if sh.own >= 0 {
				continue // the signer's own: validated already
			}
			if err := checkHeader(sh.name, sh.values); err != nil {
				return b, err
			}
		}
	}
	return b, nil
}

// appendKeyedLower appends name lower-cased, its first sixteen bytes taken
// from its key.
func appendKeyedLower(b []byte, k *sortKey, name string) []byte {
	if !k.ascii {
		return appendLower(b, name)
	}
	b = binary.BigEndian.AppendUint64(b, k.k0)
	b = binary.BigEndian.AppendUint64(b, k.k1)
	if k.n <= 16 {
		return b[:len(b)-16+int(k.n)]
	}
	if r := len(name) - 16; r < 8 {
		// The rest as the last bytes of the name's last eight.
		if w := le64(name[len(name)-8:]) >> (8 * (8 - r)); w&swarHighs == 0 {
			b = binary.LittleEndian.AppendUint64(b, lowerWord(w))
			return b[:len(b)-8+r]
		}
	}
	return appendLower(b, name[16:])
}

// less orders headers by key, then by lower-cased name, then by name as
// written.
func (x *sortKey) less(y *sortKey, hs []signedHeader) bool {
	if x.k0 != y.k0 {
		return x.k0 < y.k0
	}
	if x.k1 != y.k1 {
		return x.k1 < y.k1
	}
	a, b := hs[x.i].name, hs[y.i].name
	return cmp.Or(compareLower(a, b), strings.Compare(a, b)) < 0
}

// sortHeaders sorts ks by insertion: a request has a handful of signed
// headers.
func sortHeaders(ks []sortKey, hs []signedHeader) {
	if len(ks) > 24 {
		slices.SortFunc(ks, func(x, y sortKey) int {
			switch {
			case x.less(&y, hs):
				return -1
			case y.less(&x, hs):
				return 1
			}
			return 0
		})
		return
	}
	for i := 1; i < len(ks); i++ {
		x := ks[i]
		j := i
		for ; j > 0 && x.less(&ks[j-1], hs); j-- {
			ks[j] = ks[j-1]
		}
		ks[j] = x
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
	i := 0
	for ; i+8 <= len(name); i += 8 {
		w := le64(name[i:])
		if w&swarHighs != 0 {
			break
		}
		b = binary.LittleEndian.AppendUint64(b, lowerWord(w))
	}
	if r := len(name) - i; 0 < r && r < 8 && len(name) >= 8 {
		// The last r bytes, as the low bytes of the last eight.
		if w := le64(name[len(name)-8:]) >> (8 * (8 - r)); w&swarHighs == 0 {
			b = binary.LittleEndian.AppendUint64(b, lowerWord(w))
			return b[:len(b)-8+r]
		}
	}
	for ; i < len(name); i++ {
		c := name[i]
		if c >= utf8.RuneSelf {
			return append(b[:len(b)-i], strings.ToLower(name)...)
		}
		b = append(b, lowerByte(c))
	}
	return b
}
