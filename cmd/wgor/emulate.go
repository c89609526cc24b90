package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/wgor-dev/wgor/internal/accesspoint"
)

const emulateUsage = `emulate --function URL [flags]
       wgor emulate --exec PATH [flags] [-- ARGS]

Runs a local Object FC Access Point on --listen. GET http://ADDR/KEY invokes
the function, which must answer with WriteGetObjectResponse, signed for
--region with the credentials handed over in the invocation.

The function is a custom runtime running at URL (events are posted to
URL/invoke), or the executable PATH, started with ARGS as Function Compute
starts it (FC_SERVER_PORT and FC_RUNTIME_API set), its output forwarded, and
stopped when emulate stops (on Ctrl-C).

The credentials are --access-key-id with its secret and token from the flags
or $ALIBABA_CLOUD_ACCESS_KEY_SECRET and $ALIBABA_CLOUD_SECURITY_TOKEN; else
the default credentials chain; else random ones. The access key ID and its
source are printed, the secret never.

The regular files under --objects DIR are the original objects, served at
the event's inputOssUrl. As OSS's API reference requires, a
WriteGetObjectResponse needs a Content-Length; --allow-chunked accepts a
chunked body, which OSS does not document.`

// emulateFlags are emulate's flags.
type emulateFlags struct {
	listen, function, exec, objects, region, advertise *string
	timeout                                            *time.Duration
	allowChunked, verbose                              *bool
	cf                                                 *credentialFlags
}

func newEmulateFlags(e *env, fs *flag.FlagSet) *emulateFlags {
	return &emulateFlags{
		listen:   check(fs, "listen", "127.0.0.1:8080", "`ADDR` to listen on; port 0 picks a free one", addr),
		function: check(fs, "function", "", "base `URL` of the function's custom runtime, such as http://127.0.0.1:9000", httpURL(true)),
		exec:     check(fs, "exec", "", "the function's executable `PATH`, started by emulate with the arguments after --", text("--exec")),
		allowChunked: fs.Bool("allow-chunked", false,
			"accept a WriteGetObjectResponse without Content-Length (chunked), which OSS does not document"),
		objects:   check(fs, "objects", "", "`DIR` of original objects, served at the event's inputOssUrl", text("--objects")),
		region:    check(fs, "region", accesspoint.DefaultRegion, "`REGION` WriteGetObjectResponse must be signed for", regionID),
		timeout:   check(fs, "timeout", accesspoint.DefaultTimeout, "`DURATION` a GetObject waits for the function's response", duration(time.Millisecond, 24*time.Hour)),
		advertise: check(fs, "advertise", "", "base `URL` the function is told to use, when it is not the listen address", httpURL(true)),
		verbose:   fs.Bool("v", false, "log debug details"),
		cf:        addCredentialFlags(e, fs, true),
	}
}

func runEmulate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "emulate", emulateUsage)
	f := newEmulateFlags(e, fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := f.check(fs, args); err != nil {
		return err
	}
	c, source, err := f.cf.credentials(ctx, e, true)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if *f.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	cfg := accesspoint.Config{Function: accesspoint.HTTPInvoker{URL: *f.function}, Credentials: c.Signing(),
		Region: *f.region, Timeout: *f.timeout, AdvertisedURL: *f.advertise, ObjectsDir: *f.objects,
		AllowChunked: *f.allowChunked, Logger: logger}
	var fn *accesspoint.ExecInvoker
	if *f.exec != "" {
		fn = &accesspoint.ExecInvoker{Path: *f.exec, Args: fs.Args(), Stdout: e.stdout, Stderr: e.stderr, Logger: logger}
		cfg.Function = fn
		defer fn.Close() // stops the function, after the access point has drained
	}
	ap, err := accesspoint.New(cfg)
	if err != nil {
		return err
	}
	defer ap.Close()
	// Not ctx: on Ctrl-C the access point drains first, and the deferred
	// Close stops the function after it.
	if fn != nil {
		if err := fn.Start(context.WithoutCancel(ctx)); err != nil {
			return err
		}
	}
	listen := *f.listen
	if e.listenAddr != nil {
		listen = e.listenAddr(listen)
	}
	if err := ap.Start(listen); err != nil {
		var op *net.OpError
		if errors.As(err, &op) {
			err = op.Err // "bind: address already in use", without the address again
		}
		return fmt.Errorf("cannot listen on --listen %s: %w", *f.listen, err)
	}
	f.announce(e, usableURL(ap.URL(), listen), ap.Region(), ap.Credentials().AccessKeyID, source)
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = ap.Shutdown(shutdown)
	return ap.Close()
}

