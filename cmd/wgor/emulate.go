package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/wgor-dev/wgor/internal/accesspoint"
)

const emulateUsage = `emulate --function URL [flags]

Runs a local Object FC Access Point, listening on --listen (127.0.0.1:8080
unless set), for a function that runs as a Function Compute custom runtime at
URL (such as http://127.0.0.1:9000; events are posted to URL/invoke with the
x-fc-* headers). A GetObject is "GET http://ADDR/KEY": it invokes the
function, which must answer with WriteGetObjectResponse, signed for --region
with the function's credentials handed over in the invocation.

Those credentials are --access-key-id (its secret from --access-key-secret or
$ALIBABA_CLOUD_ACCESS_KEY_SECRET, its token from --security-token or
$ALIBABA_CLOUD_SECURITY_TOKEN); else the default credentials chain, as
"wgor sign" finds them ($ALIBABA_CLOUD_ACCESS_KEY_ID and friends, a profile
file, a RAM role, a credentials URI); else random ones. The access key ID
chosen and its source are printed; the secret never is.

Objects in --objects DIR are served to the function at the event's
inputOssUrl. Stops on Ctrl-C.`

func runEmulate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "emulate", emulateUsage)
	listen := newAddr(fs, "listen", "127.0.0.1:8080", "`ADDR` to listen on; port 0 picks a free one")
	function := newURL(fs, "function", true, "base `URL` of the function's custom runtime, such as http://127.0.0.1:9000 (required)")
	objects := newText(fs, "objects", "--objects", "`DIR` of original objects, served at the event's inputOssUrl")
	region := newRegion(fs, "region", accesspoint.DefaultRegion, "`REGION` WriteGetObjectResponse must be signed for")
	timeout := newDuration(fs, "timeout", accesspoint.DefaultTimeout, time.Second, 24*time.Hour, "`DURATION` a GetObject waits for the function's response")
	advertise := newURL(fs, "advertise", true, "base `URL` the function is told to use, when it is not the listen address")
	verbose := fs.Bool("v", false, "log debug details")
	cf := addCredentialFlags(fs, true)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("emulate takes no arguments, got %s", quoteArg(fs.Arg(0)))
	}
	if *function == "" {
		return usagef("--function is required: the custom runtime's base URL, such as http://127.0.0.1:9000")
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
	cfg := accesspoint.Config{
		Function:      accesspoint.HTTPInvoker{URL: *function},
		Credentials:   c.Signing(),
		Region:        *region,
		Timeout:       *timeout,
		AdvertisedURL: *advertise,
		Logger:        slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level})),
	}
	if *objects != "" {
		cfg.Objects = os.DirFS(*objects)
	}
	ap, err := accesspoint.New(cfg)
	if err != nil {
		return err
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
	fmt.Fprintf(e.stdout, "function: %s/invoke\n", strings.TrimRight(*function, "/"))
	fmt.Fprintf(e.stdout, "try: curl -sS -o out.png -D - %s/example.png\n", ap.URL())
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = ap.Shutdown(shutdown)
	return ap.Close()
}
