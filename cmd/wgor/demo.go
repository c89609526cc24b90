package main

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"sort"
	"time"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/internal/accesspoint"
	"github.com/wgor-dev/wgor/internal/redpng"
	"github.com/wgor-dev/wgor/wgor"
)

const demoUsage = `demo [--out out.png] [--key example.png]

Runs the whole flow on this machine, with no network beyond loopback: starts
a local Object FC Access Point and the seed's function (a 200×200 red PNG) in
this process, makes a GetObject through the access point, saves the image and
checks that it is 200×200 and red. Exits 1 if anything is off.`

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", demoUsage)
	out := fs.String("out", "out.png", "`file` to save the image in")
	key := fs.String("key", "example.png", "object `key` to GetObject")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("demo takes no arguments, got %q", fs.Arg(0))
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	w := e.stdout

	// The function: the seed's handler, signing with the credentials of its
	// invocation, as in Function Compute.
	type answer struct {
		res *wgor.Result
		err error
	}
	answers := make(chan answer, 1)
	fn := accesspoint.InvokerFunc(func(ctx context.Context, inv *accesspoint.Invocation) error {
		c := &wgor.Client{Credentials: creds.Static(creds.Credentials{
			AccessKeyID:     inv.Credentials.AccessKeyID,
			AccessKeySecret: inv.Credentials.AccessKeySecret,
			SecurityToken:   inv.Credentials.SecurityToken,
		})}
		res, err := redpng.Handle(ctx, c, inv.Event, inv.Region)
		answers <- answer{res, err}
		return err
	})
	ap, err := accesspoint.New(accesspoint.Config{Function: fn, Timeout: 30 * time.Second})
	if err != nil {
		return err
	}
	if err := ap.Start("127.0.0.1:0"); err != nil {
		return err
	}
	defer ap.Close()
	fmt.Fprintf(w, "access point   %s (region %s, function: the seed's red PNG, in-process)\n", ap.URL(), ap.Region())

	getURL := ap.URL() + "/" + *key
	fmt.Fprintf(w, "GetObject      GET %s\n", getURL)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, getURL, nil)
	if err != nil {
		return err
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("GetObject through the access point: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read the GetObject response: %w", err)
	}
	elapsed := time.Since(start)

	var fnRes answer
	select {
	case fnRes = <-answers:
	case <-time.After(5 * time.Second):
		fnRes.err = fmt.Errorf("the function did not return")
	}
	if fnRes.err != nil {
		fmt.Fprintf(w, "function       failed: %v\n", fnRes.err)
	} else {
		fmt.Fprintf(w, "function       WriteGetObjectResponse: %d, %d bytes sent, request ID %s\n",
			fnRes.res.StatusCode, fnRes.res.BytesSent, fnRes.res.RequestID)
	}
	fmt.Fprintf(w, "caller got     %s, %d bytes in %v, request ID %s\n", resp.Status, len(body),
		elapsed.Round(time.Millisecond), resp.Header.Get("X-Oss-Request-Id"))
	names := make([]string, 0, len(resp.Header))
	for name := range resp.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "               %s: %s\n", name, resp.Header.Get(name))
	}
	if fnRes.err != nil {
		return fnRes.err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GetObject answered %s: %s", resp.Status, firstLine(body))
	}
	if err := os.WriteFile(*out, body, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(w, "saved          %s\n", *out)
	if err := checkRedSquare(body, resp.Header.Get("Content-Type")); err != nil {
		return fmt.Errorf("the image is not what the function sent: %w", err)
	}
	fmt.Fprintf(w, "checked        image/png, %d×%d, every pixel red: OK\n", redpng.Size, redpng.Size)
	return nil
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

func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}
