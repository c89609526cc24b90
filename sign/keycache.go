package sign

import (
	"crypto/sha256"
	"fmt"
	"log/slog"
	"sync"

	"github.com/wgor-dev/wgor/internal/redact"
)

// A KeyCache keeps the signing key derived last, so that the signatures of
// one day, region and secret derive it once: the derivation is four HMACs,
// as much as the rest of a signature (aws-sdk-go-v2's signer caches its keys
// for the same reason). It keeps a hash of the secret, never the secret, and
// prints nothing it holds. The zero KeyCache is ready to use and safe for
// concurrent use; share one per process, in the struct that signs, as
// wgor.Client does. Set it as Options.KeyCache; nil derives every key.
type KeyCache struct {
	mu   sync.Mutex
	id   [sha256.Size]byte // of the secret, the date, the region and the product
	last []byte
}

// key returns the signing key, derived or from the cache.
func (c *KeyCache) key(secret, date, region, product string) []byte {
	if c == nil {
		return signingKey(secret, date, region, product)
	}
	id := sha256.Sum256([]byte(secret + "\n" + date + "\n" + region + "\n" + product))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil || c.id != id {
		c.id, c.last = id, signingKey(secret, date, region, product)
	}
	return c.last
}

// String says what the cache is, never what it holds.
func (c *KeyCache) String() string { return "sign.KeyCache{" + redact.Mark + "}" }

// Format makes every fmt verb print String.
func (c *KeyCache) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String()) }

// LogValue makes log/slog print String.
func (c *KeyCache) LogValue() slog.Value { return redact.LogValue(c.String()) }
