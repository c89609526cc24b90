package fcrt_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor/fcrt"
	"github.com/wgor-dev/wgor/wgor/wgortest"
)

// BenchmarkWriteSizes answers 8 MiB through the test access point in
// writes of the given size, the length unknown to the runtime (so spooled);
// the baseline, "whole", is one Write of it all with its Content-Length.
func BenchmarkWriteSizes(b *testing.B) {
	const total = 8 << 20
	for _, size := range []int{24, 512, 32 << 10, total} {
		name := strconv.Itoa(size)
		if size == total {
			name = "whole"
		}
		b.Run(name, func(b *testing.B) {
			chunk := make([]byte, size)
			h := fcrt.HandlerFunc(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
				if size == total {
					w.Header().Set("Content-Length", strconv.Itoa(total))
				}
				for n := 0; n < total; n += size {
					if _, err := w.Write(chunk); err != nil {
						return err
					}
				}
				return nil
			})
			ap := wgortest.Start(b, h, nil)
			b.SetBytes(total)
			for b.Loop() {
				resp, err := ap.GetObject(context.Background(), "k", nil)
				require.NoError(b, err)
				require.GreaterOrEqual(b, len(resp.Body), total)
			}
		})
	}
}
