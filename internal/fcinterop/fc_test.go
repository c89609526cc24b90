package fcinterop_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/accesspoint"
	"github.com/wgor-dev/wgor/sign"
)

var fnCreds = sign.Credentials{
	AccessKeyID:     "STS.fcinteropKeyID",
	AccessKeySecret: "FCINTEROP-SECRET-never-print-41b7",
	SecurityToken:   "FCINTEROP-TOKEN-never-print-9d02",
}

var binary struct {
	once      sync.Once
	path, err string
}

// buildFunction compiles ./fcfunction, the unchanged fc.Start function.
func buildFunction(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the function; skipped with -short")
	}
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "wgor-fcinterop-")
		if err != nil {
			binary.err = err.Error()
			return
		}
		binary.path = filepath.Join(dir, "fcfunction")
		if runtime.GOOS == "windows" {
			binary.path += ".exe"
		}
		gobin, err := exec.LookPath("go") // go test puts its own go first in PATH
		if err != nil {
			binary.err = err.Error()
			return
		}
		if out, err := exec.Command(gobin, "build", "-o", binary.path, "./fcfunction").CombinedOutput(); err != nil {
			binary.err = fmt.Sprintf("go build ./fcfunction: %v\n%s", err, out)
		}
	})
	require.Empty(t, binary.err)
	return binary.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.path != "" {
		os.RemoveAll(filepath.Dir(binary.path))
	}
	os.Exit(code)
}

// syncBuffer collects the function's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startFunction runs the fc.Start function behind an emulated access point
// holding objects, and returns the access point's URL and the function's
// output.
func startFunction(t *testing.T, objects fstest.MapFS) (string, *syncBuffer) {
	t.Helper()
	var out syncBuffer
	fn := &accesspoint.ExecInvoker{Path: buildFunction(t), Stdout: &out, Stderr: &out}
	require.NoError(t, fn.Start(t.Context()))
	t.Cleanup(func() {
		assert.NoError(t, fn.Close())
		if t.Failed() {
			t.Logf("the function's output:\n%s", out.String())
		}
	})
	ap, err := accesspoint.New(accesspoint.Config{
		Function: fn, Credentials: fnCreds, Region: "cn-qingdao", Objects: objects, Timeout: 20 * time.Second,
	})
	require.NoError(t, err)
	require.NoError(t, ap.Start(""))
	t.Cleanup(func() { ap.Close() }) // before the function stops
	return ap.URL(), &out
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

func TestAnUnchangedFCStartFunctionPassesTheObjectThroughByteExact(t *testing.T) {
	big := make([]byte, 3<<20+17)
	_, _ = rand.Read(big)
	url, out := startFunction(t, fstest.MapFS{
		"photo.bin": {Data: big},
		"empty.txt": {Data: nil},
	})

	tests := []struct {
		name, key  string
		wantStatus int
		wantBody   []byte
	}{
		{"a 3 MiB object", "photo.bin", http.StatusOK, big},
		{"an empty object", "empty.txt", http.StatusOK, []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, url+"/"+tt.key)
			assert.Equal(t, tt.wantStatus, resp.StatusCode, "%.300s", body)
			assert.True(t, bytes.Equal(tt.wantBody, body), "got %d bytes, want %d", len(body), len(tt.wantBody))
			assert.Equal(t, int64(len(tt.wantBody)), resp.ContentLength, "the length reaches the caller")
		})
	}
	t.Run("a missing object's 404", func(t *testing.T) {
		resp, body := get(t, url+"/no/such/key")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		assert.Contains(t, string(body), "NoSuchKey")
	})
	t.Run("concurrent invocations, as the SDK runs them", func(t *testing.T) {
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				resp, body := get(t, url+"/photo.bin")
				assert.Equal(t, http.StatusOK, resp.StatusCode)
				assert.True(t, bytes.Equal(big, body), "got %d bytes", len(body))
			})
		}
		wg.Wait()
	})
	assert.Contains(t, out.String(), "FC Invoke Start RequestId:", "the SDK's own log reaches the function's output")
	assert.NotContains(t, out.String(), fnCreds.AccessKeySecret)
}

func TestAnFCStartFunctionsFailureFailsTheGetObjectAtOnce(t *testing.T) {
	url, out := startFunction(t, nil)
	for _, key := range []string{"fail-before-write", "panic-before-write", "fail-before-write"} {
		t.Run(key, func(t *testing.T) {
			start := time.Now()
			resp, body := get(t, url+"/"+key)
			assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
			assert.Contains(t, string(body), "FunctionInvocationFailed")
			assert.Less(t, time.Since(start), 5*time.Second, "not after the 20s timeout")
			assert.False(t, strings.Contains(string(body), fnCreds.AccessKeySecret))
		})
	}
	// The SDK survives a handler's panic, as in Function Compute: the
	// third invocation above reached the same process.
	assert.Contains(t, out.String(), "asked to panic before writing")
}
