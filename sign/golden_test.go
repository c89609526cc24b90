package sign_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/sign"
)

// vector is one request signed by the official OSS Go SDK v2; the schema is
// described in ../shared/golden/README.md.
type vector struct {
	Name              string   `json:"name"`
	Group             string   `json:"group"`
	Method            string   `json:"method"`
	URL               string   `json:"url"`
	Bucket            *string  `json:"bucket"`
	Key               *string  `json:"key"`
	Headers           []header `json:"headers"`
	Region            string   `json:"region"`
	Product           string   `json:"product"`
	AccessKeyID       string   `json:"access_key_id"`
	AccessKeySecret   string   `json:"access_key_secret"`
	SecurityToken     string   `json:"security_token"`
	AdditionalHeaders []string `json:"additional_headers"`
	Presign           bool     `json:"presign"`
	Time              string   `json:"time"`
	ExpiresSeconds    int64    `json:"expires_seconds"`
	CanonicalRequest  string   `json:"canonical_request"`
	StringToSign      string   `json:"string_to_sign"`
	Signature         string   `json:"signature"`
	Authorization     string   `json:"authorization"`
	AddedHeaders      []header `json:"added_headers"`
	SignedURL         string   `json:"signed_url"`
}

type header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// loadVectors reads testdata/v4-vectors.json, or the file named by
// WGOR_V4_VECTORS.
func loadVectors(t testing.TB) []vector {
	t.Helper()
	path := os.Getenv("WGOR_V4_VECTORS")
	if path == "" {
		path = filepath.Join("..", "testdata", "v4-vectors.json")
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err, "read golden vectors")
	var vs []vector
	require.NoError(t, json.Unmarshal(data, &vs), "parse %s", path)
	require.NotEmpty(t, vs, "%s holds no vector", path)
	return vs
}

// request rebuilds the unsigned request and the options of a vector.
func (v vector) request(t testing.TB) (*http.Request, *sign.Options) {
	t.Helper()
	req, err := http.NewRequest(v.Method, v.URL, nil)
	require.NoError(t, err, "%s: url", v.Name)
	for _, h := range v.Headers {
		req.Header.Add(h.Name, h.Value)
	}
	at, err := time.Parse(time.RFC3339, v.Time)
	require.NoError(t, err, "%s: time", v.Name)
	o := &sign.Options{
		Credentials: sign.Credentials{
			AccessKeyID:     v.AccessKeyID,
			AccessKeySecret: v.AccessKeySecret,
			SecurityToken:   v.SecurityToken,
		},
		Region:            v.Region,
		Product:           v.Product,
		AdditionalHeaders: v.AdditionalHeaders,
		Time:              at,
		Expires:           time.Duration(v.ExpiresSeconds) * time.Second,
		Trace:             &sign.Trace{},
	}
	if v.Bucket != nil {
		o.Bucket = *v.Bucket
	}
	if v.Key != nil {
		o.Key = *v.Key
	}
	return req, o
}

func TestGoldenVectors(t *testing.T) {
	vs := loadVectors(t)
	names := map[string]bool{}
	for _, v := range vs {
		require.False(t, names[v.Name], "vector name %q repeats", v.Name)
		names[v.Name] = true
		t.Run(v.Name, func(t *testing.T) {
			req, o := v.request(t)
			before := req.Header.Clone()
			if v.Presign {
				got, err := sign.Presign(req, o)
				require.NoError(t, err)
				assert.Equal(t, v.SignedURL, got, "signed URL")
				assert.Equal(t, before, req.Header, "presigning must not add headers")
			} else {
				require.NoError(t, sign.Sign(req, o))
				assert.Equal(t, v.Authorization, req.Header.Get("Authorization"), "Authorization")
				added := http.Header{}
				for name := range req.Header {
					if _, ok := before[name]; !ok {
						added[name] = req.Header[name]
					}
				}
				want := http.Header{}
				for _, h := range v.AddedHeaders {
					want.Add(h.Name, h.Value)
				}
				assert.Equal(t, want, added, "headers added by the signer")
			}
			assert.Equal(t, v.CanonicalRequest, o.Trace.CanonicalRequest, "canonical request")
			assert.Equal(t, v.StringToSign, o.Trace.StringToSign, "string to sign")
			assert.Contains(t, o.Trace.StringToSign, o.Trace.Scope, "scope")
			if v.Presign {
				assert.Contains(t, req.URL.RawQuery, "x-oss-signature="+v.Signature, "signature")
			} else {
				assert.Contains(t, req.Header.Get("Authorization"), "Signature="+v.Signature, "signature")
			}
		})
	}
	if !t.Failed() {
		t.Logf("golden: %d vectors passed", len(vs))
	}
}

// TestGoldenVectorsWithOneKeyCache signs every vector twice through one
// KeyCache, whose key changes with each vector's secret, day and region:
// a cached key is never another's.
func TestGoldenVectorsWithOneKeyCache(t *testing.T) {
	keys := &sign.KeyCache{}
	for range 2 {
		for _, v := range loadVectors(t) {
			req, o := v.request(t)
			o.KeyCache = keys
			if v.Presign {
				got, err := sign.Presign(req, o)
				require.NoError(t, err)
				assert.Equal(t, v.SignedURL, got, v.Name)
				continue
			}
			require.NoError(t, sign.Sign(req, o))
			assert.Equal(t, v.Authorization, req.Header.Get("Authorization"), v.Name)
		}
	}
	// Held in a struct of the caller's, as a field fmt cannot call Format
	// on, the cache still shows no secret and no signature.
	holder := struct{ keys sign.KeyCache }{}
	req, o := loadVectors(t)[0].request(t)
	o.KeyCache = &holder.keys
	require.NoError(t, sign.Sign(req, o))
	_, sig, _ := strings.Cut(req.Header.Get("Authorization"), "Signature=")
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
		assert.Equal(t, "sign.KeyCache{<redacted>}", fmt.Sprintf(verb, keys), verb)
		out := fmt.Sprintf(verb, &holder)
		for _, secret := range []string{o.Credentials.AccessKeySecret, sig} {
			assert.NotContains(t, out, secret, verb)
		}
	}
}
