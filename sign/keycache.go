package sign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"log/slog"
	"sync"

	"github.com/wgor-dev/wgor/internal/redact"
)

// A KeyCache keeps the signing key derived last, so that the signatures of
// one day, region and secret derive it once: the derivation is four HMACs,
// as much as the rest of a signature (aws-sdk-go-v2's signer caches its keys
// for the same reason). It prints nothing it holds. The zero KeyCache is ready to use and safe for
// concurrent use; share one per process, in the struct that signs, as
// wgor.Client does. Set it as Options.KeyCache; nil derives every key.
type KeyCache struct {
	mu  sync.Mutex
	key [4]string // the secret, the date, the region and the product of mac's key
	mac hash.Hash // HMAC-SHA256 under the key derived last, or nil
}

// signature is the signature of stringToSign under the signing key of
// secret, date, region and product, derived or from the cache.
func (c *KeyCache) signature(secret, date, region, product string, stringToSign []byte) string {
	if c == nil {
		return signature(signingKey(secret, date, region, product), stringToSign)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if id := [4]string{secret, date, region, product}; c.mac == nil || c.key != id {
		c.key, c.mac = id, hmac.New(sha256.New, signingKey(secret, date, region, product))
	}
	c.mac.Reset()
	c.mac.Write(stringToSign)
	var sum [sha256.Size]byte
	return hex.EncodeToString(c.mac.Sum(sum[:0]))
}

// String says what the cache is, never what it holds.
func (c *KeyCache) String() string { return "sign.KeyCache{" + redact.Mark + "}" }

// Format makes every fmt verb print String.
func (c *KeyCache) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String()) }

// LogValue makes log/slog print String.
func (c *KeyCache) LogValue() slog.Value { return redact.LogValue(c.String()) }
