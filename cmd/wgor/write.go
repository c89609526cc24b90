package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/creds/chain"
	"github.com/wgor-dev/wgor/wgor"
)

const writeUsage = `write --route ROUTE --token TOKEN [flags] [FILE|-]

Sends a WriteGetObjectResponse: the body is FILE, or standard input when FILE
is "-" or absent. A file is streamed with its length. Standard input, whose
length is not known, is spooled first (in memory up to 4 MiB, beyond that in
a temporary file, removed at once) and then sent with its length, as OSS's
API reference requires; with --chunked it is streamed chunked as it is read
instead, which OSS does not document for this API. ROUTE and TOKEN are the event's
getObjectContext.outputRoute and outputToken; the token may come from
$WGOR_TOKEN instead of --token, out of sight of other users' process
listings. Each --header is forwarded to the GetObject caller (sent as
x-oss-fwd-header-NAME). --region is needed only for a route that names none,
such as the emulator's.

Credentials come from the default chain ($ALIBABA_CLOUD_ACCESS_KEY_ID and
friends, a profile file, a RAM role, a credentials URI). --timeout bounds the
whole operation, from the credentials to OSS's answer. On a terminal, a
progress line is shown on standard error once more than 4 MiB are spooled or
sent.

On failure the OSS error code and request ID are printed and the exit code
is 1.`

// envToken names the variable that may hold the output token.
const envToken = "WGOR_TOKEN"

// defaultWriteTimeout is --timeout's default: a body of a few GiB at tens
// of MiB/s fits in it, and a server that never answers is cut off.
const defaultWriteTimeout = 5 * time.Minute

func runWrite(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "write", writeUsage)
	var headers headerFlags
	route := newText(fs, "route", "--route", "`ROUTE`: the event's getObjectContext.outputRoute (required)")
	token := newSecret(fs, "token", "--token", "`TOKEN`: the event's getObjectContext.outputToken (required; default $"+envToken+")")
	status := new(int)
	*status = http.StatusOK
	fs.Var(&statusValue{status}, "status", "HTTP `STATUS` the GetObject caller receives: "+statusList())
	fs.Var(&headers, "header", "forwarded `HEADER` 'Name: value' (repeatable)")
	region := newRegion(fs, "region", "", "signing `REGION` (default: derived from the route)")
	scheme := newChoice(fs, "scheme", []string{"https", "http"}, "`SCHEME` for a route without one: https (default) or http")
	timeout := newDuration(fs, "timeout", defaultWriteTimeout, time.Millisecond, 24*time.Hour, "give up after `DURATION`, whatever the server does")
	verbose := fs.Bool("v", false, "log each attempt on standard error")
	chunked := fs.Bool("chunked", false, "send a body of unknown length chunked as it is read, instead of spooling it to send its length (OSS does not document chunked for this API)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usagef("write takes one FILE at most, got %s", quoteArg(fs.Arg(1)))
	}
	if *token == "" {
		*token = e.getenv(envToken)
		if err := checkText(*token, "$"+envToken); *token != "" && err != nil {
			return &usageError{msg: err.Error()}
		}
	}
	if *route == "" || *token == "" {
		return usagef("--route and --token are required (the token may be in $%s)", envToken)
	}
	r := &wgor.Response{Route: *route, Token: *token, Status: *status, Header: http.Header{}}
	for _, h := range headers {
		r.Header.Add(h.name, h.value)
	}
	c := &wgor.Client{Credentials: chain.Default(), Region: *region, Scheme: *scheme, Chunked: *chunked}
	if err := checkResponse(ctx, c, r); err != nil {
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
		c.Logger = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		fmt.Fprintf(e.stderr, "credentials: access key ID %s, %s\n", cr.AccessKeyID, source)
	}

	var body io.Reader = e.stdin
	var size int64 = -1
	if name := fs.Arg(0); name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		switch {
		case err != nil:
			return err
		case fi.IsDir():
			return fmt.Errorf("%s is a directory: give a file, or - for standard input", quoteArg(name))
		case fi.Mode().IsRegular():
			size = fi.Size()
			r.ContentLength = size
		}
		body = f
	} else if e.stdinIsTTY {
		fmt.Fprintln(e.stderr, "reading the body from standard input… (end it with Ctrl-D)")
	}
	var prog *progress
	if e.stderrIsTTY && (size < 0 || size > progressFrom) {
		prog = newProgress(e.stderr)
		c.Progress = prog.report
	}
	r.Body = body

	res, err := c.Write(ctx, r)
	prog.stop()
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return fmt.Errorf("gave up after --timeout %v: %w", *timeout, err)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "sent %d bytes with status %d: OSS answered %d, request ID %s\n",
		res.BytesSent, *status, res.StatusCode, oneLine(orDash(res.RequestID)))
	return nil
}

// errChecked ends the check of checkResponse: the Response was valid up to
// the point where the credentials are asked for.
var errChecked = errors.New("checked")

// checkResponse lets the library check r, as it would before sending it,
// without sending anything: Write checks the route, the token, the status,
// the headers, the scheme and the region before it asks for credentials, so
// credentials that refuse stop it right there. Its complaints become usage
// errors naming the flags.
func checkResponse(ctx context.Context, c *wgor.Client, r *wgor.Response) error {
	asked := false
	dry := *c
	dry.Credentials = creds.ProviderFunc(func(context.Context) (creds.Credentials, error) {
		asked = true
		return creds.Credentials{}, errChecked
	})
	_, err := dry.Write(ctx, r)
	if asked || err == nil {
		return nil
	}
	if errors.Is(err, wgor.ErrInvalidResponse) {
		return &usageError{msg: responseFlags.Replace(flagWords(err.Error()))}
	}
	return err
}

// responseFlags name the flags behind the fields of a Response.
var responseFlags = strings.NewReplacer(
	"invalid response: ", "",
	"Route ", "--route ",
	"Token ", "--token ",
	"Status ", "--status ",
	"Header name ", "--header name ",
	"forwarded header ", "--header ",
	"from --route host", "from the --route host",
)

// statusList lists the values of x-oss-fwd-status that OSS accepts
// (wgor.ValidStatus: the WriteGetObjectResponse API reference).
func statusList() string {
	var s []string
	for n := 100; n < 600; n++ {
		if wgor.ValidStatus(n) {
			s = append(s, strconv.Itoa(n))
		}
	}
	return strings.Join(s, ", ")
}

// statusValue is an x-oss-fwd-status OSS accepts.
type statusValue struct{ n *int }

func (v *statusValue) String() string {
	if v.n == nil {
		return ""
	}
	return strconv.Itoa(*v.n)
}

func (v *statusValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || !wgor.ValidStatus(n) || s != strconv.Itoa(n) {
		return errors.New("OSS accepts " + statusList())
	}
	*v.n = n
	return nil
}
