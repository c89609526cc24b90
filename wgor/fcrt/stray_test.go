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

// Headers set in the map by hand, not in canonical form, follow the same
// rules: the message's own framing is never forwarded, and the length is
// held.
func TestHeadersSetInAnyCaseFollowTheRules(t *testing.T) {
	h := handler(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
		w.Header()["content-length"] = []string{"5"}
		w.Header()["transfer-encoding"] = []string{"chunked"}
		w.Header()["connection"] = []string{"close"}
		w.Header()["content-type"] = []string{"text/plain"}
		_, err := io.WriteString(w, "hello")
		return err
	})
	ap := wgortest.Start(t, h, nil)
	resp, err := ap.GetObject(context.Background(), "k", nil)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(resp.Body))
	relays := ap.Relays()
	require.Len(t, relays, 1)
	for _, name := range []string{"Content-Length", "Transfer-Encoding", "Connection"} {
		assert.Empty(t, relays[0].Header.Values(name), "%s is forwarded", name)
	}
	assert.Equal(t, "text/plain", relays[0].Header.Get("Content-Type"))
}
