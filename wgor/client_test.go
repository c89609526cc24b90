package wgor_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/wgor"
)

func TestWriteSendsEveryHeaderSignedAsOSSVerifies(t *testing.T) {
	f := newFakeOSS(t)
	expires := time.Date(2026, 12, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	modified := time.Date(2026, 11, 20, 10, 30, 0, 0, time.UTC)
	r := f.response(strings.NewReader("hello, png"))
	r.Status = 206
	r.AcceptRanges = "bytes"
	r.CacheControl = "max-age=60"
	r.ContentDisposition = `attachment; filename="red.png"`
	r.ContentEncoding = "identity"
	r.ContentLanguage = "en"
	r.ContentRange = "bytes 0-9/100"
	r.ContentType = "image/png"
	r.ETag = `"5B3C1A2E053D763E1B002CC607C5A0FE"`
	r.Expires = expires
	r.LastModified = modified
	r.Header = http.Header{"x-custom": {"one", "two"}, "Vary": {"Accept"}}

	res, err := f.client().Write(context.Background(), r)
	require.NoError(t, err)

	got := f.last()
	require.NoError(t, got.VerifyErr, "signature as OSS verifies it")
	host := strings.TrimPrefix(f.srv.URL, "http://")
	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, "/", got.Path)
	assert.Equal(t, "x-oss-write-get-object-response", got.RawQuery)
	assert.Equal(t, host, got.Host)
	h := got.Header
	want := map[string]string{
		"X-Oss-Request-Route":                  host,
		"X-Oss-Request-Token":                  testToken,
		"X-Oss-Fwd-Status":                     "206",
		"X-Oss-Fwd-Header-Accept-Ranges":       "bytes",
		"X-Oss-Fwd-Header-Cache-Control":       "max-age=60",
		"X-Oss-Fwd-Header-Content-Disposition": `attachment; filename="red.png"`,
		"X-Oss-Fwd-Header-Content-Encoding":    "identity",
		"X-Oss-Fwd-Header-Content-Language":    "en",
		"X-Oss-Fwd-Header-Content-Range":       "bytes 0-9/100",
		"X-Oss-Fwd-Header-Content-Type":        "image/png",
		"X-Oss-Fwd-Header-Etag":                `"5B3C1A2E053D763E1B002CC607C5A0FE"`,
		"X-Oss-Fwd-Header-Expires":             "Tue, 01 Dec 2026 00:00:00 GMT",
		"X-Oss-Fwd-Header-Last-Modified":       "Fri, 20 Nov 2026 10:30:00 GMT",
		"X-Oss-Fwd-Header-Vary":                "Accept",
		"X-Oss-Content-Sha256":                 "UNSIGNED-PAYLOAD",
		"X-Oss-Security-Token":                 testSecurityToken,
		"User-Agent":                           wgor.DefaultUserAgent,
		"Content-Length":                       "10",
	}
	for k, v := range want {
		assert.Equal(t, []string{v}, h.Values(k), "header %s", k)
	}
	assert.Equal(t, []string{"one", "two"}, h.Values("X-Oss-Fwd-Header-X-Custom"))
	assert.Regexp(t, `^OSS4-HMAC-SHA256 Credential=LTAI-TEST-ID/\d{8}/cn-qingdao/oss/aliyun_v4_request,Signature=[0-9a-f]{64}$`, h.Get("Authorization"))
	assert.Regexp(t, `^\d{8}T\d{6}Z$`, h.Get("X-Oss-Date"))
	assert.NotEmpty(t, h.Get("Date"))
	assert.Empty(t, h.Get("Content-Type"), "the request itself has no Content-Type")
	assert.Equal(t, "hello, png", string(got.Body))

	assert.Equal(t, "REQ-0001", res.RequestID)
	assert.Equal(t, 200, res.StatusCode)
	assert.Equal(t, int64(10), res.BytesSent)
	assert.Equal(t, 1, res.Attempts)
	assert.Equal(t, "REQ-0001", res.Header.Get("X-Oss-Request-Id"))
}

