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

// progress shows on one terminal line, from the reports of
// Client.Progress, how far a Write has got: "spooled N MiB" while a body of
// unknown length is spooled (a line of its own), then "sent N of M MiB".
type progress struct {
	w        io.Writer
	interval time.Duration // between two lines

	mu       sync.Mutex
	last     wgor.Progress
	start    time.Time     // of the spooling, then of the sending
	shown    wgor.Progress // what the line shows
	shownAt  time.Time
	spooling bool // the line is the spool's
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, interval: 250 * time.Millisecond, start: time.Now()}
}

// report is Client.Progress.
func (p *progress) report(r wgor.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.Sent > 0 && p.last.Sent == 0 {
		p.start = time.Now() // the sending begins
	}
	p.last = r
	if max(r.Spooled, r.Sent) > progressFrom && time.Since(p.shownAt) >= p.interval {
		p.show()
	}
}

// show prints the last report on the line.
func (p *progress) show() {
	const mib = 1 << 20
	r, secs := p.last, max(time.Since(p.start).Seconds(), 1e-9)
	p.shown, p.shownAt = r, time.Now()
	if r.Sent == 0 {
		fmt.Fprintf(p.w, "\rspooled %.1f MiB, %.1f MiB/s ", float64(r.Spooled)/mib, float64(r.Spooled)/mib/secs)
		p.spooling = true
		return
	}
	if p.spooling {
		fmt.Fprintln(p.w) // keep the spool line
		p.spooling = false
	}
	sent := fmt.Sprintf("%.1f MiB", float64(r.Sent)/mib)
	if r.Total >= 0 {
		sent = fmt.Sprintf("%.1f of %.1f MiB (%.0f%%)", float64(r.Sent)/mib, float64(r.Total)/mib, 100*float64(r.Sent)/float64(max(r.Total, 1)))
	}
	fmt.Fprintf(p.w, "\rsent %s, %.1f MiB/s ", sent, float64(r.Sent)/mib/secs)
}

// stop shows the last report, if it is due and not shown yet, and ends the
// line; a nil progress does nothing.
func (p *progress) stop() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if max(p.last.Spooled, p.last.Sent) <= progressFrom && p.shownAt.IsZero() {
		return
	}
	if p.last != p.shown {
		p.show()
	}
	fmt.Fprintln(p.w)
}
