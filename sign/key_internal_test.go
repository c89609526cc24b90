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
// same whether it starts from the state kept for the last key and second or
// not: in the same second, in the next one, back in the first, under other
// keys, and interleaved.
func TestSecondStateReuse(t *testing.T) {
	st := getState()
	defer putState(st)
	t0 := time.Date(2026, 11, 24, 23, 59, 58, 0, time.UTC)
	times := []time.Time{t0, t0, t0.Add(time.Second), t0.Add(time.Second), t0, t0.Add(2 * time.Second), t0.Add(2 * time.Second)}
	repeat := []bool{false, true, false, true, false, false, true}
	type signer struct{ secret, region, product string }
	signers := []signer{{"secret", "cn-qingdao", "oss"}, {"secret", "r", "p"}, {"other", "cn-qingdao", "oss"}, {"secret", "cn-qingdao", "oss-lambda"}}
	hits := 0
	for i, tm := range times {
		for j, s := range signers {
			ts := newStamp(tm)
			k := keys.get(s.secret, ts.date(), s.region, s.product)
			if st.second.key == k && st.second.datetime == ts.datetime {
				hits++
			}
			st.canon = append(st.canon[:0], fmt.Sprintf("canonical request %d %d", i, j)...)
			sig, _ := st.signature(s.secret, &ts, s.region, s.product)

			require.Equal(t, plainHMAC(s.secret, ts, s.region, s.product, st.sts), string(sig[:]), "time %d, signer %d", i, j)
		}
	}
	require.Zero(t, hits, "signers interleaved: each signature follows another key's")
	// One signer at a time: the state is reused when the second repeats.
	for j, s := range signers {
		for i, tm := range times {
			ts := newStamp(tm)
			k := keys.get(s.secret, ts.date(), s.region, s.product)
			reused := st.second.key == k && st.second.datetime == ts.datetime
			require.Equal(t, repeat[i], reused, "time %d, signer %d", i, j)
			st.canon = append(st.canon[:0], fmt.Sprintf("canonical request %d %d", i, j)...)
			sig, _ := st.signature(s.secret, &ts, s.region, s.product)
			require.Equal(t, plainHMAC(s.secret, ts, s.region, s.product, st.sts), string(sig[:]), "time %d, signer %d", i, j)
		}
	}
}

// plainHMAC is the signature of sts, computed without any saved state.
func plainHMAC(secret string, ts stamp, region, product string, sts []byte) string {
	key := hmacSHA256([]byte(keyPrefix+secret), string(ts.date()))
	for _, part := range []string{region, product, scopeTerminator} {
		key = hmacSHA256(key, part)
	}
	m := hmac.New(sha256.New, key)
	m.Write(sts)
	return hex.EncodeToString(m.Sum(nil))
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
