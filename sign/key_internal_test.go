package sign

import (
	"crypto/sha256"
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

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	var s strings.Builder
	for _, c := range b {
		s.WriteByte(digits[c>>4])
		s.WriteByte(digits[c&15])
	}
	return s.String()
}
