package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/wgor-dev/wgor/wgor"
)

// progressFrom is the number of bytes after which a progress line is
// shown: a small body is sent before a line would help.
const progressFrom = 4 << 20

// progress shows, four times a second on one terminal line, how far a
// Write has got, from the reports of Client.Progress: first "spooled N MiB"
// while a body of unknown length is spooled (ended by a newline), then
// "sent N of M MiB". Nothing is shown until more than progressFrom bytes
// are spooled or sent.
type progress struct {
	w     io.Writer
	start time.Time

	mu       sync.Mutex
	last     wgor.Progress
	sending  time.Time // when the first body byte was sent
	printed  bool      // a line is shown
	spoolEnd bool      // the spool line was ended
	done     chan struct{}
	wg       sync.WaitGroup
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, start: time.Now(), done: make(chan struct{})}
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

// report is Client.Progress.
func (p *progress) report(r wgor.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.Sent > 0 && p.sending.IsZero() {
		p.sending = time.Now()
	}
	p.last = r
}

// print shows the line; the final call ends a line that was shown, and
// shows nothing otherwise.
func (p *progress) print(final bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.last
	if max(r.Spooled, r.Sent) <= progressFrom && !(final && p.printed) {
		return
	}
	const mib = 1 << 20
	spooling := r.Sent == 0 && r.Spooled > 0
	if !spooling && p.printed && r.Spooled > 0 && !p.spoolEnd {
		fmt.Fprintln(p.w) // keep the spool line, start the sending one
		p.spoolEnd = true
	}
	p.printed = true
	switch {
	case spooling:
		rate := float64(r.Spooled) / mib / max(time.Since(p.start).Seconds(), 1e-9)
		fmt.Fprintf(p.w, "\rspooled %.1f MiB, %.1f MiB/s ", float64(r.Spooled)/mib, rate)
	case r.Total >= 0:
		rate := float64(r.Sent) / mib / max(time.Since(p.sending).Seconds(), 1e-9)
		fmt.Fprintf(p.w, "\rsent %.1f of %.1f MiB (%.0f%%), %.1f MiB/s ", float64(r.Sent)/mib, float64(r.Total)/mib,
			100*float64(r.Sent)/float64(max(r.Total, 1)), rate)
	default:
		rate := float64(r.Sent) / mib / max(time.Since(p.sending).Seconds(), 1e-9)
		fmt.Fprintf(p.w, "\rsent %.1f MiB, %.1f MiB/s ", float64(r.Sent)/mib, rate)
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
