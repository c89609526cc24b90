package fcrt_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor/fcrt"
)

// inputOf is an invocation whose event's inputOssUrl is u.
func inputOf(u string) *fcrt.Invocation {
	return &fcrt.Invocation{Event: &fcrt.Event{GetObjectContext: fcrt.GetObjectContext{
		OutputRoute: "route", OutputToken: "OSSV1#token", InputOSSURL: u}}}
}

func TestOpenOriginalNeverSendsThePresignedURLOnARedirect(t *testing.T) {
	const sig = "x-oss-signature=b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1"
	referer := make(chan string, 1)
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		referer <- r.Header.Get("Referer")
		io.WriteString(w, "moved content")
	}))
	defer elsewhere.Close()
	bucket := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/other", http.StatusFound) // a bucket's redirect rule
	}))
	defer bucket.Close()

	orig, err := fcrt.OpenOriginal(context.Background(), inputOf(bucket.URL+"/k?x-oss-signature-version=OSS4-HMAC-SHA256&"+sig), nil)
	require.NoError(t, err)
	defer orig.Body.Close()
	body, err := io.ReadAll(orig.Body)
	require.NoError(t, err)
	assert.Equal(t, "moved content", string(body))
	assert.Empty(t, <-referer, "the redirect's target is not told the presigned URL, signature and all")
}
