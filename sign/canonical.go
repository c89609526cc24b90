package sign

import (
	"bytes"
	"cmp"
	"net/http"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// state is the scratch space of one signature, pooled so that signing in a
// steady state allocates only the header values it hands back.
type state struct {
	canon  []byte         // the canonical request
	sts    []byte         // HMAC inner pad followed by the string to sign
	out    []byte         // header values and URLs under construction
	lower  []byte         // lower-cased header names, referenced by hdrs
	hdrs   []signedHeader // the headers to sign, sorted
	params []queryParam   // the query parameters, sorted
}

type signedHeader struct {
	lo, hi int      // the lower-cased name is lower[lo:hi]
	name   string   // the name as in the http.Header, for a stable order
	values []string // nil: take the host fallback
	host   string
}

type queryParam struct {
	key, value string
	pos        int
}

var statePool = sync.Pool{New: func() any {
	return &state{
		canon:  make([]byte, 0, 1024),
		sts:    make([]byte, 0, 256),
		out:    make([]byte, 0, 256),
		lower:  make([]byte, 0, 256),
		hdrs:   make([]signedHeader, 0, 16),
		params: make([]queryParam, 0, 8),
	}
}}

func getState() *state { return statePool.Get().(*state) }

func putState(st *state) {
	// Drop references to the caller's strings and keep oversized buffers
	// out of the pool.
	clear(st.hdrs[:cap(st.hdrs)])
	clear(st.params[:cap(st.params)])
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
func (st *state) canonicalRequest(method, bucket, key, rawQuery string, h http.Header, host string, additional []string, payload string) {
	if method == "" {
		method = http.MethodGet // what net/http sends
	}
	b := append(st.canon[:0], method...)
	b = append(b, '\n')
	b = appendCanonicalURI(b, bucket, key)
	b = append(b, '\n')
	b = st.appendCanonicalQuery(b, rawQuery)
	b = append(b, '\n')
	b = st.appendCanonicalHeaders(b, h, host, additional)
	b = append(b, '\n')
	b = appendJoined(b, additional)
	b = append(b, '\n')
	b = append(b, payload...)
	st.canon = b
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
	ps := st.params[:0]
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
	st.params = ps
	return b
}

// appendCanonicalHeaders appends "name:value\n" for every signed header:
// lower-cased names in order, values trimmed and joined with ','.
func (st *state) appendCanonicalHeaders(b []byte, h http.Header, host string, additional []string) []byte {
	hs, lower := st.hdrs[:0], st.lower[:0]
	for name, values := range h {
		lo := len(lower)
		lower = appendLower(lower, name)
		ln := lower[lo:]
		if !isDefaultSigned(ln) && !contains(additional, ln) {
			lower = lower[:lo]
			continue
		}
		hs = append(hs, signedHeader{lo: lo, hi: len(lower), name: name, values: values})
	}
	if host != "" && contains(additional, []byte("host")) && h.Get("Host") == "" {
		lo := len(lower)
		lower = append(lower, "host"...)
		hs = append(hs, signedHeader{lo: lo, hi: len(lower), name: "host", host: host})
	}
	slices.SortFunc(hs, func(x, y signedHeader) int {
		return cmp.Or(bytes.Compare(lower[x.lo:x.hi], lower[y.lo:y.hi]), strings.Compare(x.name, y.name))
	})
	for i, sh := range hs {
		name := lower[sh.lo:sh.hi]
		// Two map keys that differ only in case are one header.
		sameAsPrev := i > 0 && bytes.Equal(name, lower[hs[i-1].lo:hs[i-1].hi])
		if sameAsPrev {
			b = b[:len(b)-1] // reopen the previous line
		} else {
			b = append(b, name...)
			b = append(b, ':')
		}
		if sh.values == nil {
			b = append(b, strings.TrimSpace(sh.host)...)
		}
		for j, v := range sh.values {
			if j > 0 || sameAsPrev {
				b = append(b, ',')
			}
			b = append(b, strings.TrimSpace(v)...)
		}
		b = append(b, '\n')
	}
	st.hdrs, st.lower = hs, lower
	return b
}

// appendLower appends name lower-cased as strings.ToLower would, without
// allocating for ASCII names.
func appendLower(b []byte, name string) []byte {
	for i := 0; i < len(name); i++ {
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
