//go:build unix

package main

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wgor-dev/wgor/internal/redpng"
)

// Closing the terminal sends wgor SIGHUP, and not the function, which runs
// in a process group of its own: emulate stops it then too, unless run
// with SIGHUP ignored (nohup). The function is a script that would run on
// for minutes.
func TestEmulateExecStopsTheFunctionWhenWgorIsSignalled(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sig   syscall.Signal
		nohup bool
		stops bool
	}{
		{"interrupt", syscall.SIGINT, false, true},
		{"terminate", syscall.SIGTERM, false, true},
		{"hangup", syscall.SIGHUP, false, true},
		{"hangup under nohup", syscall.SIGHUP, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			self, err := os.Executable()
			require.NoError(t, err)
			script := filepath.Join(t.TempDir(), "bootstrap")
			require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\necho \"function: says hello on its standard output, pid $$\"\nexec sleep 300\n"), 0o700))
			args := []string{self, "emulate", "--listen", "127.0.0.1:0", "--exec", script, "--access-key-id", testKeyID, "--access-key-secret", testSecret}
			if tc.nohup { // the shell's exec keeps SIGHUP ignored, as nohup does
				args = append([]string{"/bin/sh", "-c", `trap "" HUP; exec "$@"`, "sh"}, args...)
			}
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Env = append(os.Environ(), envWgor+"=1")
			out, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			pid := 0
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				if pid != 0 {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			})
			hello := regexp.MustCompile(`says hello on its standard output, pid (\d+)`)
			lines := bufio.NewScanner(out)
			for pid == 0 && lines.Scan() {
				if m := hello.FindStringSubmatch(lines.Text()); m != nil {
					pid, _ = strconv.Atoi(m[1])
				}
			}
			require.NotZero(t, pid, "the function never said hello")
			go func() {
				for lines.Scan() { // drain, so emulate never blocks on its output
				}
			}()
			require.NoError(t, cmd.Process.Signal(tc.sig))
			stopped := func() bool { return syscall.Kill(pid, 0) == syscall.ESRCH }
			if tc.stops {
				assert.Eventually(t, stopped, 10*time.Second, 20*time.Millisecond, "the function outlives emulate")
				return
			}
			assert.Never(t, stopped, 500*time.Millisecond, 20*time.Millisecond, "emulate stopped on a signal it was told to ignore")
		})
	}
}

func TestEmulateExecStartsTheFunctionAndStopsIt(t *testing.T) {
	self, err := os.Executable()
	require.NoError(t, err)
	t.Setenv(envFunction, "redpng")
	pid := 0
	t.Cleanup(func() { // after emulate has stopped (cleanups run last first)
		require.NotZero(t, pid)
		assert.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "the function is stopped with emulate")
	})
	url, out, _ := startEmulate(t, "--exec", self, "--access-key-id", testKeyID, "--access-key-secret", testSecret, "--", "-test.run=^$")
	resp, body := get(t, url+"/example.png")
	assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.Equal(t, redpng.PNG(), body)
	assert.Contains(t, out.String(), "function: "+self+", started by emulate\n")
	assert.Eventually(t, func() bool { return strings.Contains(out.String(), "function: says hello") },
		5*time.Second, 10*time.Millisecond, "the function's standard output is forwarded")
	m := regexp.MustCompile(`says hello on its standard output, pid (\d+)`).FindStringSubmatch(out.String())
	require.NotNil(t, m, out.String())
	pid, err = strconv.Atoi(m[1])
	require.NoError(t, err)
	assert.NotContains(t, out.String(), "try: curl", "no --objects, no object to suggest")
}
