//go:build unix

package main

import (
	"context"
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriteGivesUpOnANamedPipeNobodyWrites: opening a FIFO waits for a
// writer, so --timeout and a signal must bound the open too, not only the
// sending.
func TestWriteGivesUpOnANamedPipeNobodyWrites(t *testing.T) {
	useEnvCredentials(t)
	fifo := filepath.Join(t.TempDir(), "body.fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	t.Cleanup(func() { // a writer ends the opens given up on
		if fd, err := syscall.Open(fifo, syscall.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			syscall.Close(fd)
		}
	})
	vars := map[string]string{"WGOR_TOKEN": "OSSV1#t"}
	args := []string{"write", "--route", testRoute, "--region", "cn-hangzhou"}
	cases := []struct {
		name string
		ctx  func() context.Context
		args []string
		want string
	}{
		{"--timeout", t.Context, []string{"--timeout", "200ms"}, "gave up after --timeout 200ms"},
		{"a signal", func() context.Context {
			ctx, cancel := context.WithCancelCause(t.Context())
			time.AfterFunc(200*time.Millisecond, func() { cancel(errors.New("interrupt signal received")) })
			return ctx
		}, nil, "interrupt signal received"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			type outcome struct {
				code   int
				stderr string
			}
			done := make(chan outcome, 1)
			go func() {
				code, _, stderr := runCLI(t, tc.ctx(), nil, vars, append(append(args, tc.args...), fifo)...)
				done <- outcome{code, stderr}
			}()
			select {
			case o := <-done:
				assert.Equal(t, exitFail, o.code, o.stderr)
				assert.Contains(t, o.stderr, tc.want)
				assert.Contains(t, o.stderr, "waits for a writer")
			case <-time.After(10 * time.Second):
				t.Fatal("write hangs opening a FIFO nobody writes")
			}
		})
	}
}
