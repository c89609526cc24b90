package sign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding"
	"sync"
	"sync/atomic"
)

// secondState is the HMAC's inner SHA-256 state under key after the first
// block of the strings to sign at datetime (see state.innerHMAC).
type secondState struct {
	key      *derivedKey
	datetime [16]byte
	state    []byte // marshalled
}

// The signing key is the HMAC-SHA256 chain
//
//	HMAC(HMAC(HMAC(HMAC("aliyun_v4"+secret, date), region), product), "aliyun_v4_request")
//
// Deriving it costs four HMACs, more than the rest of a signature, and it
// changes only once a day, so it is cached with the HMAC pads it yields.

// derivedKey is a signing key ready to use: the SHA-256 states after
// absorbing the key XOR the HMAC inner and outer pads (RFC 2104), so that an
// HMAC under it costs two block compressions fewer.
type derivedKey struct {
	id           keyID
	inner, outer []byte // marshalled sha256 states
	scope        string // date/region/product/aliyun_v4_request
}

type keyID struct {
	secret, date, region, product string
}

// keyCache maps a keyID to its derivedKey. The last key used is one atomic
// load away, which is every lookup but the first of a day for a process that
// signs with one set of credentials.
type keyCache struct {
	last atomic.Pointer[derivedKey]
	mu   sync.Mutex
	keys map[keyID]*derivedKey
}

// maxCachedKeys bounds the cache: a process that signs with per-invocation
// credentials sees new secrets all day, and stale keys are cheap to derive
// again.
const maxCachedKeys = 256

var keys keyCache

// get returns the derived key for the secret, date (yyyymmdd), region and
// product.
func (c *keyCache) get(secret string, date []byte, region, product string) *derivedKey {
	if k := c.last.Load(); k != nil && k.id.secret == secret && k.id.date == string(date) &&
		k.id.region == region && k.id.product == product {
		return k
	}
	id := keyID{secret: secret, date: string(date), region: region, product: product}
	c.mu.Lock()
	k, ok := c.keys[id]
	if !ok {
		if c.keys == nil || len(c.keys) >= maxCachedKeys {
			c.keys = make(map[keyID]*derivedKey)
		}
		k = deriveKey(id)
		c.keys[id] = k
	}
	c.mu.Unlock()
	c.last.Store(k)
	return k
}

// deriveKey runs the HMAC chain and precomputes the pads.
func deriveKey(id keyID) *derivedKey {
	key := hmacSHA256([]byte(keyPrefix+id.secret), id.date)
	key = hmacSHA256(key, id.region)
	key = hmacSHA256(key, id.product)
	key = hmacSHA256(key, scopeTerminator)
	var ipad, opad [sha256.BlockSize]byte
	for i := range ipad {
		ipad[i], opad[i] = 0x36, 0x5c
	}
	for i, c := range key { // 32 bytes, shorter than the block: no pre-hash
		ipad[i] ^= c
		opad[i] ^= c
	}
	scope := id.date + "/" + id.region + "/" + id.product + "/" + scopeTerminator
	return &derivedKey{id: id, inner: midstate(ipad[:]), outer: midstate(opad[:]), scope: scope}
}

// midstate is the marshalled state of SHA-256 after one block.
func midstate(block []byte) []byte {
	if len(block) != sha256.BlockSize {
		panic("sign: a midstate is taken after exactly one block")
	}
	h := sha256.New()
	h.Write(block)
	s, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		panic("sign: sha256 state cannot be marshalled: " + err.Error()) // the standard library guarantees it
	}
	return s
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signature writes the string to sign for st.canon and returns the hex
// signature of it under the derived key, and the scope:
//
//	OSS4-HMAC-SHA256 \n yyyymmddThhmmssZ \n scope \n hex(sha256(canonical request))
//
// The HMAC starts from the cached pad states; the string to sign is st.sts.
func (st *state) signature(secret string, ts *stamp, region, product string) (sig [2 * sha256.Size]byte, scope string) {
	k := keys.get(secret, ts.date(), region, product)
	var crHash [sha256.Size]byte
	if len(st.canon) > len(wgorBlock) && string(st.canon[:len(wgorBlock)]) == wgorBlock {
		copy(crHash[:], st.resume(wgorBlockState, st.canon[len(wgorBlock):], st.sum[:0]))
	} else {
		crHash = sha256.Sum256(st.canon)
	}

	b := append(st.sts[:0], Algorithm+"\n"...)
	b = append(b, ts.datetime[:]...)
	b = append(b, '\n')
	b = append(b, k.scope...)
	b = append(b, '\n')
	b = appendHex(b, &crHash)
	st.sts = b

	inner := st.innerHMAC(k, ts, b)
	mac := st.resume(k.outer, inner, inner[:0])
	appendHex(sig[:0], (*[sha256.Size]byte)(mac))
	return sig, k.scope
}

