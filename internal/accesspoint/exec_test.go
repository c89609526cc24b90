package accesspoint

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The processes of these tests are this test binary, run again as
// TestExecHelperProcess in one of these modes (the os/exec tests' way).
const (
	execModePoll        = "poll"          // a Go runtime function
	execModeListen      = "listen"        // a custom runtime
	execModeNeither     = "neither"       // starts, and does nothing
	execModeExit        = "exit"          // writes to stderr and exits 3
	execModeIgnoreTerm  = "ignore-term"   // a Go runtime function deaf to SIGTERM
	execModeCrashOnCall = "crash-on-call" // a Go runtime function that exits when invoked
	execModeEither      = "either"        // polls if FC_RUNTIME_API is set, else listens
)

const execHelperSecret = "HELPER-ENV-SECRET-never-print-5e2d"

// TestExecHelperProcess is not a test: it is the function process of the
// tests below, and does nothing unless run by them.
func TestExecHelperProcess(t *testing.T) {
	mode := os.Getenv("WGOR_EXEC_HELPER")
	if mode == "" {
		return
	}
	os.Exit(execHelperMain(mode))
}

// execHelperMain runs a mode and returns the exit code. Each invocation prints
// "invoked <id> key=<access key id> region=<region>" on stdout.
func execHelperMain(mode string) int {
	switch mode {
	case execModePoll, execModeCrashOnCall:
		return execHelperPoll(mode)
	case execModeIgnoreTerm:
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ignoring SIGTERM")
		return execHelperPoll(mode)
	case execModeEither:
		if os.Getenv("FC_RUNTIME_API") != "" {
			fmt.Println("speaking the runtime API")
			return execHelperPoll(mode)
		}
		fmt.Println("listening")
		fallthrough
	case execModeListen:
		addr := net.JoinHostPort(os.Getenv("FC_SERVER_HOST"), os.Getenv("FC_SERVER_PORT"))
		http.HandleFunc("POST /invoke", func(w http.ResponseWriter, r *http.Request) {
			fmt.Printf("invoked %s key=%s region=%s\n", r.Header.Get("x-fc-request-id"),
				r.Header.Get("x-fc-access-key-id"), r.Header.Get("x-fc-region"))
			w.WriteHeader(http.StatusOK)
		})
		fmt.Fprintln(os.Stderr, http.ListenAndServe(addr, nil))
		return 1
	case execModeNeither:
		time.Sleep(time.Minute)
		return 0
	case execModeExit:
		fmt.Fprintln(os.Stderr, "starting")
		fmt.Fprintln(os.Stderr, "cannot start: secret is "+os.Getenv("HELPER_SECRET"))
		return 3
	}
	return 2
}

// execHelperPoll polls FC_RUNTIME_API as fc-runtime-go-sdk does.
func execHelperPoll(mode string) int {
	base := "http://" + os.Getenv("FC_RUNTIME_API") + "/2020-11-11/runtime/invocation/"
	for {
		resp, err := http.Get(base + "next")
		if err != nil {
			fmt.Fprintln(os.Stderr, "poll:", err)
			return 1
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0
		}
		id := resp.Header.Get("x-fc-request-id")
		fmt.Printf("invoked %s key=%s region=%s\n", id, resp.Header.Get("x-fc-access-key-id"), resp.Header.Get("x-fc-region"))
		if mode == execModeCrashOnCall {
			fmt.Fprintln(os.Stderr, "panic: invoked with secret "+resp.Header.Get("x-fc-access-key-secret"))
			return 2
		}
		r, err := http.Post(base+id+"/response", "application/json", strings.NewReader("{}"))
		if err == nil {
			r.Body.Close()
		}
	}
}

// execBuffer is a bytes.Buffer safe for the writes of os/exec.
type execBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *execBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *execBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// execOpenFDs counts this process's open file descriptors, or -1 where that
// cannot be known.
func execOpenFDs() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}

