//go:build unix

package accesspoint

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// alive reports whether the process pid runs (a zombie has ended).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses.
	s := string(stat)
	return !strings.HasPrefix(s[strings.LastIndexByte(s, ')')+1:], " Z")
}

// A bootstrap that is a shell script starting the function without exec, or
// a function that starts a worker: Close stops the whole process group,
// also when the script itself has already exited.
func TestExecCloseStopsTheChildrenOfTheProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc to tell a process's state")
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	tests := []struct {
		name   string
		script string
		invoke bool // the child is a custom runtime that answers
	}{
		{"the script waits for a server it started", `"$WGOR_TEST_EXE" -test.run='^TestExecHelperProcess$' &
echo $! > "$PIDFILE"
wait`, true},
		{"the script has exited, its child sleeps on", `sleep 300 &
echo $! > "$PIDFILE"
exit 0`, false},
		{"the script and its child ignore SIGTERM", `trap '' TERM
sleep 300 &
echo $! > "$PIDFILE"
wait`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			bootstrap, pidfile := filepath.Join(dir, "bootstrap"), filepath.Join(dir, "child.pid")
			require.NoError(t, os.WriteFile(bootstrap, []byte("#!/bin/sh\n"+tt.script+"\n"), 0o755))
			e := &ExecInvoker{
				Path:         bootstrap,
				Env:          []string{"WGOR_EXEC_HELPER=" + execModeListen, "WGOR_TEST_EXE=" + exe, "PIDFILE=" + pidfile},
				StartTimeout: 5 * time.Second,
				GracePeriod:  300 * time.Millisecond,
			}
			require.NoError(t, e.Start(t.Context()))
			defer e.Close()
			var pid int
			require.Eventually(t, func() bool {
				b, err := os.ReadFile(pidfile)
				pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
				return err == nil && pid > 0
			}, 5*time.Second, time.Millisecond)
			if tt.invoke {
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				require.NoError(t, e.Invoke(ctx, execInvocation("REQ1")), "the child answers as a custom runtime")
			}
			require.True(t, alive(pid), "the child runs before Close")
			require.NoError(t, e.Close())
			assert.Eventually(t, func() bool { return !alive(pid) }, 2*time.Second, time.Millisecond, "the child outlived Close")
		})
	}
}
