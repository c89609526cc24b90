package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/wgor"
)

const writeUsage = `write --route ROUTE --token TOKEN [flags] [FILE|-]

Sends a WriteGetObjectResponse with the body FILE or standard input, signed
with the default credentials chain's keys.`

// envToken names the variable that may hold the output token.
const envToken = "WGOR_TOKEN"

func runWrite(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "write", writeUsage)
	r := &wgor.Response{Status: http.StatusOK, Header: headers(fs, "header", "forwarded `HEADER` 'Name: value' (repeatable)")}
	c := &wgor.Client{}
	check(fs, &r.Route, "route", "`ROUTE`: the event's getObjectContext.outputRoute (required)", text("--route"))
	check(fs, &r.Token, "token", "`TOKEN`: the event's getObjectContext.outputToken (required; default $"+envToken+")", secret(e, "--token"))
	check(fs, &r.Status, "status", "HTTP `STATUS` the GetObject caller receives: "+oss.StatusList, fwdStatus)
	check(fs, &c.Region, "region", "signing `REGION` (default: derived from the route)", regionID)
	check(fs, &c.Scheme, "scheme", "`SCHEME` for a route without one: https (default) or http", oneOf("https", "http"))
	fs.BoolVar(&c.Chunked, "chunked", false, "send a body of unknown length chunked as it is read, instead of spooling it to send its length (OSS does not document chunked for this API)")
	timeout := check(fs, new(5*time.Minute), "timeout", "give up after `DURATION`, whatever the server does", duration(time.Millisecond, 24*time.Hour))
	verbose := fs.Bool("v", false, "log each attempt on standard error")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkWrite(ctx, e, fs, *c, r); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	cr, source, err := chainCredentials(ctx, e, false)
	if err != nil {
		return err
	}
	c.Credentials = creds.Static(cr)
	if *verbose {
		c.Logger = newLogger(e, true)
		fmt.Fprintf(e.stderr, "credentials: access key ID %s, %s\n", cr.AccessKeyID, source)
	}
	var prog *progress
	if e.stderrIsTTY {
		prog = &progress{w: e.stderr}
		c.Progress = prog.report
	}
	var res *wgor.Result
	if r.Body, err = openBody(ctx, e, fs.Arg(0)); err == nil {
		res, err = c.Write(ctx, r)
		prog.done()
	}
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return fmt.Errorf("gave up after --timeout %v: %w", *timeout, err)
	} else if err != nil {
		return plainHTTPHint(err, r.Route)
	}
	fmt.Fprintf(e.stdout, "sent %d bytes with status %d: OSS answered %d, request ID %s\n",
		res.BytesSent, r.Status, res.StatusCode, e.scrub().String(cmp.Or(res.RequestID, "-")))
	return nil
}

// fwdStatus accepts an x-oss-fwd-status OSS forwards.
func fwdStatus(s string) (int, error) {
	n, ok := oss.ParseStatus(s)
	if !ok {
		return 0, errors.New("OSS accepts " + oss.StatusList)
	}
	return n, nil
}

// plainHTTPHint adds to a TLS handshake that got a plain HTTP answer (a
// local emulator's route given without http://) how to give the scheme.
func plainHTTPHint(err error, route string) error {
	if rhe := (tls.RecordHeaderError{}); errors.As(err, &rhe) {
		host := strings.TrimPrefix(route, "https://")
		return fmt.Errorf("%w: the server speaks plain HTTP: give --route http://%s or --scheme http", err, host)
	}
	return err
}

