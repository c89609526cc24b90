package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/wgor-dev/wgor/creds/chain"
	"github.com/wgor-dev/wgor/wgor"
)

const writeUsage = `write --route ROUTE --token TOKEN [--status 200] [--header 'Content-Type: image/png']... [--region R] [FILE|-]

Sends a WriteGetObjectResponse: the body is FILE, or standard input when FILE
is "-" or absent, streamed as it is read. The token may come from $WGOR_TOKEN
instead of --token, out of sight of other users' process listings. Each --header is forwarded to the
GetObject caller (sent as x-oss-fwd-header-<Name>). Credentials come from the
default chain ($ALIBABA_CLOUD_ACCESS_KEY_ID and friends, a credentials URI, a
profile, a RAM role). On a terminal, a progress line is shown on standard
error for bodies over 4 MiB.

On failure the OSS error code and request ID are printed and the exit code
is 1.`

// envToken names the variable that may hold the output token.
const envToken = "WGOR_TOKEN"

// progressFrom is the body size from which a progress line is shown.
const progressFrom = 4 << 20

func runWrite(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "write", writeUsage)
	var headers headerFlags
	route := fs.String("route", "", "the event's getObjectContext.outputRoute (required)")
	token := fs.String("token", "", "the event's getObjectContext.outputToken (required; default $"+envToken+")")
	status := fs.Int("status", 200, "HTTP `status` the GetObject caller receives")
	fs.Var(&headers, "header", "forwarded header 'Name: value' (repeatable)")
	region := fs.String("region", "", "signing `region` (default: derived from the route)")
	scheme := fs.String("scheme", "", "`scheme` for a route without one: https (default) or http")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usagef("write takes one FILE at most")
	}
	if *token == "" {
		*token = e.getenv(envToken)
	}
	if *route == "" || *token == "" {
		return usagef("--route and --token are required")
	}
	r := &wgor.Response{Route: *route, Token: *token, Status: *status, Header: http.Header{}}
	for _, hv := range headers {
		name, value, ok := strings.Cut(hv, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return usagef("--header must be 'Name: value', not %q", hv)
		}
		r.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}

	var body io.Reader = e.stdin
	var size int64 = -1
	if name := fs.Arg(0); name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
			r.ContentLength = size
		}
		body = f
	}
	var prog *progress
	if e.stderrIsTTY && (size < 0 || size >= progressFrom) {
		prog = newProgress(e.stderr, size)
		body = prog.wrap(body)
	}
	r.Body = body

	c := &wgor.Client{Credentials: chain.Default(), Region: *region, Scheme: *scheme}
	res, err := c.Write(ctx, r)
	prog.stop()
	if err != nil {
		var se *wgor.ServiceError
		if errors.As(err, &se) {
			return fmt.Errorf("OSS error %s (HTTP %d), request ID %s: %w", orDash(se.Code), se.StatusCode, orDash(se.RequestID), err)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "sent %d bytes with status %d: OSS answered %d, request ID %s\n",
		res.BytesSent, *status, res.StatusCode, res.RequestID)
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// progress prints "sent N MiB of M MiB" on one terminal line, four times a
// second, while a body is read.
type progress struct {
	w     io.Writer
	total int64
	start time.Time

	mu   sync.Mutex
	sent int64
	done chan struct{}
	wg   sync.WaitGroup
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

func (p *progress) print(final bool) {
	p.mu.Lock()
	sent := p.sent
	p.mu.Unlock()
	if sent < progressFrom && !final {
		return
	}
	const mib = 1 << 20
	rate := float64(sent) / mib / max(time.Since(p.start).Seconds(), 1e-9)
	if p.total >= 0 {
		fmt.Fprintf(p.w, "\rsent %.1f of %.1f MiB (%.0f%%), %.1f MiB/s ", float64(sent)/mib, float64(p.total)/mib, 100*float64(sent)/float64(max(p.total, 1)), rate)
	} else {
		fmt.Fprintf(p.w, "\rsent %.1f MiB, %.1f MiB/s ", float64(sent)/mib, rate)
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
