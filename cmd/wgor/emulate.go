package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
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
       wgor emulate --manual [flags]

Runs a local Object FC Access Point on --listen: GET http://ADDR/KEY invokes
the function, which must answer with a WriteGetObjectResponse signed for
--region with the invocation's credentials. The function is the custom
runtime at URL; or PATH, started as Function Compute starts it, its output
forwarded, and stopped with emulate; or, with --manual, you, answering each
GetObject with 'wgor write' as printed. The regular files under --objects
are the original objects, served at the event's inputOssUrl.

Credentials: --access-key-id, its secret and token from the flags or
$ALIBABA_CLOUD_ACCESS_KEY_SECRET and $ALIBABA_CLOUD_SECURITY_TOKEN; else the
default chain; else random ones (printed for 'wgor write' with --manual,
since they are valid here only). No other secret is printed.`

// emulateFlags are emulate's flags.
type emulateFlags struct {
	listen, function, exec, objects, region, advertise *string
	timeout                                            *time.Duration
	allowChunked, verbose, manual                      *bool
	cf                                                 *credentialFlags
}

func newEmulateFlags(e *env, fs *flag.FlagSet) *emulateFlags {
	return &emulateFlags{
		listen:   check(fs, "listen", "127.0.0.1:8080", "`ADDR` to listen on; port 0 picks a free one", addr),
		function: check(fs, "function", "", "base `URL` of the function's custom runtime, such as http://127.0.0.1:9000", httpURL(true)),
		exec:     check(fs, "exec", "", "the function's executable `PATH`, started by emulate with the arguments after --", executable),
		manual:   fs.Bool("manual", false, "be the function yourself: print each GetObject's route and token for 'wgor write'"),
		allowChunked: fs.Bool("allow-chunked", false,
			"accept a WriteGetObjectResponse without Content-Length (chunked), which OSS does not document"),
		objects:   check(fs, "objects", "", "`DIR` of original objects, served at the event's inputOssUrl", directory),
		region:    check(fs, "region", accesspoint.DefaultRegion, "`REGION` WriteGetObjectResponse must be signed for", regionID),
		timeout:   check(fs, "timeout", accesspoint.DefaultTimeout, "`DURATION` a GetObject waits for the function's response", duration(time.Millisecond, 24*time.Hour)),
		advertise: check(fs, "advertise", "", "base `URL` the function is told to use, when it is not the listen address", origin),
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
	logger := newLogger(e, *f.verbose)
	cfg := accesspoint.Config{Function: accesspoint.HTTPInvoker{URL: *f.function}, Credentials: c.Signing(),
		Region: *f.region, Timeout: *f.timeout, AdvertisedURL: *f.advertise, ObjectsDir: *f.objects,
		AllowChunked: *f.allowChunked, Logger: logger}
	var fn *accesspoint.ExecInvoker
	switch {
	case *f.manual:
		cfg.Function = manual(e.stdout, *f.timeout)
	case *f.exec != "":
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
	f.announce(e, usableURL(ap.URL(), listen), ap, source)
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = ap.Shutdown(shutdown)
	return ap.Close()
}

// check checks the flags that depend on each other.
func (f *emulateFlags) check(fs *flag.FlagSet, args []string) error {
	n := 0
	for _, set := range []bool{*f.function != "", *f.exec != "", *f.manual} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return usagef("--function, --exec or --manual is required: the custom runtime's base URL, such as http://127.0.0.1:9000, the function's executable, or you")
	case n > 1:
		return usagef("--function, --exec and --manual exclude each other: give one")
	case *f.exec == "" && fs.NArg() > 0:
		return usagef("emulate takes no arguments, got %s (arguments after -- are for --exec)", quoteArg(fs.Arg(0)))
	case fs.NArg() > 0 && !slices.Contains(args, "--"):
		return usagef("unexpected argument %s: put the function's arguments after --", quoteArg(fs.Arg(0)))
	}
	return f.cf.check()
}

// executable finds the executable of --exec.
func executable(name string) (string, error) {
	path, err := exec.LookPath(name)
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return "", errors.New("executable file not found in $PATH")
	case errors.Is(err, os.ErrNotExist):
		return "", errors.New("it does not exist")
	case err != nil:
		return "", errors.New("not an executable file")
	}
	return path, nil
}

// directory accepts an existing directory.
func directory(s string) (string, error) {
	if fi, err := os.Stat(s); err != nil || !fi.IsDir() {
		return "", errors.New("not a directory")
	}
	return s, nil
}

// origin accepts a base URL with no path: the function is told
// ADVERTISE/KEY and ADVERTISE/?x-oss-….
func origin(s string) (string, error) {
	if u, err := url.Parse(s); err == nil && u.Path != "" && u.Path != "/" {
		return "", errors.New("the URL has a path: give the scheme, host and port only")
	}
	return httpURL(true)(s)
}

// announce says where the access point listens, with which keys, for
// which function, and suggests a GetObject of an object under --objects.
func (f *emulateFlags) announce(e *env, base string, ap *accesspoint.Server, source string) {
	w := e.stdout
	fmt.Fprintf(w, "access point listening on %s (region %s)\n", base, ap.Region())
	fmt.Fprintf(w, "credentials: access key ID %s, %s\n", ap.Credentials().AccessKeyID, source)
	switch {
	case *f.manual:
		announceManual(w, ap.Credentials(), source)
	case *f.exec != "":
		fmt.Fprintf(w, "function: %s, started by emulate\n", *f.exec)
	default:
		fmt.Fprintf(w, "function: %s/invoke\n", strings.TrimRight(*f.function, "/"))
	}
	name := anObject(*f.objects)
	if name == "" {
		return
	}
	out := "out" + path.Ext(name)
	if !safeOut.MatchString(out) {
		out = "out"
	}
	fmt.Fprintf(w, "try: curl -sS -D - -o %s '%s/%s'\n", out, base, url.PathEscape(name))
}

// safeOut is an output file name a shell reads as it stands.
var safeOut = regexp.MustCompile(`^out\.[A-Za-z0-9]{1,10}$`)

// anObject returns the name of a regular file in dir, "" when there is none.
func anObject(dir string) string {
	entries, _ := os.ReadDir(dir) // sorted by name; none for ""
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
