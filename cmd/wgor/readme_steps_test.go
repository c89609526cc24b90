package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/accesspoint"
	"github.com/wgor-dev/wgor/internal/redpng"
	"github.com/wgor-dev/wgor/sign"
)

// write runs "wgor write" as the function of an emulated access point,
// with ROUTE and TOKEN from the event, and checks what the GetObject caller
// received.
func (s *session) write(args []string) {
	t := s.t
	type outcome struct {
		code           int
		stdout, stderr string
	}
	done := make(chan outcome, 1)
	ap, err := accesspoint.New(accesspoint.Config{
		Credentials: sign.Credentials{AccessKeyID: testKeyID, AccessKeySecret: testSecret, SecurityToken: testSTS},
		Timeout:     20 * time.Second,
		Function: accesspoint.InvokerFunc(func(ctx context.Context, inv *accesspoint.Invocation) error {
			filled := make([]string, len(args))
			for i, a := range args {
				a = strings.ReplaceAll(a, "ROUTE", eventField(t, inv.Event, "outputRoute"))
				filled[i] = strings.ReplaceAll(a, "TOKEN", eventField(t, inv.Event, "outputToken"))
			}
			var o outcome
			o.code, o.stdout, o.stderr = runCLI(t, ctx, nil, nil, filled...)
			done <- o
			return nil
		}),
	})
	require.NoError(t, err)
	require.NoError(t, ap.Start("127.0.0.1:0"))
	defer ap.Close()
	resp, err := http.Get(ap.URL() + "/image.png")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	o := <-done
	require.Equal(t, exitOK, o.code, o.stderr)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "image/png", resp.Header.Get("Content-Type"))
	assert.Equal(t, redpng.PNG(), body)
}

// redpng builds cmd/redpng and runs it until the end of the block, on a
// free loopback port in place of the README's 9000 (the port and host come
// from $FC_SERVER_PORT and $FC_SERVER_HOST, as in Function Compute).
func (s *session) redpng() {
	t := s.t
	bin := filepath.Join(t.TempDir(), "redpng")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./cmd/redpng")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	port := freePort(t)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "FC_SERVER_PORT="+port, "FC_SERVER_HOST=127.0.0.1")
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	addr := "127.0.0.1:" + port
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "redpng did not listen: %s", &logs)
	s.addr["127.0.0.1:9000"] = addr
	s.stops = append(s.stops, func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			assert.NoError(t, err, "redpng exits cleanly on SIGTERM: %s", logs.String())
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("redpng did not stop on SIGTERM")
		}
	})
}

// coldstart runs the cold-start measurement when the README asks for a
// smoke run (-n), bounded; the full run takes minutes, so it is only built.
func (s *session) coldstart(words []string) {
	t := s.t
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, words[0], words[1:]...)
	if !slices.Contains(words, "-n") {
		pkg := words[4] // go -C DIR run PKG …
		cmd = exec.CommandContext(ctx, "go", "-C", words[2], "build", "-o", os.DevNull, pkg)
	}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s: %s", strings.Join(cmd.Args, " "), out)
}

// curl runs curl with the real addresses, and checks a saved image.
func (s *session) curl(words []string) {
	t := s.t
	path, err := exec.LookPath("curl")
	require.NoError(t, err, "the README uses curl")
	words = s.fill(words)
	if o := outputOf(words); o != "" {
		s.keep(o)
	}
	out, err := exec.CommandContext(t.Context(), path, words[1:]...).CombinedOutput()
	require.NoError(t, err, string(out))
	for i, w := range words {
		if w == "-o" && i+1 < len(words) {
			data, err := os.ReadFile(words[i+1])
			require.NoError(t, err)
			assert.NoError(t, checkRedSquare(data, "image/png"))
		}
	}
}

// goTest checks a "go test" command without running it (this test is part
// of what it runs, and the benchmarks take minutes): its packages exist,
// and hold benchmarks when it runs them.
func (s *session) goTest(args []string) {
	t := s.t
	var pkgs []string
	bench := false
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "./"):
			pkgs = append(pkgs, a)
		case a == "-bench":
			bench = true
		}
	}
	require.NotEmpty(t, pkgs, "go test %s names no package", strings.Join(args, " "))
	list := exec.CommandContext(t.Context(), "go", append([]string{"list", "-f", "{{.Dir}}"}, pkgs...)...)
	out, err := list.Output()
	require.NoError(t, err, "go list %s", strings.Join(pkgs, " "))
	if !bench {
		return
	}
	for _, d := range strings.Fields(string(out)) {
		files, _ := filepath.Glob(filepath.Join(d, "*_test.go"))
		found := false
		for _, f := range files {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			found = found || strings.Contains(string(b), "\nfunc Benchmark")
		}
		assert.True(t, found, "%s has no benchmark", d)
	}
}

// run runs a command as printed, and checks that it made the file made.
func (s *session) run(env, words []string, made string) {
	t := s.t
	require.NotEmpty(t, made, "cannot tell what %s makes", strings.Join(words, " "))
	s.keep(made)
	cmd := exec.CommandContext(t.Context(), words[0], words[1:]...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s: %s", strings.Join(words, " "), out)
	fi, err := os.Stat(made)
	require.NoError(t, err)
	assert.Positive(t, fi.Size())
}
