package accesspoint

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExecCloseKillsAProcessThatIgnoresSIGTERM(t *testing.T) {
	goroutines := runtime.NumGoroutine()
	e, stdout, _ := execHelper(t, execModeIgnoreTerm)
	e.GracePeriod = 300 * time.Millisecond
	require.NoError(t, e.Start(t.Context()))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	require.NoError(t, e.Invoke(ctx, execInvocation("REQ1")), "the process is up and deaf to SIGTERM")
	require.Eventually(t, func() bool { return strings.Contains(stdout.String(), "ignoring SIGTERM") }, 5*time.Second, time.Millisecond)
	start := time.Now()
	require.NoError(t, e.Close())
	elapsed := time.Since(start)
	assert.GreaterOrEqual(t, elapsed, 300*time.Millisecond, "killed before the grace period")
	assert.Less(t, elapsed, 5*time.Second)
	assert.ErrorContains(t, e.Invoke(ctx, execInvocation("REQ2")), "signal: killed")
	rtSettled(t, goroutines)
}

func TestExecStopsTheProcessWhenStartsContextEnds(t *testing.T) {
	e, _, _ := execHelper(t, execModePoll)
	ctx, cancel := context.WithCancel(t.Context())
	require.NoError(t, e.Start(ctx))
	defer e.Close()
	require.NoError(t, e.Invoke(t.Context(), execInvocation("REQ1")))
	cancel()
	select {
	case <-e.alive.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the process outlived Start's context")
	}
	assert.ErrorContains(t, e.Invoke(t.Context(), execInvocation("REQ2")), "signal: terminated")
}

func TestExecRefusesMisuse(t *testing.T) {
	assert.ErrorContains(t, (&ExecInvoker{}).Start(t.Context()), "has no Path")
	assert.ErrorContains(t, (&ExecInvoker{Path: "x"}).Invoke(t.Context(), execInvocation("R")), "not started")
	assert.NoError(t, (&ExecInvoker{}).Close(), "closing an unstarted invoker")
	err := (&ExecInvoker{Path: "/nonexistent/wgor-function"}).Start(t.Context())
	assert.ErrorContains(t, err, "start the function /nonexistent/wgor-function")

	e, _, _ := execHelper(t, execModePoll)
	require.NoError(t, e.Start(t.Context()))
	assert.ErrorContains(t, e.Start(t.Context()), "already started")
	require.NoError(t, e.Close())
	assert.NoError(t, e.Close(), "a second Close")
	assert.ErrorContains(t, e.Start(t.Context()), "closed")
}

func execTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func TestExecEnvCanHideTheRuntimeAPI(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"both set", nil, "speaking the runtime API"},
		{"FC_RUNTIME_API emptied", []string{"FC_RUNTIME_API="}, "listening"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, stdout, _ := execHelper(t, execModeEither)
			e.Env = append(e.Env, tt.env...)
			require.NoError(t, e.Start(t.Context()))
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			require.NoError(t, e.Invoke(ctx, execInvocation("REQ1")))
			require.NoError(t, e.Close()) // all output copied
			assert.Contains(t, stdout.String(), tt.want)
			assert.Contains(t, stdout.String(), "invoked REQ1 key="+rtCreds.AccessKeyID)
		})
	}
}

func TestExecRefusesABadServerPortInEnv(t *testing.T) {
	for _, port := range []string{"0", "65536", "nine", "-1"} {
		e := &ExecInvoker{Path: "unused", Env: []string{"FC_SERVER_PORT=" + port}}
		assert.ErrorContains(t, e.Start(t.Context()), "use a port number from 1 to 65535", port)
	}
}

// An emulated access point whose function is a binary, started as Function
// Compute starts one; it may be a custom runtime or use fc.Start.
func ExampleExecInvoker() {
	fn := &ExecInvoker{Path: "./bootstrap", Stdout: os.Stdout, Stderr: os.Stderr}
	if err := fn.Start(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	defer fn.Close() // after the access point's Close: it stops the process

	ap, err := New(Config{Function: fn, Region: "cn-qingdao"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := ap.Start("127.0.0.1:8080"); err != nil {
		fmt.Println(err)
		return
	}
	defer ap.Close()
	fmt.Println("GetObject: curl", ap.URL()+"/<key>")
}
