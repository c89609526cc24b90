package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/redpng"
	"github.com/wgor-dev/wgor/wgor/fcrt"
)

// envFunction makes this test binary the seed's function, so that
// emulate --exec has a function to start without building one.
const envFunction = "WGOR_CLI_TEST_FUNCTION"

// envWgor makes this test binary wgor itself, its arguments those of wgor.
const envWgor = "WGOR_CLI_TEST_WGOR"

func TestMain(m *testing.M) {
	if os.Getenv(envWgor) != "" {
		os.Unsetenv(envWgor) // for the function it starts
		main()
	}
	if os.Getenv(envFunction) == "redpng" {
		fmt.Printf("function: says hello on its standard output, pid %d\n", os.Getpid())
		fcrt.Start(redpng.Handler)
	}
	os.Exit(m.Run())
}

// startEmulate runs "wgor emulate" with args until the test ends, and
// returns the access point's URL and everything emulate printed.
func startEmulate(t *testing.T, args ...string) (string, *syncBuffer, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		e := &env{stdin: strings.NewReader(""), stdout: io.MultiWriter(pw, &out), stderr: &errOut, getenv: os.Getenv}
		done <- run(ctx, e, append([]string{"emulate", "--listen", "127.0.0.1:0"}, args...))
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err, errOut.String())
	go io.Copy(io.Discard, pr)
	m := regexp.MustCompile(`listening on (http://\S+) `).FindStringSubmatch(line)
	require.NotNil(t, m, line)
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			assert.Equal(t, exitOK, code, errOut.String())
		case <-time.After(15 * time.Second):
			t.Error("emulate did not stop")
		}
	})
	return m[1], &out, &errOut
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

func TestEmulateServesObjectsFromItsDirectoryOnly(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "in.txt"), []byte("original"), 0o600))
	outside := filepath.Join(t.TempDir(), "secret.txt")
	require.NoError(t, os.WriteFile(outside, []byte("outside"), 0o600))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "link.txt")))

	// The function reads the event's inputOssUrl and answers with its body.
	fn := httptest.NewServer(fcrt.NewCustomRuntime(fcrt.HandlerFunc(func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
		orig, err := fcrt.OpenOriginal(ctx, inv, nil)
		if err != nil {
			return err
		}
		defer orig.Body.Close()
		_, err = io.Copy(w, orig.Body)
		return err
	}), nil))
	t.Cleanup(fn.Close)
	url, out, errOut := startEmulate(t, "--function", fn.URL, "--objects", dir, "--access-key-id", testKeyID, "--access-key-secret", testSecret)
	try := "try: curl -sS -D - -o out.txt '" + url + "/in.txt'\n"
	assert.Eventually(t, func() bool { return strings.Contains(out.String(), try) }, 5*time.Second, 10*time.Millisecond,
		"suggests an object that is there: %s", out)

	resp, body := get(t, url+"/in.txt")
	assert.Equal(t, http.StatusOK, resp.StatusCode, errOut.String())
	assert.Equal(t, "original", string(body))
	resp, body = get(t, url+"/link.txt")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "a link out of --objects is not followed")
	assert.NotContains(t, string(body), "outside")
}

func TestEmulatePrintsAURLAPersonCanUse(t *testing.T) {
	cases := []struct{ server, listen, want string }{
		{"http://[::1]:8089", "0.0.0.0:8089", "http://127.0.0.1:8089"},
		{"http://[::1]:8089", "[::]:8089", "http://127.0.0.1:8089"},
		{"http://[::1]:8089", ":8089", "http://127.0.0.1:8089"},
		{"http://127.0.0.1:8080", "127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"http://[::1]:8080", "[::1]:8080", "http://[::1]:8080"},
		{"http://127.0.0.1:8080", "localhost:8080", "http://127.0.0.1:8080"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, usableURL(tc.server, tc.listen), tc.listen)
	}
}
