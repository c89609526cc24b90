package accesspoint

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wgor-dev/wgor/internal/redact"
)

// find waits for the first sign of life: a poll of the runtime API, or a
// connection accepted on the port (each probe closed before any request),
// probed every 2 ms at first, then less often. Close ends it by ending the
// process.
func (e *ExecInvoker) find(addr string) {
	defer e.wg.Done()
	timeout := cmp.Or(max(e.StartTimeout, 0), DefaultStartTimeout)
	deadline := time.After(timeout)
	proto := ""
	for wait := 2 * time.Millisecond; e.invoker == nil && e.detect == nil; wait = min(2*wait, 50*time.Millisecond) {
		select {
		case <-e.api.polled:
			e.invoker, proto = e.api, "runtime API"
		case <-e.alive.Done():
			e.detect = fmt.Errorf("%w before it polled FC_RUNTIME_API or listened on FC_SERVER_PORT", context.Cause(e.alive))
		case <-deadline:
			e.detect = fmt.Errorf("accesspoint: the function neither polled FC_RUNTIME_API nor listened on FC_SERVER_PORT within %v: "+
				"build it with fc.Start (Go runtime) or as an HTTP server on FC_SERVER_PORT (custom runtime)", timeout)
		case <-time.After(wait):
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				e.invoker, proto = e.custom, "custom runtime"
			}
		}
	}
	close(e.detected)
	if e.detect != nil {
		e.log().Error("exec: the function cannot be invoked", "error", e.detect)
	} else {
		e.log().Info("exec: the function speaks the "+proto, "path", e.Path)
	}
}

// Invoke waits until the protocol is known and invokes the process that
// way. When the process exits meanwhile, the error is its exit status and
// last lines of stderr.
func (e *ExecInvoker) Invoke(ctx context.Context, inv *Invocation) error {
	e.mu.Lock()
	if !e.started {
		e.mu.Unlock()
		return errors.New("accesspoint: the ExecInvoker is not started: call Start first")
	}
	e.track(inv)
	e.mu.Unlock()

	select {
	case <-e.detected:
	case <-ctx.Done():
		return fmt.Errorf("accesspoint: waiting for the function to poll FC_RUNTIME_API or listen on FC_SERVER_PORT: %w", context.Cause(ctx))
	}
	if e.detect != nil {
		return e.detect
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(e.alive, func() { cancel(context.Cause(e.alive)) })
	defer stop()
	err := e.invoker.Invoke(ctx, inv)
	if err != nil && e.alive.Err() != nil {
		return context.Cause(e.alive)
	}
	return err
}

// maxTrackedTokens bounds the tokens and inputOssUrls of the latest
// invocations kept to scrub stderr with.
const maxTrackedTokens = 256

// track remembers the secrets of inv, to remove from stderr; e.mu is held.
func (e *ExecInvoker) track(inv *Invocation) {
	secrets := invocationSecrets(inv)
	for _, v := range secrets[:2] { // the credentials: few, kept
		if !slices.Contains(e.secrets, v) {
			e.secrets = append(e.secrets, v)
		}
	}
	e.tokens = append(e.tokens, secrets[2:]...)
	e.scrub = nil
	if n := len(e.tokens) - maxTrackedTokens; n > 0 {
		e.tokens = slices.Delete(e.tokens, 0, n)
	}
}

// terminate sends SIGTERM to the process group, then SIGKILL after the
// grace period, as Function Compute stops an instance ("Instance lifecycle
// hooks"); also when the process has exited, for the children it left.
func (e *ExecInvoker) terminate() {
	e.mu.Lock()
	cmd := e.cmd
	e.mu.Unlock()
	if cmd == nil {
		return
	}
	grace := cmp.Or(max(e.GracePeriod, 0), DefaultGracePeriod)
	pid := cmd.Process.Pid
	if !signalGroup(pid, syscall.SIGTERM) {
		return
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for end := time.Now().Add(grace); time.Now().Before(end); <-tick.C {
		if !signalGroup(pid, 0) {
			return
		}
	}
	e.log().Warn("exec: the function ignored SIGTERM; killing its process group", "grace_period", grace)
	signalGroup(pid, syscall.SIGKILL)
}

// Close stops the process group (SIGTERM, then SIGKILL after GracePeriod),
// waits for the process and closes the runtime API, leaving no goroutine.
func (e *ExecInvoker) Close() error {
	e.mu.Lock()
	wasOpen := e.started && !e.closed
	e.closed = true
	e.mu.Unlock()
	if !wasOpen {
		return nil
	}
	if !e.stopCtx() {
		<-e.ctxDone
	}
	e.terminate()
	<-e.alive.Done()
	e.wg.Wait()
	err := e.api.close()
	e.transport.CloseIdleConnections()
	return err
}

// wait waits for the process and records how it ended, with the last
// lines of its stderr, scrubbed.
func (e *ExecInvoker) wait() {
	defer e.wg.Done()
	err := e.cmd.Wait()
	e.scrubOut.flush()
	e.scrubErr.flush()
	state := "an unknown status"
	if ps := e.cmd.ProcessState; ps != nil {
		state = ps.String()
	} else if err != nil {
		state = err.Error()
	}
	e.mu.Lock()
	closing := e.closed
	e.mu.Unlock()
	exitErr := fmt.Errorf("accesspoint: the function %s exited (%s)%s", filepath.Base(e.Path), state, e.stderr.last(5, e.scrubber()))
	e.died(exitErr)
	if closing {
		e.log().Info("exec: the function stopped", "status", state)
	} else {
		e.log().Error("exec: the function exited", "error", exitErr)
	}
}

// tailWriter keeps the last bytes written to it.
type tailWriter struct {
	mu      sync.Mutex
	buf     []byte
	trimmed bool // the first line may be the end of a longer one
}

const tailKeep = 4 << 10

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*tailKeep {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailKeep:]...)
		t.trimmed = true
	}
	return len(p), nil
}

// last returns up to n of the last non-empty whole lines, scrubbed, for an
// error: a line the trimming cut may hold part of a secret that redaction
// cannot recognise.
func (t *tailWriter) last(n int, sc *redact.Scrubber) string {
	t.mu.Lock()
	lines := strings.Split(string(t.buf), "\n")
	if t.trimmed {
		lines = lines[1:]
	}
	t.mu.Unlock()
	var out []string
	for i := len(lines) - 1; i >= 0 && len(out) < n; i-- {
		l := sc.String(strings.TrimSpace(lines[i])) // cut only once the secrets are gone
		if l == "" {
			continue
		}
		if len(l) > 200 {
			l = l[:200] + "…"
		}
		out = append([]string{strconv.Quote(l)}, out...)
	}
	if len(out) == 0 {
		return ": it wrote nothing on stderr"
	}
	return "; its last lines on stderr: " + strings.Join(out, ", ")
}
