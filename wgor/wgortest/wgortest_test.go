package wgortest_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/sign"
	"github.com/wgor-dev/wgor/wgor/fcrt"
	"github.com/wgor-dev/wgor/wgor/wgortest"
)

var hello = fcrt.HandlerFunc(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
	w.Header().Set("Content-Type", "text/plain")
	_, err := io.WriteString(w, "hello")
	return err
})

// rawWrite sends a WriteGetObjectResponse by hand, signed with c.
func rawWrite(ctx context.Context, inv *fcrt.Invocation, c sign.Credentials, body string) (int, error) {
	g := inv.Event.GetObjectContext
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.OutputRoute+"/?x-oss-write-get-object-response", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("x-oss-request-route", strings.TrimPrefix(g.OutputRoute, "http://"))
	req.Header.Set("x-oss-request-token", g.OutputToken)
	req.Header.Set("x-oss-fwd-status", "200")
	if err := sign.Sign(req, &sign.Options{Credentials: c, Region: inv.Region}); err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestRelaysShowWhatTheAccessPointRefused(t *testing.T) {
	cases := []struct {
		name    string
		first   func(inv *fcrt.Invocation) sign.Credentials // the credentials of a response sent by hand first
		answers []int
		code    string
	}{
		{"a second response with a used token", func(inv *fcrt.Invocation) sign.Credentials {
			c, _ := inv.Credentials.Credentials(context.Background())
			return c.Signing()
		}, []int{200, 403}, "AccessDenied"},
		{"a response signed with other keys", func(*fcrt.Invocation) sign.Credentials {
			return sign.Credentials{AccessKeyID: "LTAIsomeoneelse", AccessKeySecret: "not-the-function's"}
		}, []int{403, 200}, "InvalidAccessKeyId"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := fcrt.HandlerFunc(func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
				if _, err := rawWrite(ctx, inv, tc.first(inv), "by hand"); err != nil {
					return err
				}
				_, err := io.WriteString(w, "by the runtime")
				return err
			})
			ap := wgortest.Start(t, h, nil)
			_, err := ap.GetObject(context.Background(), "k", nil)
			require.NoError(t, err)
			relays := ap.Relays()
			require.Len(t, relays, 2)
			var refused wgortest.Relay
			for i, r := range relays {
				assert.Equal(t, tc.answers[i], r.Answer, "relay %d", i)
				if r.Answer != 200 {
					refused = r
				}
			}
			assert.Equal(t, tc.code, refused.Code)
			assert.NotEmpty(t, refused.Message)
			assert.NotEmpty(t, refused.RequestID)
		})
	}
}

func TestRelayRecordsTheRequest(t *testing.T) {
	h := fcrt.HandlerFunc(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
		w.Header().Set("Content-Type", "text/csv")
		w.Header().Set("X-Custom", "kept")
		w.Header().Set("Content-Length", "6")
		w.WriteHeader(206)
		_, err := io.WriteString(w, "a,b,c\n")
		return err
	})
	ap := wgortest.Start(t, h, nil)
	resp, err := ap.GetObject(context.Background(), "k.csv", nil)
	require.NoError(t, err)
	assert.Equal(t, 206, resp.StatusCode)
	relays := ap.Relays()
	require.Len(t, relays, 1)
	r := relays[0]
	assert.Equal(t, 206, r.Status)
	assert.Equal(t, "text/csv", r.Header.Get("Content-Type"))
	assert.Equal(t, "kept", r.Header.Get("X-Custom"))
	assert.Equal(t, int64(6), r.ContentLength)
	assert.Equal(t, "a,b,c\n", string(r.Body))
	assert.Equal(t, 200, r.Answer)
	for name := range r.Header {
		assert.NotContains(t, strings.ToLower(name), "token")
	}
	invs := ap.Invocations()
	require.Len(t, invs, 1)
	assert.Equal(t, resp.Header.Get("X-Oss-Request-Id"), invs[0].RequestID)
}

func TestObjectsComeFromAMapOrAnFS(t *testing.T) {
	forward := fcrt.HandlerFunc(fcrt.Forward)
	for name, cfg := range map[string]*wgortest.Config{
		"map": {ObjectMap: map[string][]byte{"dir/a.txt": []byte("from a map")}},
		"fs":  {Objects: fstest.MapFS{"dir/a.txt": {Data: []byte("from a map")}}},
		"dir": {ObjectsDir: objectsDir(t)},
	} {
		t.Run(name, func(t *testing.T) {
			ap := wgortest.Start(t, forward, cfg)
			resp, err := ap.GetObject(context.Background(), "dir/a.txt", nil)
			require.NoError(t, err)
			assert.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, "from a map", string(resp.Body))
			resp, err = ap.GetObject(context.Background(), "dir/b.txt", nil)
			require.NoError(t, err)
			assert.Equal(t, 404, resp.StatusCode)
		})
	}
	_, err := wgortest.NewServer(forward, &wgortest.Config{Objects: fstest.MapFS{}, ObjectMap: map[string][]byte{}})
	assert.ErrorContains(t, err, "more than one of ObjectMap, Objects and ObjectsDir")
}