// appendHex appends the lower-case hex of a digest, two digits per lookup.
func appendHex(b []byte, sum *[sha256.Size]byte) []byte {
	n := len(b)
	b = append(b, make([]byte, 2*sha256.Size)...)
	dst := (*[2 * sha256.Size]byte)(b[n:])
	for i, c := range sum {
		dst[2*i], dst[2*i+1] = hexPairs[2*int(c)], hexPairs[2*int(c)+1]
	}
	return b
}

var hexPairs = func() (t [512]byte) {
	const digits = "0123456789abcdef"
	for c := range 256 {
		t[2*c], t[2*c+1] = digits[c>>4], digits[c&15]
	}
	return t
}()

// wgorBlock is the first SHA-256 block of the canonical request of every
// WriteGetObjectResponse that wgor sends (no bucket or key, the one query
// parameter, an unsigned payload, and no header sorting before
// x-oss-content-sha256). Its hash state is computed once, and such requests
// are hashed from it: one block compression fewer for the request wgor
// exists to sign. Any other canonical request is hashed in full.
const wgorBlock = "POST\n/\nx-oss-write-get-object-response\nx-oss-content-sha256:UNSI"

var wgorBlockState = midstate([]byte(wgorBlock))

// resume resumes SHA-256 from a midstate, absorbs data and returns the
// digest appended to out. Buffers passed to hash.Hash methods escape, so
// they belong to st.
func (st *state) resume(midstate, data, out []byte) []byte {
	st.restore(midstate)
	st.sha.Write(data)
	return st.sha.Sum(out)
}

// restore sets st.sha to a saved state.
func (st *state) restore(saved []byte) {
	if err := st.sha.UnmarshalBinary(saved); err != nil {
		panic("sign: sha256 state cannot be restored: " + err.Error()) // saved by this package
	}
}

// innerHMAC returns the inner hash of the HMAC of sts under k, in st.sum.
//
// The first block of a string to sign holds the algorithm, the time stamp
// and the start of the scope: it is the same for every signature under one
// key in one second. st keeps the HMAC's state after that block for the
// last key and second it signed with, so that a process signing more than
// once a second saves a block compression on each signature after the first.
func (st *state) innerHMAC(k *derivedKey, ts *stamp, sts []byte) []byte {
	// The first block must end within the algorithm, the stamp and the
	// scope, with their newlines. Scopes are at least 30 bytes long, so it
	// always does; the test is a guard.
	const fixed = len(Algorithm) + 1 + len(ts.datetime) + 1
	if fixed+len(k.scope)+1 < sha256.BlockSize {
		return st.resume(k.inner, sts, st.sum[:0])
	}
	c := &st.second
	if c.key == k && c.datetime == ts.datetime {
		return st.resume(c.state, sts[sha256.BlockSize:], st.sum[:0])
	}
	st.restore(k.inner)
	st.sha.Write(sts[:sha256.BlockSize])
	state, err := st.sha.AppendBinary(c.state[:0])
	if err != nil {
		panic("sign: sha256 state cannot be marshalled: " + err.Error()) // the standard library guarantees it
	}
	*c = secondState{key: k, datetime: ts.datetime, state: state}
	st.sha.Write(sts[sha256.BlockSize:])
	return st.sha.Sum(st.sum[:0])
}

// appendScope appends date/region/product/aliyun_v4_request.
func appendScope(b []byte, ts *stamp, region, product string) []byte {
	b = append(b, ts.date()...)
	b = append(b, '/')
	b = append(b, region...)
	b = append(b, '/')
	b = append(b, product...)
	b = append(b, '/')
	return append(b, scopeTerminator...)
}

// trace fills tr, if not nil, with what the last signature was computed over.
func (st *state) trace(tr *Trace, scope string, additional []string) {
	if tr == nil {
		return
	}
	tr.CanonicalRequest = string(st.canon)
	tr.StringToSign = string(st.sts)
	tr.Scope = scope
	tr.AdditionalHeaders = additional
}