// execHelper returns an ExecInvoker running this test binary in mode.
func execHelper(t *testing.T, mode string) (*ExecInvoker, *execBuffer, *execBuffer) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the helper processes rely on Unix signals")
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	var stdout, stderr execBuffer
	e := &ExecInvoker{
		Path:         exe,
		Args:         []string{"-test.run=^TestExecHelperProcess$"},
		Env:          []string{"WGOR_EXEC_HELPER=" + mode, "HELPER_SECRET=" + execHelperSecret},
		Stdout:       &stdout,
		Stderr:       &stderr,
		StartTimeout: 5 * time.Second,
		GracePeriod:  2 * time.Second,
	}
	return e, &stdout, &stderr
}

func execInvocation(id string) *Invocation {
	return &Invocation{RequestID: id, Event: []byte("{}"), Credentials: rtCreds, Region: "cn-qingdao"}
}

func TestExecInvokesAProcessInTheProtocolItSpeaks(t *testing.T) {
	for _, mode := range []string{execModePoll, execModeListen} {
		t.Run(mode, func(t *testing.T) {
			goroutines, fds := runtime.NumGoroutine(), execOpenFDs()
			e, stdout, _ := execHelper(t, mode)
			require.NoError(t, e.Start(t.Context()))
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					assert.NoError(t, e.Invoke(ctx, execInvocation(fmt.Sprintf("REQ%d", i))))
				})
			}
			wg.Wait()
			require.NoError(t, e.Close())
			for i := range 8 {
				assert.Contains(t, stdout.String(), fmt.Sprintf("invoked REQ%d key=%s region=cn-qingdao\n", i, rtCreds.AccessKeyID))
			}
			rtSettled(t, goroutines)
			if fds >= 0 {
				assert.Equal(t, fds, execOpenFDs(), "file descriptors left open")
			}
		})
	}
}

func TestExecFailsAProcessThatNeitherPollsNorListens(t *testing.T) {
	goroutines, fds := runtime.NumGoroutine(), execOpenFDs()
	e, _, _ := execHelper(t, execModeNeither)
	e.StartTimeout = 200 * time.Millisecond
	require.NoError(t, e.Start(t.Context()))
	start := time.Now()
	err := e.Invoke(t.Context(), execInvocation("REQ1"))
	assert.ErrorContains(t, err, "the function neither polled FC_RUNTIME_API nor listened on FC_SERVER_PORT within 200ms")
	assert.Less(t, time.Since(start), 5*time.Second)
	require.NoError(t, e.Close())
	rtSettled(t, goroutines)
	if fds >= 0 {
		assert.Equal(t, fds, execOpenFDs(), "file descriptors left open")
	}
}

func TestExecReportsAnEarlyExitWithoutSecrets(t *testing.T) {
	goroutines := runtime.NumGoroutine()
	e, _, stderr := execHelper(t, execModeExit)
	var log execBuffer
	e.Logger = execTestLogger(&log)
	require.NoError(t, e.Start(t.Context()))
	err := e.Invoke(t.Context(), execInvocation("REQ1"))
	require.NoError(t, e.Close())
	rtSettled(t, goroutines)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exited (exit status 3)")
	assert.Contains(t, err.Error(), "before it polled FC_RUNTIME_API or listened on FC_SERVER_PORT")
	assert.Contains(t, err.Error(), `"cannot start: secret is <redacted>"`)
	assert.Contains(t, stderr.String(), "starting\ncannot start: secret is <redacted>\n", "stderr is forwarded line by line, scrubbed")
	for _, s := range []string{err.Error(), log.String(), stderr.String()} {
		assert.NotContains(t, s, execHelperSecret)
	}
}

func TestExecReportsAnExitDuringAnInvocation(t *testing.T) {
	e, _, stderr := execHelper(t, execModeCrashOnCall)
	require.NoError(t, e.Start(t.Context()))
	defer e.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	err := e.Invoke(ctx, execInvocation("REQ1"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exited (exit status 2)")
	assert.Contains(t, err.Error(), "panic: invoked with secret <redacted>")
	assert.NotContains(t, err.Error(), rtCreds.AccessKeySecret)
	assert.ErrorContains(t, e.Invoke(ctx, execInvocation("REQ2")), "exited (exit status 2)", "later invocations fail at once")
	assert.Contains(t, stderr.String(), "panic: invoked with secret <redacted>\n", "the invocation's secret is scrubbed from the forwarded stderr")
	assert.NotContains(t, stderr.String(), rtCreds.AccessKeySecret)
}
