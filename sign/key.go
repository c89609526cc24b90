package sign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"slices"
	"strings"
	"sync"
)

// The last steps of OSS's "Signature version 4" reference, as buildScope,
// calcStringToSign, deriveSigningKey and calcSignature in oss/signer/v4.go.
const (
	keyPrefix       = "aliyun_v4" // the secret's prefix in the signing key's chain
	scopeTerminator = "aliyun_v4_request"
)

// state is the scratch space of one signature, pooled so that its buffers
// (the canonical request above all) serve one signature after another.
type state struct {
	canon, sts, names, out, sum []byte
	set                         []header    // signerHeaders, lower-cased once
	key                         *derivedKey // the last key used, and its HMAC
	mac                         hash.Hash
}

var statePool = sync.Pool{New: func() any { return &state{canon: make([]byte, 0, 1024), set: slices.Clone(signerHeaders[:])} }}

func putState(st *state) {
	if cap(st.canon) <= 64<<10 { // an oversized buffer is left to the collector
		statePool.Put(st)
	}
}

// sign computes the signature over r under k; datetime is the string to
// sign's second line. tr, if not nil, receives what the signature covers.
func (st *state) sign(r *request, k *derivedKey, datetime string, tr *Trace) (sig [2 * sha256.Size]byte, err error) {
	if err = st.canonicalRequest(r); err != nil {
		return sig, err
	}
	st.stringToSign(datetime, k.scope)
	if tr != nil {
		*tr = Trace{CanonicalRequest: string(st.canon), StringToSign: string(st.sts), Scope: k.scope}
		if r.additional != "" {
			tr.AdditionalHeaders = strings.Split(r.additional, ";")
		}
	}
	return st.signature(k), nil
}

func scope(date, region, product string) string {
	return date + "/" + region + "/" + product + "/" + scopeTerminator
}

func (st *state) stringToSign(datetime, scope string) {
	sum := sha256.Sum256(st.canon)
	b := append(append(st.sts[:0], Algorithm+"\n"...), datetime...)
	b = append(append(append(b, '\n'), scope...), '\n')
	st.sts = hex.AppendEncode(b, sum[:])
}

func deriveKey(secret, date, region, product string) []byte {
	key := []byte(keyPrefix + secret)
	for _, part := range [...]string{date, region, product, scopeTerminator} {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(part))
		key = m.Sum(nil)
	}
	return key
}

// derivedKey is a signing key, what it was derived from, and its scope.
type derivedKey struct {
	keyID
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
	keys map[keyID]*derivedKey // made on first use, and anew when full
}

func (st *state) signingKey(secret, date, region, product string) *derivedKey {
	id := keyID{secret, date, region, product}
	if st.key != nil && st.key.keyID == id {
		return st.key // this state's last key: no lock
	}
	keyCache.Lock()
	defer keyCache.Unlock()
	k := keyCache.keys[id]
	if k == nil {
		k = &derivedKey{keyID: id, scope: scope(date, region, product), key: deriveKey(secret, date, region, product)}
		if keyCache.keys == nil || len(keyCache.keys) >= maxCachedKeys {
			keyCache.keys = make(map[keyID]*derivedKey)
		}
		keyCache.keys[id] = k
	}
	return k
}

// signature is the hex HMAC-SHA256 of st.sts under k. The state keeps the
// HMAC of its last key: Reset restores its keyed state, cheaper than hmac.New.
func (st *state) signature(k *derivedKey) (sig [2 * sha256.Size]byte) {
	if st.key != k {
		st.key, st.mac = k, hmac.New(sha256.New, k.key)
	}
	st.mac.Reset()
	st.mac.Write(st.sts)
	st.sum = st.mac.Sum(st.sum[:0])
	hex.Encode(sig[:], st.sum)
	return sig
}
