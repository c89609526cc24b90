package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/internal/accesspoint"
	"github.com/wgor-dev/wgor/wgor/fcrt"
)

const emulateUsage = `emulate --function URL [flags]
       wgor emulate --exec PATH [flags] [-- ARGS]
       wgor emulate --manual [flags]

Runs a local Object FC Access Point for a function: the custom runtime at
URL, PATH started as Function Compute does, or you, answering with 'wgor write'.`

// emulateFlags are emulate's flags.
type emulateFlags struct {
	listen, function, exec, objects *string
	manual, verbose                 *bool
	keys                            *keyFlags
}

func runEmulate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "emulate", emulateUsage)
	cfg := accesspoint.Config{Region: accesspoint.DefaultRegion, Timeout: accesspoint.DefaultTimeout}
	f := &emulateFlags{
		listen:   check(fs, new("127.0.0.1:8080"), "listen", "`ADDR` to listen on; port 0 picks a free one", addr),
		function: check(fs, new(string), "function", "base `URL` of the function's custom runtime, such as http://127.0.0.1:9000", httpURL(true)),
		exec:     check(fs, new(string), "exec", "the function's executable `PATH`, started by emulate with the arguments after --", executable),
		manual:   fs.Bool("manual", false, "be the function yourself: print each GetObject's route and token for 'wgor write'"),
		objects:  check(fs, new(string), "objects", "`DIR` of original objects, served at the event's inputOssUrl", directory),
		verbose:  fs.Bool("v", false, "log debug details"),
		keys:     addKeyFlags(e, fs, true),
	}
	fs.BoolVar(&cfg.AllowChunked, "allow-chunked", false, "accept a WriteGetObjectResponse without Content-Length (chunked), which OSS does not document")
	check(fs, &cfg.Region, "region", "`REGION` WriteGetObjectResponse must be signed for", regionID)
	check(fs, &cfg.Timeout, "timeout", "`DURATION` a GetObject waits for the function's response", duration(time.Millisecond, 24*time.Hour))
	check(fs, &cfg.AdvertisedURL, "advertise", "base `URL` the function is told to use, when it is not the listen address", origin)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := f.check(fs, args); err != nil {
		return err
	}
	c, source, err := f.keys.credentials(ctx, e, true)
	if err != nil {
		return err
	}
	cfg.Credentials, cfg.ObjectsDir, cfg.Logger = c.Signing(), *f.objects, newLogger(e, *f.verbose)
	var fn *accesspoint.ExecInvoker
	switch {
	case *f.manual:
		cfg.Function = manual(e.stdout, cfg.Timeout)
	case *f.exec != "":
		fn = &accesspoint.ExecInvoker{Path: *f.exec, Args: fs.Args(), Stdout: e.stdout, Stderr: e.stderr, Logger: cfg.Logger}
		cfg.Function = fn
		defer fn.Close() // stops the function, after the access point has drained
	default:
		cfg.Function = accesspoint.HTTPInvoker{URL: *f.function}
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
		if op := (*net.OpError)(nil); errors.As(err, &op) {
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
	return nil
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
	w, c := e.stdout, ap.Credentials()
	fmt.Fprintf(w, "access point listening on %s (region %s)\n", base, ap.Region())
	fmt.Fprintf(w, "credentials: access key ID %s, %s\n", c.AccessKeyID, source)
	switch {
	case *f.manual:
		// 'wgor write' signs with the default credentials chain, which must
		// find the emulator's keys; made-up ones are valid nowhere else.
		fmt.Fprintln(w, "function: you (--manual): answer each GetObject with 'wgor write' as printed when it arrives")
		switch source {
		case sourceRandom:
			fmt.Fprintf(w, "  in the shell of 'wgor write', first: export %s='%s' %s='%s' %s='%s'\n",
				creds.EnvAccessKeyID, c.AccessKeyID, creds.EnvAccessKeySecret, c.AccessKeySecret, creds.EnvSecurityToken, c.SecurityToken)
		case sourceFlags:
			fmt.Fprintf(w, "  'wgor write' signs with the default credentials chain: give it the same keys ($%s, $%s)\n",
				creds.EnvAccessKeyID, creds.EnvAccessKeySecret)
		}
	case *f.exec != "":
		fmt.Fprintf(w, "function: %s, started by emulate\n", *f.exec)
	default:
		fmt.Fprintf(w, "function: %s/invoke\n", strings.TrimRight(*f.function, "/"))
	}
	entries, _ := os.ReadDir(*f.objects) // sorted by name; none for ""
	i := slices.IndexFunc(entries, func(d os.DirEntry) bool { return d.Type().IsRegular() })
	if i < 0 {
		return
	}
	name := entries[i].Name()
	out := "out" + path.Ext(name)
	if !safeOut.MatchString(out) {
		out = "out"
	}
	fmt.Fprintf(w, "try: curl -sS -D - -o %s '%s/%s'\n", out, base, url.PathEscape(name))
}

// safeOut is an output file name a shell reads as it stands.
var safeOut = regexp.MustCompile(`^out\.[A-Za-z0-9]{1,10}$`)

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

// manual is the function of "emulate --manual": a person, who answers each
// GetObject with "wgor write". The token is theirs to use, so it is printed
// whole, with the command that uses it.
func manual(w io.Writer, timeout time.Duration) accesspoint.InvokerFunc {
	var mu sync.Mutex // one invocation's lines together
	return func(ctx context.Context, inv *accesspoint.Invocation) error {
		ev, err := fcrt.ParseEvent(inv.Event)
		if err != nil {
			return err
		}
		c := ev.GetObjectContext
		mu.Lock()
		fmt.Fprintf(w, "GetObject %s waits up to %v for your answer:\n  export %s='%s'\n  wgor write --route %s --region %s FILE\n",
			inv.RequestID, timeout, envToken, c.OutputToken, c.OutputRoute, inv.Region)
		mu.Unlock()
		// An invoker that returns without a response fails the GetObject
		// (FunctionResponseNotReceived), while one still running has its
		// response relayed as soon as it arrives. The access point tells an
		// invoker of nothing but the end of ctx (the timeout, the caller
		// gone before an answer, or Close), so the person's turn lasts that
		// long.
		<-ctx.Done()
		return nil
	}
}
