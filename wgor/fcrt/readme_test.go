package fcrt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor/wgortest"
)

// readmeSnippet returns the handler snippet of the README's section
// "Answering a GetObject from your function".
func readmeSnippet(t *testing.T) string {
	data, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(data), "## Answering a GetObject from your function\n")
	require.True(t, ok, "the README lost its section")
	_, code, ok := strings.Cut(section, "```go\n")
	require.True(t, ok)
	code, _, ok = strings.Cut(code, "```\n")
	require.True(t, ok)
	return code
}

// buildSnippet builds the snippet as its own module that requires this one.
func buildSnippet(t *testing.T) string {
	goBin, err := exec.LookPath("go")
	require.NoError(t, err, "the go command is needed to build the README's snippet")
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(readmeSnippet(t)), 0o644))
	mod := fmt.Sprintf("module snippet\n\ngo 1.26\n\nrequire github.com/wgor-dev/wgor v0.0.0\n\nreplace github.com/wgor-dev/wgor => %s\n", root)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))
	bin := filepath.Join(dir, "snippet")
	cmd := exec.Command(goBin, "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the README's snippet does not build:\n%s", out)
	return bin
}

// TestREADMESnippetRunsUnderBothRuntimes builds the README's handler
// snippet as printed and runs the binary as a custom runtime (in front of
// the test access point, then stopped with SIGTERM) and against the Go
// runtime API.
func TestREADMESnippetRunsUnderBothRuntimes(t *testing.T) {
	bin := buildSnippet(t)

	t.Run("custom runtime", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		port := fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
		l.Close()
		var stderr syncBuffer
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "FC_SERVER_HOST=127.0.0.1", "FC_SERVER_PORT="+port, "FC_RUNTIME_API=")
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		defer cmd.Process.Kill()
		require.Eventually(t, func() bool {
			c, err := net.Dial("tcp", "127.0.0.1:"+port)
			if err == nil {
				c.Close()
			}
			return err == nil
		}, 10*time.Second, 10*time.Millisecond, stderr.String())

		ap, err := wgortest.NewServerURL("http://127.0.0.1:"+port, nil)
		require.NoError(t, err)
		defer ap.Close()
		resp, err := ap.GetObject(context.Background(), "greeting.txt", nil)
		require.NoError(t, err)
		assert.Equal(t, 200, resp.StatusCode, string(resp.Body))
		assert.Equal(t, "text/plain", resp.Header.Get("Content-Type"))
		assert.Equal(t, "hello from the function\n", string(resp.Body))

		require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			assert.NoError(t, err, "exit after SIGTERM: %s", stderr.String())
		case <-time.After(10 * time.Second):
			t.Fatal("the function did not exit after SIGTERM")
		}
		assert.Contains(t, stderr.String(), "custom runtime listening")
		for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
			assert.True(t, json.Valid([]byte(line)), "fcrt.Start logs JSON lines, as Function Compute's logs are: %s", line)
		}
	})

	t.Run("Go runtime API", func(t *testing.T) {
		oss := newFakeOSS(t, 1)
		api := newFakeRuntimeAPI(t)
		api.queue <- pendingInvocation{apiHeaders(0, time.Now().Add(30*time.Second)), event(oss.URL, "tok-readme", "")}
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "FC_RUNTIME_API="+strings.TrimPrefix(api.URL, "http://"))
		var stderr syncBuffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		posts := api.awaitPosts(t, 1)
		assert.Equal(t, "response", posts["fc-req-000"].kind, stderr.String())
		got, ok := oss.get("tok-readme")
		require.True(t, ok)
		assert.Equal(t, "hello from the function\n", string(got.body))
		assert.Equal(t, "text/plain", got.header.Get("X-Oss-Fwd-Header-Content-Type"))
	})
}

// syncBuffer is a bytes.Buffer for a process's output, read while it runs.
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
