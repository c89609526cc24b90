package fcrt_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor/fcrt"
	"github.com/wgor-dev/wgor/wgor/wgortest"
)

// TestWholeBodyInOneWriteIsSentWithItsLength: a first Write holding the
// whole declared body sends it in one piece, with its Content-Length, and
// returns once OSS answered; a later Write fails.
func TestWholeBodyInOneWriteIsSentWithItsLength(t *testing.T) {
	var n int
	var firstErr, laterErr error
	h := handler(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
		w.Header().Set("Content-Length", "5")
		n, firstErr = w.Write([]byte("hello"))
		_, laterErr = w.Write([]byte("!"))
		return nil
	})
	ap := wgortest.Start(t, h, nil)
	resp, err := ap.GetObject(context.Background(), "k", nil)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "hello", string(resp.Body))
	relays := ap.Relays()
	require.Len(t, relays, 1)
	assert.Equal(t, int64(5), relays[0].ContentLength)
	assert.NoError(t, firstErr)
	assert.Equal(t, 5, n)
	assert.ErrorContains(t, laterErr, "more than its Content-Length 5")
}
