package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/wgor"
)

const writeUsage = `write --route ROUTE --token TOKEN [flags] [FILE|-]

Sends a WriteGetObjectResponse with the body FILE (streamed with its length)
or standard input ("-" or no FILE: spooled, in memory up to 4 MiB, then sent
with its length; --chunked streams it, which OSS does not document for this
API). ROUTE and TOKEN are the event's outputRoute and outputToken; the token
may be in $WGOR_TOKEN instead, out of other users' process listings.
--region is needed for a route that names none, such as the emulator's.
Credentials come from the default chain.`

// envToken names the variable that may hold the output token.
const envToken = "WGOR_TOKEN"

// defaultWriteTimeout is --timeout's default: a body of a few GiB at tens
// of MiB/s fits in it, and a server that never answers is cut off.
const defaultWriteTimeout = 5 * time.Minute

// writeFlags are write's flags.
type writeFlags struct {
	route, token, region, scheme *string
	status                       *int
	header                       http.Header
	timeout                      *time.Duration
	verbose, chunked             *bool
}

func newWriteFlags(e *env, fs *flag.FlagSet) *writeFlags {
	return &writeFlags{
		route:   check(fs, "route", "", "`ROUTE`: the event's getObjectContext.outputRoute (required)", text("--route")),
		token:   check(fs, "token", "", "`TOKEN`: the event's getObjectContext.outputToken (required; default $"+envToken+")", secret(e, "--token")),
		status:  check(fs, "status", http.StatusOK, "HTTP `STATUS` the GetObject caller receives: "+oss.StatusList, fwdStatus),
		header:  headers(fs, "header", "forwarded `HEADER` 'Name: value' (repeatable)"),
		region:  check(fs, "region", "", "signing `REGION` (default: derived from the route)", regionID),
		scheme:  check(fs, "scheme", "", "`SCHEME` for a route without one: https (default) or http", oneOf("https", "http")),
		timeout: check(fs, "timeout", defaultWriteTimeout, "give up after `DURATION`, whatever the server does", duration(time.Millisecond, 24*time.Hour)),
		verbose: fs.Bool("v", false, "log each attempt on standard error"),
		chunked: fs.Bool("chunked", false, "send a body of unknown length chunked as it is read, instead of spooling it to send its length (OSS does not document chunked for this API)"),
	}
}

func runWrite(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "write", writeUsage)
	f := newWriteFlags(e, fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	c, r, err := f.response(ctx, e, fs)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *f.timeout)
	defer cancel()
	cr, source, err := chainCredentials(ctx, e, false)
	if err != nil {
		return err
	}
	c.Credentials = creds.Static(cr)
	if *f.verbose {
		c.Logger = newLogger(e, true)
		fmt.Fprintf(e.stderr, "credentials: access key ID %s, %s\n", cr.AccessKeyID, source)
	}
	var size int64
	if r.Body, size, err = openBody(e, fs.Arg(0)); err != nil {
		return err
	}
	var prog *progress
	if e.stderrIsTTY && (size < 0 || size > progressFrom) {
		prog = newProgress(e.stderr)
		c.Progress = prog.report
	}
	res, err := c.Write(ctx, r)
	prog.stop()
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return fmt.Errorf("gave up after --timeout %v: %w", *f.timeout, err)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "sent %d bytes with status %d: OSS answered %d, request ID %s\n",
		res.BytesSent, r.Status, res.StatusCode, e.scrub().String(orDash(res.RequestID)))
	return nil
}

// response checks the flags as the library would check the Response they
// describe, and returns the Client and the Response, without credentials
// or body.
func (f *writeFlags) response(ctx context.Context, e *env, fs *flag.FlagSet) (*wgor.Client, *wgor.Response, error) {
	if fs.NArg() > 1 {
		return nil, nil, usagef("write takes one FILE at most, got %s", quoteArg(fs.Arg(1)))
	}
	if err := envTokenOr(e, f.token); err != nil {
		return nil, nil, err
	}
	if *f.route == "" || *f.token == "" {
		return nil, nil, usagef("--route and --token are required (the token may be in $%s)", envToken)
	}
	r := &wgor.Response{Route: *f.route, Token: *f.token, Status: *f.status, Header: f.header}
	c := &wgor.Client{Region: *f.region, Scheme: *f.scheme, Chunked: *f.chunked}
	return c, r, checkResponse(ctx, *c, r)
}

// envTokenOr sets an absent --token from $WGOR_TOKEN.
func envTokenOr(e *env, token *string) error {
	if *token != "" || e.getenv(envToken) == "" {
		return nil
	}
	t, err := secret(e, "$"+envToken)(e.getenv(envToken))
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	*token = t
	return nil
}

// openBody opens the body: the file name, or standard input for "" or "-".
// Write closes it. size is the file's, or -1 when not known.
func openBody(e *env, name string) (body io.Reader, size int64, err error) {
	if name == "" || name == "-" {
		if e.stdinIsTTY {
			fmt.Fprintln(e.stderr, "reading the body from standard input… (end it with Ctrl-D)")
		}
		return e.stdin, -1, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
		f.Close()
		return nil, 0, err
	case fi.IsDir():
		f.Close()
		return nil, 0, fmt.Errorf("%s is a directory: give a file, or - for standard input", quoteArg(name))
	case fi.Mode().IsRegular():
		return f, fi.Size(), nil
	}
	return f, -1, nil
}

// checkResponse lets the library check r as it would before sending it,
// without sending anything: Write checks the route, the token, the status,
// the headers, the scheme and the region before it asks for credentials, and
// credentials that refuse stop it right there. Its complaints become usage
// errors naming the flags.
func checkResponse(ctx context.Context, c wgor.Client, r *wgor.Response) error {
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
