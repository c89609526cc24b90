package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/accesspoint"
)

// lockedBuffer collects output written from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// assertRedPNG checks, knowing nothing of redpng's code, that body is a
// 200×200 PNG whose every pixel is opaque red.
func assertRedPNG(t *testing.T, body []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(body))
	require.NoError(t, err, "not a PNG: %.200q", body)
	require.Equal(t, image.Rect(0, 0, 200, 200), img.Bounds())
	red := color.RGBAModel.Convert(color.RGBA{R: 255, A: 255})
	for y := range 200 {
		for x := range 200 {
			if got := color.RGBAModel.Convert(img.At(x, y)); got != red {
				require.Failf(t, "not red", "pixel (%d,%d) is %v", x, y, got)
			}
		}
	}
}

func TestExecRedPNGUnderBothProtocols(t *testing.T) {
	// One binary: redpng on fcrt, which speaks the Go runtime API when
	// FC_RUNTIME_API is set and is a custom runtime otherwise.
	tests := []struct {
		name  string
		env   []string
		proto string // as ExecInvoker logs it
	}{
		{"Go runtime API", nil, "runtime API"},
		// Hidden as in a custom runtime, where Function Compute sets no
		// FC_RUNTIME_API.
		{"custom runtime", []string{"FC_RUNTIME_API="}, "custom runtime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, redBin := build(t)
			var output, log lockedBuffer
			fn := &accesspoint.ExecInvoker{
				Path: redBin, Env: tt.env, Stdout: &output, Stderr: &output,
				Logger: slog.New(slog.NewTextHandler(&log, nil)),
			}
			require.NoError(t, fn.Start(t.Context()))
			t.Cleanup(func() {
				assert.NoError(t, fn.Close())
				if t.Failed() {
					t.Logf("function output:\n%s\nexec log:\n%s", output.String(), log.String())
				}
			})
			ap, err := accesspoint.New(accesspoint.Config{Function: fn, Credentials: apCreds, Region: region, Timeout: 20 * time.Second})
			require.NoError(t, err)
			require.NoError(t, ap.Start("127.0.0.1:0"))
			t.Cleanup(func() { ap.Close() })

			type got struct {
				resp *http.Response
				body []byte
				err  error
			}
			results := make([]got, 4)
			var wg sync.WaitGroup
			for i := range results {
				wg.Go(func() {
					ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
					defer cancel()
					r := &results[i]
					req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/image-%d.png", ap.URL(), i), nil)
					if r.resp, r.err = http.DefaultClient.Do(req); r.err == nil {
						r.body, r.err = io.ReadAll(r.resp.Body)
						r.resp.Body.Close()
					}
				})
			}
			wg.Wait()
			for _, r := range results {
				require.NoError(t, r.err)
				assert.Equal(t, http.StatusOK, r.resp.StatusCode, "%.300s", r.body)
				assert.Equal(t, "image/png", r.resp.Header.Get("Content-Type"))
				assertRedPNG(t, r.body)
			}
			assert.Contains(t, log.String(), "the function speaks the "+tt.proto)
			for _, s := range []string{output.String(), log.String()} {
				assert.False(t, strings.Contains(s, secret) || strings.Contains(s, stsTok), "a secret in the output")
			}
		})
	}
}

// emulateExec runs "wgor emulate --exec PATH -- ARGS" and returns the
// process, the access point's URL, and emulate's standard error, where its
// log (the ExecInvoker's among it) goes.
func emulateExec(t *testing.T, wgorBin, path string, args ...string) (*exec.Cmd, string, *lockedWriter) {
	t.Helper()
	argv := append([]string{"emulate", "--listen", "127.0.0.1:0", "--exec", path,
		"--access-key-id", keyID, "--access-key-secret", secret, "--security-token", stsTok, "--region", region,
		"--timeout", "20s", "--"}, args...)
	cmd, stdout := start(t, nil, wgorBin, argv...)
	// The function's own output is forwarded to the same stdout: look for
	// emulate's line among it.
	lines := bufio.NewScanner(stdout)
	found := make(chan string, 1)
	go func() {
		defer close(found)
		for lines.Scan() {
			if m := regexp.MustCompile(`access point listening on (http://\S+)`).FindStringSubmatch(lines.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case url, ok := <-found:
		require.True(t, ok, "emulate ended without saying where it listens")
		return cmd, url, cmd.Stderr.(*lockedWriter)
	case <-time.After(20 * time.Second):
		require.FailNow(t, "emulate did not say where it listens within 20s")
		return nil, "", nil
	}
}

func TestProcessesRedPNGUnderBothProtocolsThroughEmulateExec(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("stops emulate with SIGTERM and runs env(1)")
	}
	wgorBin, redBin := build(t)
	envBin, err := exec.LookPath("env")
	require.NoError(t, err)
	tests := []struct {
		name  string
		path  string
		args  []string
		proto string // as the ExecInvoker logs it
	}{
		{"Go runtime API", redBin, nil, "runtime API"},
		// env(1) unsets FC_RUNTIME_API, as Function Compute's custom
		// runtime does not set it: redpng on fcrt then serves FC_SERVER_PORT.
		{"custom runtime", envBin, []string{"-u", "FC_RUNTIME_API", redBin}, "custom runtime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, url, stderr := emulateExec(t, wgorBin, tt.path, tt.args...)
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/example.png", nil)
			require.NoError(t, err)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode, "%.300s", body)
			assert.Equal(t, "image/png", resp.Header.Get("Content-Type"))
			assertRedPNG(t, body)

			// Stopping emulate stops the function it started.
			require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case <-exited:
			case <-time.After(15 * time.Second):
				require.FailNow(t, "emulate did not stop within 15s of SIGTERM")
			}
			// Read once emulate has exited: its stderr is copied by a
			// goroutine of os/exec, which Wait waits for.
			assert.Contains(t, stderr.String(), "exec: the function speaks the "+tt.proto)
			assert.Contains(t, stderr.String(), "exec: the function stopped")
			for _, s := range []string{secret, stsTok} {
				assert.NotContains(t, stderr.String(), s)
			}
		})
	}
}
