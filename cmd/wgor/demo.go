package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"image/color"
	"image/png"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/internal/redpng"
	"github.com/wgor-dev/wgor/wgor/wgortest"
)

const demoUsage = `demo [--out out.png] [--key example.png]

Runs a local access point and the red-PNG function in this process, makes a
GetObject, saves the image and checks that it is 200×200 and red.`

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", demoUsage)
	out := check(fs, new("out.png"), "out", "`FILE` to save the image in", text("--out"))
	key := check(fs, new("example.png"), "key", "object `KEY` to GetObject", objectKey)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("demo takes no arguments, got %s", quoteArg(fs.Arg(0)))
	}
	if fi, err := os.Stat(filepath.Dir(*out)); err != nil || !fi.IsDir() {
		return usagef("--out %s: its directory does not exist", quoteArg(*out))
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	w, scrub := e.stdout, e.scrub()

	// The function: the very handler cmd/redpng runs, through the same
	// runtime, signing with the credentials of each invocation.
	ap, err := wgortest.NewServer(redpng.Handler, &wgortest.Config{Timeout: 30 * time.Second})
	if err != nil {
		return err
	}
	defer ap.Close()
	fmt.Fprintf(w, "access point   %s (region %s, function: the seed's red PNG, in-process)\n", ap.URL(), ap.Region())
	fmt.Fprintf(w, "GetObject      GET %s/%s\n", ap.URL(), *key)
	start := time.Now()
	resp, err := ap.GetObject(ctx, *key, nil)
	if err != nil && resp == nil {
		return fmt.Errorf("GetObject through the access point: %w", err)
	}
	elapsed := time.Since(start)
	failed := functionOutcome(e, ap)
	fmt.Fprintf(w, "caller got     %d %s, %d bytes in %v, request ID %s\n", resp.StatusCode, http.StatusText(resp.StatusCode),
		len(resp.Body), elapsed.Round(time.Millisecond), scrub.String(resp.Header.Get(oss.HeaderRequestID)))
	for _, name := range slices.Sorted(maps.Keys(resp.Header)) {
		fmt.Fprintf(w, "               %s: %s\n", scrub.String(name), scrub.String(resp.Header.Get(name)))
	}
	switch {
	case failed != nil:
		return failed
	case err != nil:
		return err
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("GetObject answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	if err := os.WriteFile(*out, resp.Body, 0o644); err != nil {
		return fmt.Errorf("cannot save the image: %w", err)
	}
	fmt.Fprintf(w, "saved          %s\n", *out)
	if err := checkRedSquare(resp.Body, resp.Header.Get("Content-Type")); err != nil {
		return fmt.Errorf("the image is not what the function sent: %w", err)
	}
	fmt.Fprintf(w, "checked        image/png, %d×%d, every pixel red: OK\n", redpng.Size, redpng.Size)
	return nil
}

// functionOutcome tells what the function did, and returns its failure.
func functionOutcome(e *env, ap *wgortest.Server) error {
	w, scrub, invs, relays := e.stdout, e.scrub(), ap.Invocations(), ap.Relays()
	switch {
	case len(invs) == 0:
		fmt.Fprintf(w, "function       not invoked: the access point answered the GetObject itself\n")
		return nil
	case len(relays) == 0:
		return cmp.Or(invs[0].Err, errors.New("the function returned without sending WriteGetObjectResponse"))
	}
	r := relays[0]
	if r.Answer != http.StatusOK {
		return fmt.Errorf("the access point refused the function's WriteGetObjectResponse: %d %s: %s (request ID %s)", r.Answer, r.Code, r.Message, r.RequestID)
	}
	fmt.Fprintf(w, "function       WriteGetObjectResponse: %d, %d bytes sent, request ID %s\n", r.Answer, len(r.Body), scrub.String(r.RequestID))
	return invs[0].Err
}

// checkRedSquare decodes a PNG and checks it is the seed's image.
func checkRedSquare(data []byte, contentType string) error {
	if contentType != "image/png" {
		return fmt.Errorf("Content-Type is %q, want image/png", contentType)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("decode PNG: %w", err)
	}
	b := img.Bounds()
	if b.Dx() != redpng.Size || b.Dy() != redpng.Size {
		return fmt.Errorf("image is %d×%d, want %d×%d", b.Dx(), b.Dy(), redpng.Size, redpng.Size)
	}
	want := color.RGBAModel.Convert(redpng.Red)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if got := color.RGBAModel.Convert(img.At(x, y)); got != want {
				return fmt.Errorf("pixel (%d,%d) is %v, want %v", x, y, got, want)
			}
		}
	}
	return nil
}
