package accesspoint

import (
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLargeResponseStreamsByteExactInConstantMemory(t *testing.T) {
	const size = 64 << 20
	for _, chunked := range []bool{false, true} {
		t.Run("chunked="+strconv.FormatBool(chunked), func(t *testing.T) {
			want := sha256.New()
			_, err := io.Copy(want, generated(size))
			require.NoError(t, err)

			answers := make(chan answer, 1)
			rp := reply{headers: map[string]string{"Content-Type": "application/octet-stream"}, chunked: chunked}
			s := start(t, Config{AllowChunked: chunked, Function: InvokerFunc(func(ctx context.Context, inv *Invocation) error {
				rp := rp
				rp.body = generated(size)
				if !chunked {
					rp.before = func(r *http.Request) { r.ContentLength = size }
				}
				answers <- send(ctx, inv, parseEvent(t, inv), rp)
				return nil
			})})

			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)

			resp, err := http.Get(s.URL() + "/big.bin")
			require.NoError(t, err)
			got := sha256.New()
			n, err := io.Copy(got, resp.Body)
			resp.Body.Close()
			require.NoError(t, err)

			runtime.ReadMemStats(&after)
			assert.Equal(t, int64(size), n)
			assert.Equal(t, want.Sum(nil), got.Sum(nil), "the body arrived byte-exact")
			if chunked {
				assert.Equal(t, int64(-1), resp.ContentLength)
			} else {
				assert.Equal(t, int64(size), resp.ContentLength)
			}
			// Both ends of both connections live in this process; a relay
			// that buffered the body would allocate at least its size.
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20), "bytes allocated while relaying 64 MiB")

			a := receive(t, answers)
			require.NoError(t, a.err)
			assert.Equal(t, http.StatusOK, a.status)
		})
	}
}

// generated returns n deterministic pseudo-random bytes.
func generated(n int64) io.Reader {
	return io.LimitReader(rand.NewChaCha8([32]byte{'w', 'g', 'o', 'r'}), n)
}