func TestWriteToABareHostDerivesTheRegionAndSendsTheHost(t *testing.T) {
	f := newFakeOSS(t)
	dial := &dialCounter{addr: f.srv.Listener.Addr().String()}
	c := &wgor.Client{
		HTTPClient:  &http.Client{Transport: &http.Transport{DialContext: dial.DialContext}},
		Credentials: testCreds(),
		Scheme:      "http",
		UserAgent:   "my-function/1.0",
	}
	_, err := c.Write(context.Background(), &wgor.Response{Route: testRoute, Token: testToken, Status: 404})
	require.NoError(t, err)

	got := f.last()
	require.NoError(t, got.VerifyErr, "signed for the region in the route")
	assert.Equal(t, testRoute, got.Host)
	assert.Equal(t, testRoute, got.Header.Get("X-Oss-Request-Route"))
	assert.Equal(t, "404", got.Header.Get("X-Oss-Fwd-Status"))
	assert.Equal(t, "my-function/1.0", got.Header.Get("User-Agent"))
	assert.Contains(t, got.Header.Get("Authorization"), "/cn-qingdao/oss/aliyun_v4_request")
}

func TestWriteBodies(t *testing.T) {
	data := pattern(100_000)
	file := func(t *testing.T, offset int64) *os.File {
		path := filepath.Join(t.TempDir(), "body")
		require.NoError(t, os.WriteFile(path, data, 0o600))
		fh, err := os.Open(path)
		require.NoError(t, err)
		_, err = fh.Seek(offset, io.SeekStart)
		require.NoError(t, err)
		return fh
	}
	pipe := func(t *testing.T) *os.File {
		pr, pw, err := os.Pipe()
		require.NoError(t, err)
		go func() { pw.Write(data); pw.Close() }()
		return pr
	}
	tests := []struct {
		name     string
		body     func(t *testing.T) io.Reader
		declared int64 // -1: unknown, sent chunked by choice
		want     []byte
		chunked  bool
	}{
		{"nil body is empty", func(*testing.T) io.Reader { return nil }, 0, nil, false},
		{"bytes.Reader length detected", func(*testing.T) io.Reader { return bytes.NewReader(data) }, 0, data, false},
		{"bytes.Reader partly read sends the rest", func(*testing.T) io.Reader {
			r := bytes.NewReader(data)
			r.Seek(1000, io.SeekStart)
			return r
		}, 0, data[1000:], false},
		{"strings.Reader length detected", func(*testing.T) io.Reader { return strings.NewReader(string(data)) }, 0, data, false},
		{"bytes.Buffer length detected", func(*testing.T) io.Reader { return bytes.NewBuffer(data) }, 0, data, false},
		{"empty bytes.Buffer is empty", func(*testing.T) io.Reader { return new(bytes.Buffer) }, 0, nil, false},
		{"declared length matching a bytes.Reader", func(*testing.T) io.Reader { return bytes.NewReader(data) }, int64(len(data)), data, false},
		{"regular file from its offset", func(t *testing.T) io.Reader { return file(t, 0) }, 0, data, false},
		{"regular file from the middle", func(t *testing.T) io.Reader { return file(t, 4096) }, 0, data[4096:], false},
		{"pipe is spooled and sent with its length", func(t *testing.T) io.Reader { return pipe(t) }, 0, data, false},
		{"pipe streams chunked when asked", func(t *testing.T) io.Reader { return pipe(t) }, -1, data, true},
		{"pipe with declared length", func(t *testing.T) io.Reader { return pipe(t) }, int64(len(data)), data, false},
		{"unknown reader is spooled and sent with its length", func(*testing.T) io.Reader { return onlyReader{bytes.NewReader(data)} }, 0, data, false},
		{"unknown reader streams chunked when asked", func(*testing.T) io.Reader { return onlyReader{bytes.NewReader(data)} }, -1, data, true},
		{"unknown reader larger than the spool's memory", func(*testing.T) io.Reader { return onlyReader{bytes.NewReader(pattern(5 << 20))} }, 0, pattern(5 << 20), false},
		{"unknown reader with declared length", func(*testing.T) io.Reader { return onlyReader{bytes.NewReader(data)} }, int64(len(data)), data, false},
		{"unknown empty reader is spooled as empty", func(*testing.T) io.Reader { return onlyReader{strings.NewReader("")} }, 0, nil, false},
		{"unknown empty reader streams chunked when asked", func(*testing.T) io.Reader { return onlyReader{strings.NewReader("")} }, -1, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeOSS(t)
			r := f.response(tt.body(t))
			// A declared length of -1 here asks for a chunked stream.
			r.ContentLength, r.Chunked = max(tt.declared, 0), tt.declared < 0
			res, err := f.client().Write(context.Background(), r)
			require.NoError(t, err)
			got := f.last()
			require.NoError(t, got.VerifyErr)
			require.NoError(t, got.BodyErr)
			assert.True(t, bytes.Equal(tt.want, got.Body), "body bytes: got %d, want %d", len(got.Body), len(tt.want))
			assert.Equal(t, int64(len(tt.want)), res.BytesSent)
			if tt.chunked {
				assert.Equal(t, []string{"chunked"}, got.TransferEncoding)
				assert.Equal(t, int64(-1), got.ContentLength)
			} else {
				assert.Empty(t, got.TransferEncoding)
				assert.Equal(t, int64(len(tt.want)), got.ContentLength)
				assert.Equal(t, fmt.Sprint(len(tt.want)), got.Header.Get("Content-Length"))
			}
		})
	}
}

