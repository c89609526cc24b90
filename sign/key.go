package sign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"
)

// The signing key is the HMAC-SHA256 chain
//
//	HMAC(HMAC(HMAC(HMAC("aliyun_v4"+secret, date), region), product), "aliyun_v4_request")
//
// Deriving it costs four HMACs, more than the rest of a signature, and it
// changes only once a day, so it is cached with the HMAC pads it yields.

// derivedKey is a signing key ready to use: the key XOR the HMAC inner and
// outer pads.
type derivedKey struct {
	id         keyID
	ipad, opad [sha256.BlockSize]byte
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

// get returns the derived key for the secret, the day of t, region and product.
func (c *keyCache) get(secret string, t time.Time, region, product string) *derivedKey {
	var d [8]byte
	date := t.AppendFormat(d[:0], yyyymmdd)
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
	k := &derivedKey{id: id}
	for i := range k.ipad {
		k.ipad[i], k.opad[i] = 0x36, 0x5c
	}
	for i, c := range key { // 32 bytes, shorter than the block: no pre-hash
		k.ipad[i] ^= c
		k.opad[i] ^= c
	}
	return k
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signature writes the string to sign for st.canon and returns the hex
// signature of it under the derived key:
//
//	OSS4-HMAC-SHA256 \n yyyymmddThhmmssZ \n scope \n hex(sha256(canonical request))
//
// It computes the HMAC from the cached pads (RFC 2104) with sha256.Sum256,
// which does not allocate; the string to sign is st.sts[sha256.BlockSize:].
func (st *state) signature(secret string, t time.Time, region, product string) [2 * sha256.Size]byte {
	k := keys.get(secret, t, region, product)
	crHash := sha256.Sum256(st.canon)

	b := append(st.sts[:0], k.ipad[:]...)
	b = append(b, Algorithm+"\n"...)
	b = t.AppendFormat(b, iso8601DateTime)
	b = append(b, '\n')
	b = appendScope(b, t, region, product)
	b = append(b, '\n')
	b = hex.AppendEncode(b, crHash[:])
	st.sts = b

	inner := sha256.Sum256(b)
	var outer [sha256.BlockSize + sha256.Size]byte
	copy(outer[:], k.opad[:])
	copy(outer[sha256.BlockSize:], inner[:])
	mac := sha256.Sum256(outer[:])

	var sig [2 * sha256.Size]byte
	hex.Encode(sig[:], mac[:])
	return sig
}

// appendScope appends date/region/product/aliyun_v4_request.
func appendScope(b []byte, t time.Time, region, product string) []byte {
	b = t.AppendFormat(b, yyyymmdd)
	b = append(b, '/')
	b = append(b, region...)
	b = append(b, '/')
	b = append(b, product...)
	b = append(b, '/')
	return append(b, scopeTerminator...)
}

// trace fills tr, if not nil, with what the last signature was computed over.
func (st *state) trace(tr *Trace, t time.Time, region, product string, additional []string) {
	if tr == nil {
		return
	}
	tr.CanonicalRequest = string(st.canon)
	tr.StringToSign = string(st.sts[sha256.BlockSize:])
	tr.Scope = string(appendScope(nil, t, region, product))
	tr.AdditionalHeaders = additional
}