// checkWrite checks the arguments and the token, then lets the library check
// r as it would before sending it, without sending anything: Write checks
// the route, the token, the status, the headers, the scheme and the region
// before it asks for credentials, and credentials that refuse stop it right
// there. Its complaints become usage errors naming the flags.
func checkWrite(ctx context.Context, e *env, fs *flag.FlagSet, c wgor.Client, r *wgor.Response) error {
	if fs.NArg() > 1 {
		return usagef("write takes one FILE at most, got %s", quoteArg(fs.Arg(1)))
	}
	if r.Token == "" && e.getenv(envToken) != "" {
		token, err := secret(e, "$"+envToken)(e.getenv(envToken))
		if err != nil {
			return &usageError{msg: err.Error()}
		}
		r.Token = token
	}
	if r.Route == "" || r.Token == "" {
		return usagef("--route and --token are required (the token may be in $%s)", envToken)
	}
	asked := false
	c.Credentials = creds.ProviderFunc(func(context.Context) (creds.Credentials, error) {
		asked = true
		return creds.Credentials{}, errors.New("checked")
	})
	_, err := c.Write(ctx, r)
	if asked || !errors.Is(err, wgor.ErrInvalidResponse) {
		return nil
	}
	return &usageError{msg: flagWords.Replace(err.Error())}
}

// openBody opens the body: the file name, or standard input for "" or "-".
// Write closes it.
func openBody(ctx context.Context, e *env, name string) (io.Reader, error) {
	if name == "" || name == "-" {
		if e.stdinIsTTY {
			fmt.Fprintln(e.stderr, "reading the body from standard input… (end it with Ctrl-D)")
		}
		return e.stdin, nil
	}
	f, err := openBounded(ctx, name)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s is a directory: give a file, or - for standard input", quoteArg(name))
	}
	return f, nil
}

// openBounded opens name for reading, or gives up when ctx ends: opening a
// named pipe waits for a writer, which may never come. An open given up on
// is closed if it ever ends.
func openBounded(ctx context.Context, name string) (*os.File, error) {
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(name)
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		return o.f, o.err
	case <-ctx.Done():
		go func() {
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, fmt.Errorf("opening %s, which waits for a writer (a named pipe?): %w", quoteArg(name), context.Cause(ctx))
	}
}

// progressFrom is the number of bytes spooled or sent after which progress
// is shown: a small body is sent before a line would help.
const progressFrom = 4 << 20

// progress shows on one terminal line, from the reports of
// Client.Progress (which never overlap) and at most four times a second, how
// far a Write has got: "spooled N MiB", then "sent N of M MiB".
type progress struct {
	w     io.Writer
	last  wgor.Progress
	start time.Time // of the spooling, then of the sending
	shown time.Time
}

// report is Client.Progress.
func (p *progress) report(r wgor.Progress) {
	if p.start.IsZero() || r.Sent > 0 && p.last.Sent == 0 {
		p.start = time.Now()
	}
	p.last = r
	if max(r.Spooled, r.Sent) > progressFrom && time.Since(p.shown) >= 250*time.Millisecond {
		p.show()
	}
}

// show prints the last report on the line.
func (p *progress) show() {
	const mib = 1 << 20
	r, secs := p.last, max(time.Since(p.start).Seconds(), 1e-9)
	p.shown = time.Now()
	switch {
	case r.Sent == 0:
		fmt.Fprintf(p.w, "\rspooled %.1f MiB, %.1f MiB/s ", float64(r.Spooled)/mib, float64(r.Spooled)/mib/secs)
	case r.Total >= 0:
		fmt.Fprintf(p.w, "\rsent %.1f of %.1f MiB (%.0f%%), %.1f MiB/s ", float64(r.Sent)/mib, float64(r.Total)/mib,
			100*float64(r.Sent)/float64(max(r.Total, 1)), float64(r.Sent)/mib/secs)
	default:
		fmt.Fprintf(p.w, "\rsent %.1f MiB, %.1f MiB/s ", float64(r.Sent)/mib, float64(r.Sent)/mib/secs)
	}
}

// done shows the last report and ends the line, if a line was shown.
func (p *progress) done() {
	if p != nil && !p.shown.IsZero() {
		p.show()
		fmt.Fprintln(p.w)
	}
}
