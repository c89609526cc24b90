package sign

import (
	"crypto/hmac"
	"crypto/sha256"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHMACIsCryptoHMAC holds the signer's HMAC-SHA256 to crypto/hmac's, for
// keys shorter than, as long as and longer than a SHA-256 block.
func TestHMACIsCryptoHMAC(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 3 * sha256.BlockSize {
		key, data := make([]byte, n), make([]byte, r.IntN(600))
		for i := range key {
			key[i] = byte(r.Uint32())
		}
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		m := hmac.New(sha256.New, key)
		m.Write(data)
		got := hmacSHA256(key, data)
		require.Equal(t, m.Sum(nil), got[:], "key of %d bytes, data of %d", n, len(data))
		got = hmacSHA256(key, string(data))
		require.Equal(t, m.Sum(nil), got[:], "key of %d bytes, data of %d", n, len(data))
	}
}
