package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/internal/accesspoint"
)

const emulateUsage = `emulate --listen ADDR --function URL [--objects DIR] [--access-key-id ID --access-key-secret SECRET [--security-token TOKEN]] [--region REGION]

Runs a local Object FC Access Point for a function that runs as a Function
Compute custom runtime at URL (such as http://127.0.0.1:9000; events are
posted to URL/invoke with the x-fc-* headers). A GetObject is
"GET http://ADDR/<key>": it invokes the function, which must answer with
WriteGetObjectResponse, signed with the credentials given here (also read
from $ALIBABA_CLOUD_ACCESS_KEY_ID, $ALIBABA_CLOUD_ACCESS_KEY_SECRET and
$ALIBABA_CLOUD_SECURITY_TOKEN; random ones when none are set) for REGION.
Objects in DIR are served to the function at the event's inputOssUrl.
Stops on Ctrl-C.`

func runEmulate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "emulate", emulateUsage)
	listen := fs.String("listen", "127.0.0.1:8080", "`address` to listen on")
	function := fs.String("function", "", "base `URL` of the function's custom runtime (required)")
	objects := fs.String("objects", "", "`directory` of original objects")
	region := fs.String("region", accesspoint.DefaultRegion, "`region` WriteGetObjectResponse must be signed for")
	timeout := fs.Duration("timeout", accesspoint.DefaultTimeout, "how long a GetObject waits for the function")
	advertise := fs.String("advertise", "", "base `URL` the function is told to use, when it is not the listen address")
	verbose := fs.Bool("v", false, "log debug details")
	cf := addCredentialFlags(fs, true)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *function == "" {
		return usagef("--function is required: the custom runtime's base URL, such as http://127.0.0.1:9000")
	}
	cfg := accesspoint.Config{
		Function:      accesspoint.HTTPInvoker{URL: *function},
		Region:        *region,
		Timeout:       *timeout,
		AdvertisedURL: *advertise,
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	cfg.Logger = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	if *cf.id != "" || *cf.secret != "" || e.getenv(creds.EnvAccessKeyID) != "" {
		c, err := cf.credentials(ctx, e)
		if err != nil {
			return err
		}
		cfg.Credentials = c.Signing()
	}
	if *objects != "" {
		fi, err := os.Stat(*objects)
		if err != nil || !fi.IsDir() {
			return usagef("--objects must be a directory: %s", *objects)
		}
		cfg.Objects = os.DirFS(*objects)
	}
	ap, err := accesspoint.New(cfg)
	if err != nil {
		return err
	}
	if err := ap.Start(*listen); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "access point listening on %s (region %s, access key ID %s)\n", ap.URL(), ap.Region(), ap.Credentials().AccessKeyID)
	fmt.Fprintf(e.stdout, "function: %s/invoke\n", *function)
	fmt.Fprintf(e.stdout, "try: curl -sS -o out.png -D - %s/example.png\n", ap.URL())
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = ap.Shutdown(shutdown)
	return ap.Close()
}
