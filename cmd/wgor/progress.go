package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progressFrom is the number of bytes sent after which a progress line is
// shown: a small body is sent before a line would help.
const progressFrom = 4 << 20

// progress prints "sent N MiB of M MiB" on one terminal line, four times a
// second, once more than progressFrom bytes are sent.
type progress struct {
	w     io.Writer
	total int64
	start time.Time

	mu      sync.Mutex
	sent    int64
	printed bool
	done    chan struct{}
	wg      sync.WaitGroup
}

func newProgress(w io.Writer, total int64) *progress {
	p := &progress{w: w, total: total, start: time.Now(), done: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-t.C:
				p.print(false)
			}
		}
	}()
	return p
}

func (p *progress) wrap(r io.Reader) io.Reader { return &countingReader{r: r, p: p} }

// print shows the line when more than progressFrom bytes are sent; the
// final call ends a line that was shown, and shows nothing otherwise.
func (p *progress) print(final bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sent <= progressFrom && !(final && p.printed) {
		return
	}
	p.printed = true
	const mib = 1 << 20
	rate := float64(p.sent) / mib / max(time.Since(p.start).Seconds(), 1e-9)
	if p.total >= 0 {
		fmt.Fprintf(p.w, "\rsent %.1f of %.1f MiB (%.0f%%), %.1f MiB/s ", float64(p.sent)/mib, float64(p.total)/mib, 100*float64(p.sent)/float64(max(p.total, 1)), rate)
	} else {
		fmt.Fprintf(p.w, "\rsent %.1f MiB, %.1f MiB/s ", float64(p.sent)/mib, rate)
	}
	if final {
		fmt.Fprintln(p.w)
	}
}

// stop ends the progress line; a nil progress does nothing.
func (p *progress) stop() {
	if p == nil {
		return
	}
	close(p.done)
	p.wg.Wait()
	p.print(true)
}

type countingReader struct {
	r io.Reader
	p *progress
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.mu.Lock()
	c.p.sent += int64(n)
	c.p.mu.Unlock()
	return n, err
}
