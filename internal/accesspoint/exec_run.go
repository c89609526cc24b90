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
	"syscall"
	"time"

	"github.com/wgor-dev/wgor/internal/redact"
)

// find waits for the first sign of life: a poll of the runtime API, or a
// connection accepted on the port (each probe closed before any request).
// Close ends it by ending the process.
func (e *ExecInvoker) find(addr string) {
	defer e.wg.Done()
	timeout := cmp.Or(max(e.StartTimeout, 0), DefaultStartTimeout)
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	polled := e.api.Polled()
	wait := 2 * time.Millisecond
	var proto string
	var err error
	for e.invoker == nil && err == nil {
		t := time.NewTimer(wait)
		select {
		case <-polled:
			e.invoker, proto = e.api, "runtime API"
		case <-e.exited:
			err = fmt.Errorf("%w before it polled FC_RUNTIME_API or listened on FC_SERVER_PORT", e.exitErr)
		case <-deadline.C:
			err = fmt.Errorf("accesspoint: the function neither polled FC_RUNTIME_API nor listened on FC_SERVER_PORT within %v: "+
				"build it with fc.Start (Go runtime) or as an HTTP server on FC_SERVER_PORT (custom runtime)", timeout)
		case <-t.C:
			if c, derr := net.DialTimeout("tcp", addr, time.Second); derr == nil {
				c.Close()
				e.invoker, proto = e.custom, "custom runtime"
			}
			wait = min(2*wait, 50*time.Millisecond)
		}
		t.Stop()
	}
	e.detect = err
	close(e.detected)
	if err != nil {
		e.log().Error("exec: the function cannot be invoked", "error", err)
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
	exited := e.exited
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
	go func() {
		select {
		case <-exited:
			cancel(e.exitErr)
		case <-ctx.Done():
		}
	}()
	err := e.invoker.Invoke(ctx, inv)
	if err != nil {
		select {
		case <-exited:
			return e.exitErr
		default:
		}
	}
	return err
}

// track remembers the secrets of inv, to remove from stderr; e.mu is held.
func (e *ExecInvoker) track(inv *Invocation) {
	secrets := invocationSecrets(inv)
	for _, v := range secrets[:2] { // the credentials: few, kept
		if !slices.Contains(e.secrets, v) {
			e.secrets = append(e.secrets, v)
		}
	}
	e.tokens = append(e.tokens, secrets[2:]...)
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
	if e.closed || !e.started {
		e.closed = true
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	if !e.stopCtx() {
		<-e.ctxDone
	}
	e.terminate()
	<-e.exited
	e.wg.Wait()
	err := e.api.Close()
	e.transport.CloseIdleConnections()
	return err
}

// wait waits for the process and records how it ended.
func (e *ExecInvoker) wait() {
	defer e.wg.Done()
	err := e.cmd.Wait()
	state := "an unknown status"
	if ps := e.cmd.ProcessState; ps != nil {
		state = ps.String()
	} else if err != nil {
		state = err.Error()
	}
	e.mu.Lock()
	closing := e.closed
	e.exitErr = fmt.Errorf("accesspoint: the function %s exited (%s)%s", filepath.Base(e.Path), state, e.lastStderr())
	e.mu.Unlock()
	close(e.exited)
	if closing {
		e.log().Info("exec: the function stopped", "status", state)
	} else {
		e.log().Error("exec: the function exited", "error", e.exitErr)
	}
}

// lastStderr returns the last lines of stderr, scrubbed, for an error;
// e.mu is held.
func (e *ExecInvoker) lastStderr() string {
	lines := e.stderr.lastLines(5)
	if len(lines) == 0 {
		return ": it wrote nothing on stderr"
	}
	sc := redact.New(append(slices.Clone(e.secrets), e.tokens...)...)
	for i, l := range lines {
		l = sc.String(l) // cut only once the secrets are gone
		if len(l) > 200 {
			l = l[:200] + "…"
		}
		lines[i] = strconv.Quote(l)
	}
	return "; its last lines on stderr: " + strings.Join(lines, ", ")
}
