package e2e_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/accesspoint"
	"github.com/wgor-dev/wgor/internal/redpng"
	"github.com/wgor-dev/wgor/wgor/fcrt"
)

// binaries are the commands built once for the tests that run processes.
var binaries struct {
	once      sync.Once
	dir, err  string
	wgor, red string
}

// build compiles cmd/wgor and cmd/redpng into a temporary directory.
func build(t *testing.T) (wgorBin, redpngBin string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the commands; skipped with -short")
	}
	binaries.once.Do(func() {
		dir, err := os.MkdirTemp("", "wgor-e2e-")
		if err != nil {
			binaries.err = err.Error()
			return
		}
		binaries.dir = dir
		exe := ""
		if runtime.GOOS == "windows" {
			exe = ".exe"
		}
		binaries.wgor, binaries.red = filepath.Join(dir, "wgor"+exe), filepath.Join(dir, "redpng"+exe)
		// go test puts its own Go's bin directory first in PATH.
		gobin, err := exec.LookPath("go")
		if err != nil {
			binaries.err = err.Error()
			return
		}
		for pkg, out := range map[string]string{"../../cmd/wgor": binaries.wgor, "../../cmd/redpng": binaries.red} {
			cmd := exec.Command(gobin, "build", "-o", out, pkg)
			if msg, err := cmd.CombinedOutput(); err != nil {
				binaries.err = fmt.Sprintf("go build %s: %v\n%s", pkg, err, msg)
				return
			}
		}
	})
	require.Empty(t, binaries.err)
	return binaries.wgor, binaries.red
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binaries.dir != "" {
		os.RemoveAll(binaries.dir)
	}
	os.Exit(code)
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

// start runs a command until the test ends.
func start(t *testing.T, env []string, name string, args ...string) (*exec.Cmd, io.Reader) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &lockedWriter{w: &stderr}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s stderr:\n%s", filepath.Base(name), cmd.Stderr.(*lockedWriter).String())
		}
	})
	return cmd, stdout
}

type lockedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

// emulate runs "wgor emulate" for the custom runtime at function and
// returns the access point's URL.
func emulate(t *testing.T, wgorBin, function string, extra ...string) string {
	t.Helper()
	args := append([]string{"emulate", "--listen", "127.0.0.1:0", "--function", function,
		"--access-key-id", keyID, "--access-key-secret", secret, "--security-token", stsTok, "--region", region}, extra...)
	_, stdout := start(t, nil, wgorBin, args...)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	go io.Copy(io.Discard, stdout)
	m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(line)
	require.NotNil(t, m, "emulate said: %q", line)
	return m[1]
}

// waitHTTP waits until url answers.
func waitHTTP(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return
		}
		require.True(t, time.Now().Before(deadline), "%s never answered: %v", url, err)
		time.Sleep(20 * time.Millisecond)
	}
}

func TestProcessesRedPNGThroughEmulate(t *testing.T) {
	wgorBin, redBin := build(t)
	port := freePort(t)
	start(t, []string{"FC_SERVER_PORT=" + port, "FC_SERVER_HOST=127.0.0.1"}, redBin)
	function := "http://127.0.0.1:" + port
	waitHTTP(t, function+"/")
	ap := emulate(t, wgorBin, function)

	resp, err := http.Get(ap + "/example.png")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.Equal(t, "image/png", resp.Header.Get("Content-Type"))
	assert.Equal(t, redpng.PNG(), body)
}

func TestProcessesFunctionThatNeverAnswers(t *testing.T) {
	wgorBin, _ := build(t)
	entered, hung := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A custom runtime that takes the event and never answers. (Only
		// once the body is read does net/http notice a closed connection.)
		once.Do(func() { close(entered) })
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
		close(hung)
	}))
	t.Cleanup(hang.Close) // after emulate's process has gone
	ap := emulate(t, wgorBin, hang.URL, "--timeout", "500ms")

	start := time.Now()
	resp, err := http.Get(ap + "/k")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusGatewayTimeout, resp.StatusCode)
	assert.Contains(t, string(body), "FunctionTimeout")
	assert.Less(t, time.Since(start), 5*time.Second)
	select {
	case <-entered:
	default:
		// On a loaded machine the emulator may give up before this
		// server reads the invocation; then there is nothing to cancel.
		t.Log("the function never saw the invocation; its cancellation is not checked")
		return
	}
	select {
	case <-hung:
	case <-time.After(5 * time.Second):
		t.Error("the emulator did not cancel the invocation it gave up on")
	}
}

func TestProcessesWriteStreamsAQuarterGibibyteFromStandardInput(t *testing.T) {
	wgorBin, _ := build(t)
	const size = 256 << 20
	want := patternSum(size)
	results := make(chan string, 1)
	ap := startAP(t, 2*time.Minute, func(ctx context.Context, inv *accesspoint.Invocation) error {
		ev, err := fcrt.ParseEvent(inv.Event)
		if err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, wgorBin, "write", "--route", ev.GetObjectContext.OutputRoute,
			"--token", ev.GetObjectContext.OutputToken, "--region", inv.Region,
			"--header", "Content-Type: application/octet-stream", "-")
		cmd.Env = append(os.Environ(),
			"ALIBABA_CLOUD_ACCESS_KEY_ID="+inv.Credentials.AccessKeyID,
			"ALIBABA_CLOUD_ACCESS_KEY_SECRET="+inv.Credentials.AccessKeySecret,
			"ALIBABA_CLOUD_SECURITY_TOKEN="+inv.Credentials.SecurityToken,
			"ALIBABA_CLOUD_ECS_METADATA_DISABLED=true")
		cmd.Stdin = &pattern{n: size} // through a pipe: not seekable
		out, err := cmd.CombinedOutput()
		results <- string(out)
		return err
	})
	resp, err := http.Get(ap.URL() + "/big.bin")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, fmt.Sprint(size), resp.Header.Get("Content-Length"), "an unknown length is spooled and sent with its length")
	got, n := hashBody(t, resp.Body)
	out := <-results
	assert.Equal(t, int64(size), n)
	assert.Equal(t, want, got)
	assert.Contains(t, out, fmt.Sprintf("sent %d bytes with status 200", size))
	assert.NotContains(t, out, secret)
}
