package sign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestWGORBlockShortcut checks that hashing a WriteGetObjectResponse
// canonical request from the precomputed first block gives the digest of
// the whole request, at every length around the block boundaries.
func TestWGORBlockShortcut(t *testing.T) {
	require.Len(t, wgorBlock, sha256.BlockSize)
	st := getState()
	defer putState(st)
	ts := newStamp(time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC))
	for n := 0; n <= 3*sha256.BlockSize; n++ {
		canon := wgorBlock + strings.Repeat("x", n)
		for _, c := range []string{canon, "PUT" + canon[4:]} {
			st.canon = append(st.canon[:0], c...)
			st.signature("secret", &ts, "cn-qingdao", "oss")
			want := sha256.Sum256([]byte(c))
			// The string to sign ends with the hex digest of the canonical request.
			require.Equal(t, hexOf(want[:]), string(st.sts[len(st.sts)-64:]), "length %d", len(c))
		}
	}
}

// TestSecondStateReuse checks that the HMAC of the string to sign is the
// same whether it starts from the state cached for the second or not: in
// the same second, in the next one, back in the first (the cache holds one
// second per key), and under other keys, interleaved.
func TestSecondStateReuse(t *testing.T) {
	st := getState()
	defer putState(st)
	t0 := time.Date(2026, 11, 24, 23, 59, 58, 0, time.UTC)
	times := []time.Time{t0, t0, t0.Add(time.Second), t0.Add(time.Second), t0, t0.Add(2 * time.Second), t0.Add(2 * time.Second)}
	type signer struct{ secret, region, product string }
	signers := []signer{{"secret", "cn-qingdao", "oss"}, {"secret", "r", "p"}, {"other", "cn-qingdao", "oss"}, {"secret", "cn-qingdao", "oss-lambda"}}
	hits := 0
	for i, tm := range times {
		for j, s := range signers {
			ts := newStamp(tm)
			k := keys.get(s.secret, ts.date(), s.region, s.product)
			if c := k.second.Load(); c != nil && c.datetime == ts.datetime {
				hits++
			}
			st.canon = append(st.canon[:0], fmt.Sprintf("canonical request %d %d", i, j)...)
			sig, _ := st.signature(s.secret, &ts, s.region, s.product)

			key := hmacSHA256([]byte(keyPrefix+s.secret), string(ts.date()))
			for _, part := range []string{s.region, s.product, scopeTerminator} {
				key = hmacSHA256(key, part)
			}
			m := hmac.New(sha256.New, key)
			m.Write(st.sts)
			require.Equal(t, hex.EncodeToString(m.Sum(nil)), string(sig[:]), "time %d, signer %d", i, j)
		}
	}
	// Times 1, 3 and 6 follow a signature in the same second, for every signer.
	require.Equal(t, 3*len(signers), hits)
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	var s strings.Builder
	for _, c := range b {
		s.WriteByte(digits[c>>4])
		s.WriteByte(digits[c&15])
	}
	return s.String()
}
