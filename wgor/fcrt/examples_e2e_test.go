package fcrt_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor/fcrt"
	"github.com/wgor-dev/wgor/wgor/wgortest"
)

// The handlers of the Examples, driven harder than an Example can show.

func TestExampleRedPNGEndToEnd(t *testing.T) {
	ap := wgortest.Start(t, fcrt.HandlerFunc(redSquare), nil)
	for _, key := range []string{"a.png", "dir/b c.png", "ünï.png"} {
		resp, err := ap.GetObject(context.Background(), key, nil)
		require.NoError(t, err)
		assert.Equal(t, 200, resp.StatusCode)
		img, err := png.Decode(bytes.NewReader(resp.Body))
		require.NoError(t, err, key)
		assert.Equal(t, 200, img.Bounds().Dx())
		assert.Equal(t, strconv.Itoa(len(resp.Body)), resp.Header.Get("Content-Length"))
	}
	for _, r := range ap.Relays() {
		assert.Equal(t, 200, r.Answer)
		assert.Positive(t, r.ContentLength, "the length is declared")
	}
}

func TestExampleForwardEndToEnd(t *testing.T) {
	data := make([]byte, 5<<20+17)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	ap := wgortest.Start(t, fcrt.HandlerFunc(fcrt.Forward), &wgortest.Config{ObjectMap: map[string][]byte{"blob.bin": data}})
	resp, err := ap.GetObject(context.Background(), "blob.bin", nil)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.True(t, bytes.Equal(data, resp.Body), "byte-exact")
	relays := ap.Relays()
	require.Len(t, relays, 1)
	assert.Equal(t, int64(len(data)), relays[0].ContentLength, "the original's length is forwarded")
	assert.NotEmpty(t, relays[0].Header.Get("Last-Modified"))
}

func TestExampleTransformEndToEnd(t *testing.T) {
	var text bytes.Buffer
	for i := range 200_000 {
		fmt.Fprintf(&text, "line %d of the original\n", i)
	}
	shout := fcrt.HandlerFunc(func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
		return fcrt.Transform(ctx, w, inv, func(w fcrt.ResponseWriter, original io.Reader) error {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, err := io.Copy(w, upper{original}) // as ExampleTransform
			return err
		})
	})
	ap := wgortest.Start(t, shout, &wgortest.Config{ObjectMap: map[string][]byte{"big.txt": text.Bytes()}})
	resp, err := ap.GetObject(context.Background(), "big.txt", nil)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.True(t, bytes.Equal(bytes.ToUpper(text.Bytes()), resp.Body), "byte-exact")
	relays := ap.Relays()
	require.Len(t, relays, 1)
	assert.Equal(t, int64(text.Len()), relays[0].ContentLength, "a body of unknown length is spooled and sent with its length")
	assert.Empty(t, relays[0].Header.Get("Etag"), "the original's ETag does not describe the new bytes")
	assert.Empty(t, relays[0].Header.Get("Content-Length"))
	assert.NotEmpty(t, relays[0].Header.Get("Last-Modified"))

	resp, err = ap.GetObject(context.Background(), "absent.txt", nil)
	require.NoError(t, err)
	assert.Equal(t, 404, resp.StatusCode)
	assert.Contains(t, string(resp.Body), "<Code>NoSuchKey</Code>")
}

func TestExampleErrorEndToEnd(t *testing.T) {
	private := fcrt.HandlerFunc(func(context.Context, fcrt.ResponseWriter, *fcrt.Invocation) error {
		return fcrt.Error(404, "NoSuchKey", "The specified key does not exist.")
	})
	ap := wgortest.Start(t, private, nil)
	resp, err := ap.GetObject(context.Background(), "secret.txt", nil)
	require.NoError(t, err)
	assert.Equal(t, 404, resp.StatusCode)
	relays := ap.Relays()
	require.Len(t, relays, 1)
	assert.Equal(t, 404, relays[0].Status)
	assert.Equal(t, "application/xml", relays[0].Header.Get("Content-Type"))
	assert.Equal(t, int64(len(relays[0].Body)), relays[0].ContentLength, "an error body has its length")
	invs := ap.Invocations()
	require.Len(t, invs, 1)
	assert.NoError(t, invs[0].Err, "a deliberate answer is not a failed invocation")
}
