package sign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/wgor-dev/wgor/internal/redact"
)

// The steps from the string to sign on, as calcStringToSign, deriveSigningKey
// and calcSignature in the official signer (oss/signer/v4.go).

// scopeTerminator ends the scope and the signing key's chain.
const scopeTerminator = "aliyun_v4_request"

// compute runs every step from the canonical request to the signature, and
// fills tr, when not nil, with what the signature was computed over.
// datetime is the string to sign's second line.
func compute(r *request, keys *KeyCache, secret, datetime, scope string, tr *Trace) string {
	canonical := canonicalRequest(make([]byte, 0, 1024), r)
	sts := stringToSign(datetime, scope, canonical)
	if tr != nil {
		*tr = Trace{CanonicalRequest: string(canonical), StringToSign: string(sts), Scope: scope, AdditionalHeaders: r.additional}
	}
	if keys == nil {
		keys = &KeyCache{} // for this signature only
	}
	return keys.signature(secret, scope, sts)
}

// stringToSign is the algorithm, the time, the scope and the canonical
// request's hex SHA-256, a line each.
func stringToSign(datetime, scope string, canonicalRequest []byte) []byte {
	sum := sha256.Sum256(canonicalRequest)
	b := append(make([]byte, 0, len(Algorithm)+len(datetime)+len(scope)+3+2*sha256.Size), Algorithm+"\n"...)
	b = append(append(b, datetime...), '\n')
	b = append(append(b, scope...), '\n')
	return hex.AppendEncode(b, sum[:])
}

// signingKey is the HMAC-SHA256 chain from "aliyun_v4" + secret through the
// parts of the scope: the date, the region, the product and aliyun_v4_request.
func signingKey(secret, scope string) []byte {
	key := []byte("aliyun_v4" + secret)
	for part := range strings.SplitSeq(scope, "/") {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(part))
		key = m.Sum(nil)
	}
	return key
}

// A KeyCache keeps the signing key derived last, so that the signatures of
// one day, region and secret derive it once: the derivation is four HMACs,
// as much as the rest of a signature (aws-sdk-go-v2's signer caches its keys
// too). It prints nothing it holds. The zero KeyCache is ready to use and
// safe for concurrent use: share one in the struct that signs, as
// wgor.Client does, as Options.KeyCache.
type KeyCache struct {
	mu sync.Mutex
	// last is an atomic.Pointer, which fmt prints as an address in every
	// verb: a KeyCache printed as a field of another struct, where fmt
	// cannot call Format, shows neither the secret nor a signature.
	last atomic.Pointer[derivedKey]
}

type derivedKey struct {
	of  [2]string // the secret and the scope of mac's key
	mac hash.Hash // HMAC-SHA256 under the signing key
	sum []byte    // mac's sum, kept for the next
}

// signature is the hex HMAC-SHA256 of the string to sign under the signing
// key of secret and scope, derived once while they stay the same.
func (c *KeyCache) signature(secret, scope string, stringToSign []byte) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.last.Load()
	if of := [2]string{secret, scope}; k == nil || k.of != of {
		k = &derivedKey{of: of, mac: hmac.New(sha256.New, signingKey(secret, scope))}
		c.last.Store(k)
	}
	k.mac.Reset()
	k.mac.Write(stringToSign)
	k.sum = k.mac.Sum(k.sum[:0])
	return string(hex.AppendEncode(make([]byte, 0, 2*sha256.Size), k.sum))
}

// String says what the cache is, never what it holds.
func (c *KeyCache) String() string { return "sign.KeyCache{" + redact.Mark + "}" }

// Format makes every fmt verb print String.
func (c *KeyCache) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String()) }

// LogValue makes log/slog print String.
func (c *KeyCache) LogValue() slog.Value { return redact.LogValue(c.String()) }
