//go:build unix

package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Closing the terminal sends wgor SIGHUP, and not the function, which runs
// in a process group of its own: emulate stops it then too. The function
// is a script that would run on for minutes.
func TestEmulateExecStopsTheFunctionWhenWgorIsSignalled(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			self, err := os.Executable()
			require.NoError(t, err)
			script := filepath.Join(t.TempDir(), "bootstrap")
			require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\necho \"function: says hello on its standard output, pid $$\"\nexec sleep 300\n"), 0o700))
			cmd := exec.Command(self, "emulate", "--listen", "127.0.0.1:0", "--exec", script,
				"--access-key-id", testKeyID, "--access-key-secret", testSecret)
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
			require.NoError(t, cmd.Process.Signal(sig))
			assert.Eventually(t, func() bool { return syscall.Kill(pid, 0) == syscall.ESRCH },
				10*time.Second, 20*time.Millisecond, "the function outlives emulate")
		})
	}
}
