package accesspoint

import (
	"strings"
	"sync"
)

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

// lastLines returns up to n of the last non-empty whole lines: a line the
// trimming cut may hold part of a secret that redaction cannot recognise.
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
