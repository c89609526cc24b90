package sign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/http"
	"sync"
)

// state is the scratch space of one signature, pooled so that its buffers
// (the canonical request above all) are reused from one signature to the next.
type state struct {
	canon, sts, out, lower, sum []byte // sum: the HMAC's
	stamps                      [len(timeFormat) + len(http.TimeFormat)]byte
	respelled                   bool      // the request spells a header Sign sets in another case
	mac                         hash.Hash // HMAC-SHA256 under macKey, reset for each signature
	macKey                      *derivedKey
}

var statePool = sync.Pool{New: func() any { return &state{canon: make([]byte, 0, 1024)} }}

func getState() *state { return statePool.Get().(*state) }

func putState(st *state) {
	if st.respelled = false; cap(st.canon) <= 64<<10 { // keep oversized buffers out
		statePool.Put(st)
	}
}

// The last steps of SPEC.md §4, as oss/signer/v4.go's buildScope,
// calcStringToSign and calcSignature.

// appendScope appends the scope, date/region/product/aliyun_v4_request.
func appendScope(b []byte, date, region, product string) []byte {
	b = append(append(append(append(b, date...), '/'), region...), '/')
	return append(append(append(b, product...), '/'), scopeTerminator...)
}

// stringToSign writes "OSS4-HMAC-SHA256\n" time "\n" scope "\n" and the hex
// SHA-256 of the canonical request into st.sts. time is x-oss-date's (or, on
// a server, the Date header of a request with no x-oss-date).
func (st *state) stringToSign(time []byte, scope string) {
	sum := sha256.Sum256(st.canon)
	b := append(append(st.sts[:0], Algorithm+"\n"...), time...)
	b = append(append(append(b, '\n'), scope...), '\n')
	st.sts = hex.AppendEncode(b, sum[:])
}

// deriveKey is the signing key, HMAC-SHA256 chained from "aliyun_v4"+secret
// over the date, region, product and "aliyun_v4_request".
func deriveKey(secret, date, region, product string) []byte {
	key := []byte(keyPrefix + secret)
	for _, part := range [...]string{date, region, product, scopeTerminator} {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(part))
		key = m.Sum(nil)
	}
	return key
}

// signature is the hex HMAC-SHA256 of st.sts under k. The state keeps the
// HMAC of the last key it used and resets it, which saves building it again.
func (st *state) signature(k *derivedKey) (sig [2 * sha256.Size]byte) {
	if st.macKey != k {
		st.mac, st.macKey = hmac.New(sha256.New, k.key), k
	}
	st.mac.Reset()
	st.mac.Write(st.sts)
	st.sum = st.mac.Sum(st.sum[:0])
	hex.Encode(sig[:], st.sum)
	return sig
}

// derivedKey is a signing key, what it was derived from, and its scope.
type derivedKey struct {
	id    keyID
	scope string
	key   []byte
}

type keyID struct{ secret, date, region, product string }

// Deriving a key costs four HMACs, more than the rest of a signature, and a
// key changes once a day, so keys are cached, up to maxCachedKeys: a process
// may get new credentials with every invocation.
const maxCachedKeys = 256

var keyCache struct {
	sync.Mutex
	keys map[keyID]*derivedKey // emptied when full
}

// signingKey returns the derived key of a secret and scope, cached.
func (st *state) signingKey(secret string, date []byte, region, product string) *derivedKey {
	if k := st.macKey; k != nil && k.id.secret == secret && k.id.date == string(date) && k.id.region == region && k.id.product == product {
		return k // this state's last key: no lock
	}
	id := keyID{secret, string(date), region, product}
	keyCache.Lock()
	defer keyCache.Unlock()
	k := keyCache.keys[id]
	if k == nil {
		k = &derivedKey{id: id, scope: string(appendScope(nil, id.date, region, product)), key: deriveKey(secret, id.date, region, product)}
		if len(keyCache.keys) >= maxCachedKeys || keyCache.keys == nil {
			keyCache.keys = make(map[keyID]*derivedKey)
		}
		keyCache.keys[id] = k
	}
	return k
}

// trace fills tr, if not nil, with what the last signature was computed over.
func (st *state) trace(tr *Trace, scope string, additional []string) {
	if tr != nil {
		*tr = Trace{CanonicalRequest: string(st.canon), StringToSign: string(st.sts), Scope: scope, AdditionalHeaders: additional}
	}
}
