package fcrt_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor/fcrt"
	"github.com/wgor-dev/wgor/wgor/wgortest"
)

// A handler that opens the original itself keeps the headers that still
// describe a transformed object, and sets its own over them.
func ExampleOriginal_CopyObjectHeaders() {
	orig := &fcrt.Original{Header: http.Header{
		"Content-Type":   {"text/csv"},
		"Cache-Control":  {"max-age=60"},
		"Etag":           {`"A1B2"`},
		"Content-Length": {"1234"},
	}}
	h := http.Header{"Content-Type": {"application/jsonl"}}
	orig.CopyObjectHeaders(h)
	fmt.Println(h.Get("Content-Type"), h.Get("Cache-Control"), h.Get("Etag") == "", h.Get("Content-Length") == "")
	// Output: application/jsonl max-age=60 true true
}

func TestInvocationCarriesWhatTheRuntimeKnows(t *testing.T) {
	var got *fcrt.Invocation
	var fromCtx bool
	var deadline time.Time
	h := handler(func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
		got = inv
		var c *fcrt.Invocation
		c, fromCtx = fcrt.FromContext(ctx)
		fromCtx = fromCtx && c == inv
		deadline, _ = ctx.Deadline()
		return nil
	})
	ap := wgortest.Start(t, h, &wgortest.Config{Region: "cn-qingdao", Timeout: 5 * time.Second})
	resp, err := ap.GetObject(context.Background(), "k", nil)
	require.NoError(t, err)
	require.NotNil(t, got)
	assert.True(t, fromCtx)
	assert.Equal(t, resp.Header.Get("X-Oss-Request-Id"), got.RequestID)
	assert.Equal(t, "cn-qingdao", got.Region)
	assert.Equal(t, got.Deadline, deadline)
	assert.WithinDuration(t, time.Now().Add(5*time.Second), deadline, 2*time.Second)
	c, err := got.Credentials.Credentials(context.Background())
	require.NoError(t, err)
	assert.Equal(t, ap.Credentials().AccessKeyID, c.AccessKeyID)
	assert.True(t, strings.HasPrefix(got.Event.GetObjectContext.InputOSSURL, ap.URL()+"/k?"))
}

func TestForwardPassesTheOriginalsErrorThrough(t *testing.T) {
	ap := wgortest.Start(t, handler(fcrt.Forward), nil)
	resp, err := ap.GetObject(context.Background(), "nothing-here", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Contains(t, string(resp.Body), "<Code>NoSuchKey</Code>")
	invs := ap.Invocations()
	require.Len(t, invs, 1)
	assert.NoError(t, invs[0].Err, "the function answered as it should")
}

func TestOpenOriginalStreamsAndTypesErrors(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 100_000)
	var orig *fcrt.Original
	var got []byte
	var missing error
	h := handler(func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
		o, err := fcrt.OpenOriginal(ctx, inv, nil)
		if err != nil {
			missing = err
			return err
		}
		defer o.Body.Close()
		orig = o
		got, err = io.ReadAll(o.Body)
		return err
	})
	ap := wgortest.Start(t, h, &wgortest.Config{ObjectMap: map[string][]byte{"d.bin": data}})
	_, err := ap.GetObject(context.Background(), "d.bin", nil)
	require.NoError(t, err)
	require.NotNil(t, orig)
	assert.Equal(t, 200, orig.StatusCode)
	assert.Equal(t, int64(len(data)), orig.ContentLength)
	assert.NotEmpty(t, orig.Header.Get("Last-Modified"))
	assert.Equal(t, data, got)

	_, err = ap.GetObject(context.Background(), "none.bin", nil)
	require.NoError(t, err)
	var oe *fcrt.OriginalError
	require.ErrorAs(t, missing, &oe)
	assert.Equal(t, 404, oe.StatusCode)
	assert.Equal(t, "NoSuchKey", oe.Code)
	assert.NotEmpty(t, oe.RequestID)
	assert.NotContains(t, oe.Error(), "x-oss-signature")
}