func TestNewServerURLFrontsARunningFunction(t *testing.T) {
	fn := httptest.NewServer(fcrt.NewCustomRuntime(hello, nil))
	defer fn.Close()
	ap, err := wgortest.NewServerURL(fn.URL, &wgortest.Config{Region: "cn-beijing"})
	require.NoError(t, err)
	defer ap.Close()
	resp, err := ap.GetObject(context.Background(), "k", nil)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "hello", string(resp.Body))
	assert.Equal(t, "cn-beijing", ap.Region())
}

func TestAFunctionThatFailsToAnswerIsAGatewayError(t *testing.T) {
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-fc-status", "404")
		w.WriteHeader(404)
	}))
	defer fn.Close()
	ap, err := wgortest.NewServerURL(fn.URL, nil)
	require.NoError(t, err)
	defer ap.Close()
	resp, err := ap.GetObject(context.Background(), "k", nil)
	require.NoError(t, err)
	assert.Equal(t, 502, resp.StatusCode)
	assert.Contains(t, string(resp.Body), "FunctionInvocationFailed")
	invs := ap.Invocations()
	require.Len(t, invs, 1)
	assert.Error(t, invs[0].Err)
	assert.Empty(t, ap.Relays())
}

func TestStartClosesWhenTheTestEnds(t *testing.T) {
	before := runtime.NumGoroutine()
	var addr string
	t.Run("inner", func(t *testing.T) {
		ap := wgortest.Start(t, hello, nil)
		addr = strings.TrimPrefix(ap.URL(), "http://")
		resp, err := ap.GetObject(context.Background(), "k", nil)
		require.NoError(t, err)
		assert.Equal(t, "hello", string(resp.Body))
	})
	_, err := net.DialTimeout("tcp", addr, time.Second)
	assert.Error(t, err, "the access point still listens after its test ended")
	for range 200 {
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
}

func TestCloseTwiceIsHarmless(t *testing.T) {
	ap, err := wgortest.NewServer(hello, nil)
	require.NoError(t, err)
	ap.Close()
	ap.Close()
}

func objectsDir(t *testing.T) string {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "dir"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "dir", "a.txt"), []byte("from a map"), 0o644))
	return dir
}

func TestChunkedIsRefusedUnlessAllowed(t *testing.T) {
	unknownLength := fcrt.HandlerFunc(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
		_, err := io.WriteString(w, strings.Repeat("chunk ", 1000))
		return err
	})
	chunked := &fcrt.Options{Chunked: true}
	t.Run("refused by default, as OSS requires Content-Length", func(t *testing.T) {
		ap := wgortest.Start(t, unknownLength, &wgortest.Config{Runtime: chunked})
		resp, err := ap.GetObject(context.Background(), "k", nil)
		require.NoError(t, err)
		assert.NotEqual(t, 200, resp.StatusCode)
		relays := ap.Relays()
		require.NotEmpty(t, relays)
		assert.Equal(t, 411, relays[0].Answer)
		assert.Equal(t, "MissingContentLength", relays[0].Code)
	})
	t.Run("accepted when allowed", func(t *testing.T) {
		ap := wgortest.Start(t, unknownLength, &wgortest.Config{Runtime: chunked, AllowChunked: true})
		resp, err := ap.GetObject(context.Background(), "k", nil)
		require.NoError(t, err)
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, strings.Repeat("chunk ", 1000), string(resp.Body))
		relays := ap.Relays()
		require.Len(t, relays, 1)
		assert.Equal(t, int64(-1), relays[0].ContentLength)
	})
	t.Run("spooled by default, sent with its length", func(t *testing.T) {
		ap := wgortest.Start(t, unknownLength, &wgortest.Config{Runtime: &fcrt.Options{SpoolMemory: 1024, SpoolDir: t.TempDir()}})
		resp, err := ap.GetObject(context.Background(), "k", nil)
		require.NoError(t, err)
		assert.Equal(t, strings.Repeat("chunk ", 1000), string(resp.Body))
		relays := ap.Relays()
		require.Len(t, relays, 1)
		assert.Equal(t, int64(6000), relays[0].ContentLength)
	})
}
