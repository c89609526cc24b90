package fcinterop_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
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
	once            sync.Once
	path, wgor, err string
}

// buildFunction compiles ./fcfunction, the unchanged fc.Start function, and
// wgor's command (binary.wgor).
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
		binary.wgor = filepath.Join(dir, "wgor"+filepath.Ext(binary.path))
		for pkg, out := range map[string]string{"./fcfunction": binary.path, "github.com/wgor-dev/wgor/cmd/wgor": binary.wgor} {
			if msg, err := exec.Command(gobin, "build", "-o", out, pkg).CombinedOutput(); err != nil {
				binary.err = fmt.Sprintf("go build %s: %v\n%s", pkg, err, msg)
				return
			}
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

func TestAnUnchangedFCStartFunctionThroughWgorEmulateExec(t *testing.T) {
	fn := buildFunction(t)
	objects := t.TempDir()
	want := make([]byte, 1<<20+3)
	_, _ = rand.Read(want)
	require.NoError(t, os.WriteFile(filepath.Join(objects, "original.bin"), want, 0o600))

	cmd := exec.Command(binary.wgor, "emulate", "--listen", "127.0.0.1:0", "--exec", fn, "--objects", objects,
		"--access-key-id", fnCreds.AccessKeyID, "--access-key-secret", fnCreds.AccessKeySecret,
		"--security-token", fnCreds.SecurityToken, "--region", "cn-qingdao", "--timeout", "20s")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second // a function left behind must not hold the pipes open for ever
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		_ = cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("emulate's stderr:\n%s", stderr.String())
		}
	})

	// emulate's first line says where it listens; the function's output
	// is forwarded to the same stdout.
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var url string
	select {
	case url = <-urls:
	case <-time.After(20 * time.Second):
		require.FailNow(t, "emulate did not say where it listens within 20s")
	}

	resp, body := get(t, url+"/original.bin")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "%.300s", body)
	assert.True(t, bytes.Equal(want, body), "got %d bytes, want %d", len(body), len(want))
	assert.Contains(t, stderr.String(), "the function speaks the runtime API")

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		require.FailNow(t, "emulate did not stop within 15s of SIGTERM")
	}
	assert.Contains(t, stderr.String(), "exec: the function stopped")
	assert.NotContains(t, stderr.String(), fnCreds.AccessKeySecret)
}
