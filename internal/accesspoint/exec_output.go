package accesspoint

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// secretName tells whether an environment variable's name suggests that
// its value must not be shown.
func secretName(k string) bool {
	k = strings.ToUpper(k)
	return strings.Contains(k, "SECRET") || strings.Contains(k, "TOKEN") || strings.Contains(k, "PASSWORD")
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

// lastStderr returns the last lines of the process's stderr, with every
// known secret removed, ready to append to an error; e.mu is held.
func (e *ExecInvoker) lastStderr() string {
	lines := e.stderr.lastLines(5)
	if len(lines) == 0 {
		return ": it wrote nothing on stderr"
	}
	for i, l := range lines {
		for s := range e.secrets {
			if len(s) >= 4 {
				l = strings.ReplaceAll(l, s, "<redacted>")
			}
		}
		// Cut only once the secrets are gone.
		if len(l) > 200 {
			l = l[:200] + "…"
		}
		lines[i] = strconv.Quote(l)
	}
	return "; its last lines on stderr: " + strings.Join(lines, ", ")
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

// lastLines returns up to n of the last non-empty whole lines: a line cut
// by the buffer's trimming is left out, for it might hold the rest of a
// secret that redaction could no longer recognise.
func (t *tailWriter) lastLines(n int) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(string(t.buf), "\n")
	if t.trimmed {
		lines = lines[1:]
	}
	var out []string
	for i := len(lines) - 1; i >= 0 && len(out) < n; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			out = append([]string{l}, out...)
		}
	}
	return out
}
