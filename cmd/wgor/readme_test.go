package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/redpng"
	"github.com/wgor-dev/wgor/wgor/fcrt"
)

// TestREADMECommandsRunAsPrinted runs every command of README.md's ```sh
// blocks, in order, each block as one session, in the repository's root as
// a reader would, so that a changed command
// cannot leave a stale README behind: a command this test does not know
// fails it.
//
// Commands run as printed. "go run ./cmd/wgor ARGS" runs the command line
// in-process with exactly ARGS; other programs (redpng, curl, go build, zip)
// run as processes. What the test fills in: the placeholders ROUTE and
// TOKEN; the file image.png; and the documented addresses 127.0.0.1:8080
// and 127.0.0.1:9000, which stand for free loopback ports, so that the test
// never collides with anything else on the machine. Long-running commands
// (emulate, redpng) are started, checked and stopped by the test.
func TestREADMECommandsRunAsPrinted(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	blocks := shBlocks(string(data))
	require.NotEmpty(t, blocks, "README.md has no ```sh blocks")

	useEnvCredentials(t)
	t.Setenv("WGOR_TOKEN", "")
	t.Chdir(root) // where a reader of the README runs its commands
	before := entries(t, root)
	kept := map[string]bool{}
	keep := func(name string) { // before a command makes name in root
		if !kept[name] {
			kept[name] = true
			keepAside(t, filepath.Join(root, name))
		}
	}
	keep("image.png")
	require.NoError(t, os.WriteFile("image.png", redpng.PNG(), 0o600))

	ran := 0
	for i, block := range blocks {
		s := &session{t: t, root: root, addr: map[string]string{}, keep: keep}
		for _, line := range block {
			words, err := shellWords(line)
			require.NoError(t, err, "README block %d: %s", i+1, line)
			if len(words) == 0 {
				continue
			}
			t.Logf("README: %s", line)
			s.runLine(line, words)
			ran++
		}
		s.stop()
	}
	assert.GreaterOrEqual(t, ran, 12, "every command of the README ran")
	for name := range entries(t, root) {
		if !before[name] && !kept[name] && !strings.HasSuffix(name, readmeSaved) {
			t.Errorf("a README command left %s in the repository: teach this test what makes it", name)
		}
	}
}

// session is one ```sh block: the processes it started and the addresses
// they listen on, by the address the README gives them.
type session struct {
	t     *testing.T
	root  string
	addr  map[string]string // "127.0.0.1:8080" → the real address
	keep  func(name string) // moves aside a file of root a command will make
	stops []func()
}

func (s *session) stop() {
	for i := len(s.stops) - 1; i >= 0; i-- {
		s.stops[i]()
	}
	s.stops = nil
}

// fill replaces the documented addresses with the real ones.
func (s *session) fill(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		for doc, real := range s.addr {
			w = strings.ReplaceAll(w, doc, real)
		}
		out[i] = w
	}
	return out
}

// runLine runs one README command, or fails the test when it does not know
// the command.
func (s *session) runLine(line string, words []string) {
	t := s.t
	env, words := splitAssignments(words)
	switch {
	case startsWith(words, "go", "run", "./cmd/wgor"):
		s.wgor(words[3:])
	case len(words) == 3 && startsWith(words, "go", "run", "./cmd/redpng"):
		s.redpng()
	case startsWith(words, "go", "-C", "internal/coldstart"):
		s.coldstart(words)
	case startsWith(words, "go", "test"):
		s.goTest(words[2:])
	case startsWith(words, "go", "build"):
		s.run(env, words, outputOf(words))
	case len(words) >= 2 && words[0] == "zip":
		s.run(env, words, words[1])
	case len(words) >= 2 && words[0] == "curl":
		s.curl(words)
	default:
		t.Errorf("README command not known to readme_test.go, which must learn to run it: %s", line)
	}
}

// startsWith reports whether words begin with prefix.
func startsWith(words []string, prefix ...string) bool {
	return len(words) >= len(prefix) && slices.Equal(words[:len(prefix)], prefix)
}

// wgor runs the command line in-process with the README's arguments.
func (s *session) wgor(args []string) {
	t := s.t
	require.NotEmpty(t, args)
	switch args[0] {
	case "emulate":
		s.emulate(args)
	case "write":
		s.write(args)
	default:
		for i, a := range args {
			args[i] = strings.ReplaceAll(a, "ROUTE", testRoute)
		}
		switch args[0] {
		case "demo":
			s.keep("out.png") // the demo's --out
		case "package":
			s.keep("dist") // package's --out
		}
		code, stdout, stderr := runCLI(t, t.Context(), nil, nil, args...)
		require.Equal(t, exitOK, code, "wgor %s\nstdout: %s\nstderr: %s", strings.Join(args, " "), stdout, stderr)
		assert.NotEmpty(t, stdout)
		assert.NotContains(t, stdout+stderr, testSecret)
		if args[0] == "demo" {
			data, err := os.ReadFile("out.png")
			require.NoError(t, err)
			assert.NoError(t, checkRedSquare(data, "image/png"))
		}
	}
}

// emulate starts "wgor emulate" until the end of the block, with the
// function it starts itself (--exec) or one at the address the README names
// (redpng, started earlier in the block, or the same runtime in-process),
// and checks a GetObject through it.
func (s *session) emulate(args []string) {
	t := s.t
	const fnDoc = "127.0.0.1:9000"
	if _, ok := s.addr[fnDoc]; !ok && strings.Contains(strings.Join(args, " "), fnDoc) {
		fn := httptest.NewServer(fcrt.NewCustomRuntime(redpng.Handler, nil))
		s.stops = append(s.stops, fn.Close)
		s.addr[fnDoc] = strings.TrimPrefix(fn.URL, "http://")
	}
	args = s.fill(args)
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var errOut syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: pw, stderr: &errOut, getenv: os.Getenv,
		listenAddr: func(a string) string {
			if a == "127.0.0.1:8080" {
				return "127.0.0.1:0"
			}
			return a
		}}
	go func() {
		done <- run(ctx, e, args)
		pw.Close()
	}()
	lines := bufio.NewReader(pr)
	first, err := lines.ReadString('\n')
	require.NoError(t, err, errOut.String())
	m := regexp.MustCompile(`listening on http://(\S+) `).FindStringSubmatch(first)
	require.NotNil(t, m, first)
	s.addr["127.0.0.1:8080"] = m[1]
	go io.Copy(io.Discard, lines)
	s.stops = append(s.stops, func() {
		cancel()
		select {
		case code := <-done:
			assert.Equal(t, exitOK, code, errOut.String())
		case <-time.After(10 * time.Second):
			t.Error("emulate did not stop")
		}
		assert.NotContains(t, errOut.String(), "SECRET")
	})
	resp, err := http.Get("http://" + m[1] + "/example.png")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.NoError(t, checkRedSquare(body, resp.Header.Get("Content-Type")))
}
