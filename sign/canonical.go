package sign

import (
	"cmp"
	"crypto/sha256"
	"encoding"
	"hash"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// state is the scratch space of one signature, pooled so that signing in a
// steady state allocates only the header values it hands back. The lists
// that hold the caller's strings (headers, query parameters) live on the
// stack of the function that sorts them instead, where storing a pointer
// costs no GC write barrier and nothing outlives the call.
type state struct {
	canon []byte      // the canonical request
	sts   []byte      // the string to sign
	sha   sha256State // SHA-256, resumed from a saved state for each hash
	sum   []byte      // an HMAC digest

	second secondState // the last HMAC state after a first block
	stamp  lastStamp   // the last signing time formatted
}

// sha256State is what crypto/sha256 returns: a hash whose state can be
// saved and restored. Asserted once, when a state is made.
type sha256State interface {
	hash.Hash
	encoding.BinaryAppender
	encoding.BinaryUnmarshaler
}

// lastStamp is a stamp and the Unix second it formats.
type lastStamp struct {
	unix int64
	ok   bool
	s    stamp
}

// stampAt returns the stamp of t, formatting it only when it falls in
// another second than the last one st formatted.
func (st *state) stampAt(t time.Time) stamp {
	l := &st.stamp
	if u := t.Unix(); !l.ok || l.unix != u {
		*l = lastStamp{unix: u, ok: true, s: newStamp(t)}
	}
	return l.s
}

type queryParam struct {
	key, value string
	pos        int
}

var statePool = sync.Pool{New: func() any {
	return &state{
		canon:  make([]byte, 0, 1024),
		sts:    make([]byte, 0, 256),
		sha:    sha256.New().(sha256State),
		sum:    make([]byte, 0, sha256.Size),
		second: secondState{state: make([]byte, 0, 128)},
	}
}}

func getState() *state { return statePool.Get().(*state) }

func putState(st *state) {
	// Keep oversized buffers out of the pool.
	if cap(st.canon) > 64<<10 || cap(st.sts) > 64<<10 {
		return
	}
	statePool.Put(st)
}

// isDefaultSigned reports whether a lower-cased header name is signed without
// being named: every x-oss-* header, content-type and content-md5.
func isDefaultSigned(lower string) bool {
	return strings.HasPrefix(lower, "x-oss-") || lower == "content-type" || lower == "content-md5"
}

// additionalHeaders returns the names in want that are signed because the
// caller asked: lower-cased, sorted, without default-signed names, without
// Authorization (which the signature replaces, so it could never verify) and
// without names whose first value in h is empty. A name given twice is listed
// twice, as the official signer lists it.
func additionalHeaders(h http.Header, want []string) []string {
	if len(want) == 0 {
		return nil
	}
	names := make([]string, 0, len(want))
	for _, name := range want {
		lo := strings.ToLower(name)
		if isDefaultSigned(lo) || lo == "authorization" || h.Get(lo) == "" {
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
// where CANONICAL-HEADERS ends with its own newline. own are headers signed
// in place of any of the same name in h: those the signer is about to set,
// or, on a server, Host.
//
// It returns an ErrInvalid error, naming the header, if any header name or
// value holds CR, LF or NUL.
func (st *state) canonicalRequest(method, bucket, key, rawQuery string, h http.Header, additional []string, payload string, own []ownHeader) error {
	if method == "" {
		method = http.MethodGet // what net/http sends
	}
	b := append(st.canon[:0], method...)
	b = append(b, '\n')
	b = appendCanonicalURI(b, bucket, key)
	b = append(b, '\n')
	b = st.appendCanonicalQuery(b, rawQuery)
	b = append(b, '\n')
	b, err := appendCanonicalHeaders(b, h, additional, own)
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
	if strings.IndexByte(rawQuery, '&') < 0 && strings.IndexByte(rawQuery, '=') < 0 {
		// One parameter without a value, such as
		// x-oss-write-get-object-response: it is its own canonical form.
		return append(b, rawQuery...)
	}
	var buf [16]queryParam
	ps := buf[:0]
	for q := rawQuery; q != ""; {
		kv := q
		if i := strings.IndexByte(q, '&'); i >= 0 {
			kv, q = q[:i], q[i+1:]
		} else {
			q = ""
		}
		if kv == "" {
			continue
		}
		k, v := kv, ""
		if i := strings.IndexByte(kv, '='); i >= 0 {
			k, v = kv[:i], kv[i+1:]
		}
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