// check checks the flags that depend on each other or on the file system.
func (f *emulateFlags) check(fs *flag.FlagSet, args []string) error {
	switch {
	case *f.function == "" && *f.exec == "":
		return usagef("--function or --exec is required: the custom runtime's base URL, such as http://127.0.0.1:9000, or the function's executable")
	case *f.function != "" && *f.exec != "":
		return usagef("--function and --exec exclude each other: give the URL of a running function or the executable to start")
	case *f.exec == "" && fs.NArg() > 0:
		return usagef("emulate takes no arguments, got %s (arguments after -- are for --exec)", quoteArg(fs.Arg(0)))
	case fs.NArg() > 0 && !slices.Contains(args, "--"):
		return usagef("unexpected argument %s: put the function's arguments after --", quoteArg(fs.Arg(0)))
	}
	if u, _ := url.Parse(*f.advertise); u.Path != "" && u.Path != "/" {
		// The function is told ADVERTISE/KEY and ADVERTISE/?x-oss-…: a
		// base URL with no path of its own.
		return usagef("--advertise %s has a path: give the scheme, host and port only", quoteArg(*f.advertise))
	}
	if err := f.cf.check(); err != nil {
		return err
	}
	if fi, err := os.Stat(*f.objects); *f.objects != "" && (err != nil || !fi.IsDir()) {
		return usagef("--objects %s is not a directory", quoteArg(*f.objects))
	}
	return lookExec(f.exec)
}

// lookExec finds the executable of --exec, when it is set.
func lookExec(name *string) error {
	if *name == "" {
		return nil
	}
	path, err := exec.LookPath(*name)
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return usagef("--exec %s: executable file not found in $PATH", quoteArg(*name))
	case errors.Is(err, os.ErrNotExist):
		return usagef("--exec %s does not exist", quoteArg(*name))
	case err != nil:
		return usagef("--exec %s is not an executable file", quoteArg(*name))
	}
	*name = path
	return nil
}

// announce says where the access point listens, with which keys, for
// which function, and suggests a GetObject of an object under --objects.
func (f *emulateFlags) announce(e *env, base, region, keyID, source string) {
	fmt.Fprintf(e.stdout, "access point listening on %s (region %s)\n", base, region)
	fmt.Fprintf(e.stdout, "credentials: access key ID %s, %s\n", keyID, source)
	if *f.exec != "" {
		fmt.Fprintf(e.stdout, "function: %s, started by emulate\n", *f.exec)
	} else {
		fmt.Fprintf(e.stdout, "function: %s/invoke\n", strings.TrimRight(*f.function, "/"))
	}
	if name := anObject(*f.objects); name != "" {
		out := "out" + path.Ext(name)
		if !safeExt.MatchString(out) {
			out = "out"
		}
		fmt.Fprintf(e.stdout, "try: curl -sS -D - -o %s '%s/%s'\n", out, base, url.PathEscape(name))
	}
}

// safeExt is an output file name a shell reads as it stands.
var safeExt = regexp.MustCompile(`^out\.[A-Za-z0-9]{1,10}$`)

// anObject returns the name of a regular file in dir, "" when there is none.
func anObject(dir string) string {
	if dir == "" {
		return ""
	}
	entries, _ := os.ReadDir(dir) // sorted by name
	for _, d := range entries {
		if d.Type().IsRegular() {
			return d.Name()
		}
	}
	return ""
}

// usableURL is the access point's URL as a person can use it: for an
// unspecified listen address (0.0.0.0, [::] or none), 127.0.0.1 with the
// port.
func usableURL(apURL, listen string) string {
	host, _, _ := net.SplitHostPort(listen)
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
		return apURL
	}
	u, err := url.Parse(apURL)
	if err != nil {
		return apURL
	}
	u.Host = net.JoinHostPort("127.0.0.1", u.Port())
	return u.String()
}