func TestWriteClosesAClosableBody(t *testing.T) {
	f := newFakeOSS(t)
	pr, pw := io.Pipe()
	go func() { pw.Write([]byte("streamed")); pw.Close() }()
	_, err := f.client().Write(context.Background(), f.response(pr))
	require.NoError(t, err)
	_, err = pw.Write([]byte("more"))
	assert.ErrorIs(t, err, io.ErrClosedPipe, "Write closed the body")

	// Also when the response is refused before anything is sent.
	pr, pw = io.Pipe()
	r := f.response(pr)
	r.Status = 42
	_, err = f.client().Write(context.Background(), r)
	require.ErrorIs(t, err, wgor.ErrInvalidResponse)
	_, err = pw.Write([]byte("more"))
	assert.ErrorIs(t, err, io.ErrClosedPipe)
}

func TestWriteConcurrentlySharingAClient(t *testing.T) {
	f := newFakeOSS(t)
	c := f.client()
	const workers, each = 16, 8
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				body := fmt.Sprintf("worker %d response %d", w, i)
				var rd io.Reader = strings.NewReader(body)
				if i%2 == 1 {
					rd = onlyReader{rd} // chunked
				}
				r := f.response(rd)
				r.ContentType = "text/plain"
				r.Header = http.Header{"X-Worker": {fmt.Sprint(w)}}
				if _, err := c.Write(context.Background(), r); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	rs := f.requests()
	require.Len(t, rs, workers*each)
	seen := map[string]bool{}
	for _, got := range rs {
		assert.NoError(t, got.VerifyErr)
		assert.Contains(t, string(got.Body), "worker "+got.Header.Get("X-Oss-Fwd-Header-X-Worker")+" ")
		seen[string(got.Body)] = true
	}
	assert.Len(t, seen, workers*each, "every body arrived once")
}

func TestWriteLogsWithoutSecrets(t *testing.T) {
	f := newFakeOSS(t)
	var logs syncBuffer
	c := f.client()
	c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r := f.response(strings.NewReader("logged"))
	r.Status = 200
	res, err := c.Write(context.Background(), r)
	require.NoError(t, err)

	out := logs.String()
	assert.Contains(t, out, `"request_id":"`+res.RequestID+`"`)
	assert.Contains(t, out, `"http_status":200`)
	assert.Contains(t, out, `"bytes":6`)
	assert.Contains(t, out, `"attempt":1`)
	assert.Contains(t, out, `"duration"`)
	assert.Empty(t, leaked(out, testToken, testSecret, testSecurityToken, signatureIn(f.last().Header)))
}

func TestWriteWithRefusedCredentialsSendsNothing(t *testing.T) {
	f := newFakeOSS(t)
	c := f.client()
	c.Credentials = creds.ProviderFunc(func(context.Context) (creds.Credentials, error) {
		return creds.Credentials{}, fmt.Errorf("no credentials configured")
	})
	_, err := c.Write(context.Background(), f.response(strings.NewReader("x")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "get credentials")
	assert.Contains(t, err.Error(), "no credentials configured")
	assert.Zero(t, f.hits.Load())
}

func signatureIn(h http.Header) string {
	_, sig, _ := strings.Cut(h.Get("Authorization"), "Signature=")
	return sig
}
