package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/wgor-dev/wgor/internal/accesspoint"
)

const emulateUsage = `emulate --function URL [flags]
       wgor emulate --exec PATH [flags] [-- ARGS]

Runs a local Object FC Access Point, listening on --listen (127.0.0.1:8080
unless set). A GetObject is "GET http://ADDR/KEY": it invokes the function,
which must answer with WriteGetObjectResponse, signed for --region with the
function's credentials handed over in the invocation.

The function is either a Function Compute custom runtime already running at
URL (such as http://127.0.0.1:9000; events are posted to URL/invoke with the
x-fc-* headers), or the executable PATH, which emulate starts itself with
ARGS, as Function Compute does: with FC_SERVER_PORT (a custom runtime) and
FC_RUNTIME_API (a function on the Go runtime, fc.Start) set, invoked in
whichever protocol it speaks. Its standard output and error are forwarded;
it is stopped when emulate stops.

Those credentials are --access-key-id (its secret from --access-key-secret or
$ALIBABA_CLOUD_ACCESS_KEY_SECRET, its token from --security-token or
$ALIBABA_CLOUD_SECURITY_TOKEN); else the default credentials chain, as
"wgor sign" finds them ($ALIBABA_CLOUD_ACCESS_KEY_ID and friends, a profile
file, a RAM role, a credentials URI); else random ones. The access key ID
chosen and its source are printed; the secret never is.

The regular files under --objects DIR are served to the function at the
event's inputOssUrl (never a path that leads out of DIR). Like OSS's API
reference, emulate requires a Content-Length on WriteGetObjectResponse;
--allow-chunked accepts a chunked body too, which OSS does not document.
Stops on Ctrl-C.`

func runEmulate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "emulate", emulateUsage)
	listen := newAddr(fs, "listen", "127.0.0.1:8080", "`ADDR` to listen on; port 0 picks a free one")
	function := newURL(fs, "function", true, "base `URL` of the function's custom runtime, such as http://127.0.0.1:9000")
	execPath := newText(fs, "exec", "--exec", "the function's executable `PATH`, started by emulate with the arguments after --")
	allowChunked := fs.Bool("allow-chunked", false, "accept a WriteGetObjectResponse without Content-Length (chunked), which OSS does not document")
	objects := newText(fs, "objects", "--objects", "`DIR` of original objects, served at the event's inputOssUrl")
	region := newRegion(fs, "region", accesspoint.DefaultRegion, "`REGION` WriteGetObjectResponse must be signed for")
	timeout := newDuration(fs, "timeout", accesspoint.DefaultTimeout, time.Millisecond, 24*time.Hour, "`DURATION` a GetObject waits for the function's response")
	advertise := newURL(fs, "advertise", true, "base `URL` the function is told to use, when it is not the listen address")
	verbose := fs.Bool("v", false, "log debug details")
	cf := addCredentialFlags(fs, true)
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *function == "" && *execPath == "":
		return usagef("--function or --exec is required: the custom runtime's base URL, such as http://127.0.0.1:9000, or the function's executable")
	case *function != "" && *execPath != "":
		return usagef("--function and --exec exclude each other: give the URL of a running function or the executable to start")
	case *execPath == "" && fs.NArg() > 0:
		return usagef("emulate takes no arguments, got %s (arguments after -- are for --exec)", quoteArg(fs.Arg(0)))
	case fs.NArg() > 0 && !slices.Contains(args, "--"):
		return usagef("unexpected argument %s: put the function's arguments after --", quoteArg(fs.Arg(0)))
	}
	if *execPath != "" {
		path, err := exec.LookPath(*execPath)
		switch {
		case errors.Is(err, exec.ErrNotFound):
			return usagef("--exec %s: executable file not found in $PATH", quoteArg(*execPath))
		case errors.Is(err, os.ErrNotExist):
			return usagef("--exec %s does not exist", quoteArg(*execPath))
		case err != nil:
			return usagef("--exec %s is not an executable file", quoteArg(*execPath))
		}
		*execPath = path
	}
	if *advertise != "" {
		// The function is told ADVERTISE/KEY and ADVERTISE/?x-oss-…: a
		// base URL with no path of its own.
		if u, _ := url.Parse(*advertise); u.Path != "" && u.Path != "/" {
			return usagef("--advertise %s has a path: give the scheme, host and port only", quoteArg(*advertise))
		}
	}
	if err := cf.check(); err != nil {
		return err
	}
	if *objects != "" {
		if fi, err := os.Stat(*objects); err != nil || !fi.IsDir() {
			return usagef("--objects %s is not a directory", quoteArg(*objects))
		}
	}

	c, source, err := cf.credentials(ctx, e, true)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	cfg := accesspoint.Config{
		Function:      accesspoint.HTTPInvoker{URL: *function},
		Credentials:   c.Signing(),
		Region:        *region,
		Timeout:       *timeout,
		AdvertisedURL: *advertise,
		ObjectsDir:    *objects,
		AllowChunked:  *allowChunked,
		Logger:        logger,
	}
	if *execPath != "" {
		fn := &accesspoint.ExecInvoker{Path: *execPath, Args: fs.Args(), Stdout: e.stdout, Stderr: e.stderr, Logger: logger}
		cfg.Function = fn
		defer fn.Close()
	}
	ap, err := accesspoint.New(cfg)
	if err != nil {
		return err
	}
	if fn, ok := cfg.Function.(*accesspoint.ExecInvoker); ok {
		// Not ctx: on Ctrl-C the access point drains first, and the
		// deferred Close stops the function after it.
		if err := fn.Start(context.WithoutCancel(ctx)); err != nil {
			return err
		}
	}
	addr := *listen
	if e.listenAddr != nil {
		addr = e.listenAddr(addr)
	}
	if err := ap.Start(addr); err != nil {
		var op *net.OpError
		if errors.As(err, &op) {
			err = op.Err // "bind: address already in use", without the address again
		}
		return fmt.Errorf("cannot listen on --listen %s: %w", *listen, err)
	}
	fmt.Fprintf(e.stdout, "access point listening on %s (region %s)\n", ap.URL(), ap.Region())
	fmt.Fprintf(e.stdout, "credentials: access key ID %s, %s\n", ap.Credentials().AccessKeyID, source)
	if *execPath != "" {
		fmt.Fprintf(e.stdout, "function: %s, started by emulate\n", *execPath)
	} else {
		fmt.Fprintf(e.stdout, "function: %s/invoke\n", strings.TrimRight(*function, "/"))
	}
	fmt.Fprintf(e.stdout, "try: curl -sS -o out.png -D - %s/example.png\n", ap.URL())
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = ap.Shutdown(shutdown)
	return ap.Close()
}
