package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/sign"
)

// TestSignV4IsWhatOSSAccepts checks the hand-written signature with wgor's
// verifier, which the official V4 vectors check (sign's tests).
func TestSignV4IsWhatOSSAccepts(t *testing.T) {
	keys := sign.Credentials{AccessKeyID: "STS.floor", AccessKeySecret: "secret", SecurityToken: "token"}
	now := time.Now().UTC()
	for _, token := range []string{keys.SecurityToken, ""} {
		req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/?x-oss-write-get-object-response", nil)
		require.NoError(t, err)
		req.Header.Set("x-oss-request-route", "127.0.0.1:1")
		req.Header.Set("x-oss-request-token", "OSSV1#abc")
		req.Header.Set("x-oss-fwd-status", "200")
		req.Header.Set("x-oss-fwd-header-Content-Type", "image/png")
		req.Header.Set("User-Agent", "floor")
		signV4(req, keys.AccessKeyID, keys.AccessKeySecret, token, "cn-hangzhou", now)

		want := keys
		want.SecurityToken = token
		v, err := sign.Verify(req, &sign.VerifyOptions{Region: "cn-hangzhou", Now: now, Lookup: func(id string) (sign.Credentials, bool) {
			return want, id == want.AccessKeyID
		}})
		require.NoError(t, err, "token %q", token)
		assert.Equal(t, "STS.floor", v.AccessKeyID)

		req.Header.Set("x-oss-fwd-status", "404") // a signed header changed after signing
		_, err = sign.Verify(req, &sign.VerifyOptions{Region: "cn-hangzhou", Now: now, Lookup: func(id string) (sign.Credentials, bool) {
			return want, id == want.AccessKeyID
		}})
		assert.Error(t, err)
	}
}

func TestRedPNGIsA200x200PNG(t *testing.T) {
	b := redPNG()
	require.Greater(t, len(b), 8)
	assert.Equal(t, "\x89PNG\r\n\x1a\n", string(b[:8]))
}
