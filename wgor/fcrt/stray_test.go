package fcrt_test

import (
	"context"
	"io"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor/fcrt"
	"github.com/wgor-dev/wgor/wgor/wgortest"
)

// A handler's goroutine that still writes as the handler returns: each of
// its Writes either reaches OSS or fails, never succeeds and is lost.
func TestAWriteRacingTheReturnIsSentOrFails(t *testing.T) {
	for _, length := range []string{"", "100000"} {
		t.Run("Content-Length "+length, func(t *testing.T) {
			var ok atomic.Int64 // bytes whose Write succeeded
			stopped := make(chan struct{}, 1)
			h := handler(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
				if length != "" {
					w.Header().Set("Content-Length", length)
				}
				_, err := io.WriteString(w, "a")
				ok.Add(1)
				go func() {
					defer func() { stopped <- struct{}{} }()
					for range 200_000 {
						if n, err := io.WriteString(w, "x"); err != nil {
							return
						} else if ok.Add(int64(n)); length != "" && ok.Load() == 100000 {
							return
						}
					}
				}()
				return err
			})
			ap := wgortest.Start(t, h, nil)
			for range 100 {
				ok.Store(0)
				ap.GetObject(context.Background(), "k", nil) // a cut-short answer is an error
				<-stopped
				relays := ap.Relays()
				require.NotEmpty(t, relays)
				r := relays[len(relays)-1]
				if r.Answer == 200 {
					assert.EqualValues(t, ok.Load(), len(r.Body), "what OSS took as whole holds every byte written")
				}
			}
		})
	}
}
