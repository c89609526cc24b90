package accesspoint

import (
	"bytes"
	"io"
	"slices"
	"sync"

	"github.com/wgor-dev/wgor/internal/redact"
)

// maxOutputLine is the longest line of the function's output held back to
// be scrubbed whole; a longer one is passed on in pieces of at most this
// size, cut at a space.
const maxOutputLine = 64 << 10

// scrubbedOutput passes the function's output on line by line, each line
// scrubbed of the secrets the ExecInvoker knows when the line ends: what a
// function says is scrubbed where it enters the emulator (the README's
// promise under "Hostile input"), so that a careless log.Printf of the event
// does not print the invocation's token on the developer's terminal.
type scrubbedOutput struct {
	e   *ExecInvoker
	w   io.Writer
	mu  sync.Mutex
	buf []byte
}

func (o *scrubbedOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf = append(o.buf, p...)
	for {
		end, sep := bytes.IndexByte(o.buf, '\n'), 1
		if end < 0 && len(o.buf) < maxOutputLine {
			return len(p), nil
		}
		if end < 0 {
			// No key, token or signature holds a space: a long line
			// is cut at its last one, so each is scrubbed whole.
			end = bytes.LastIndexAny(o.buf[:maxOutputLine], " \t")
			if end < 0 {
				end, sep = maxOutputLine, 0 // a word this long is cut anyway
			}
		}
		o.emit(o.buf[:end])
		o.buf = append(o.buf[:0], o.buf[end+sep:]...)
	}
}

// flush passes on what is left of an unfinished last line.
func (o *scrubbedOutput) flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.buf) > 0 {
		o.emit(o.buf)
		o.buf = nil
	}
}

func (o *scrubbedOutput) emit(line []byte) {
	_, _ = io.WriteString(o.w, o.e.scrubber().String(string(line))+"\n")
}

// scrubber removes what the process must not print: Env's values, the
// credentials, and the latest invocations' tokens and URLs. It is made
// again only after they changed (track), not for every line.
func (e *ExecInvoker) scrubber() *redact.Scrubber {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.scrub == nil {
		e.scrub = redact.New(append(slices.Clone(e.secrets), e.tokens...)...)
	}
	return e.scrub
}
