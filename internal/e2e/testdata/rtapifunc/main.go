// Command rtapifunc stands in for a function on Function Compute's Go
// runtime until redpng itself speaks the Go runtime API: it long-polls
// $FC_RUNTIME_API (GET /2020-11-11/runtime/invocation/next), answers each
// invocation's GetObject with a 200×200 red PNG through wgor, signed with
// the credentials of the poll's x-fc-* headers, and reports on
// .../<id>/response or .../<id>/error, each invocation in a goroutine as
// fc-runtime-go-sdk does. It is built by the e2e tests only.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/wgor"
)

func main() {
	api := os.Getenv("FC_RUNTIME_API")
	if api == "" {
		fmt.Fprintln(os.Stderr, "rtapifunc: FC_RUNTIME_API is not set")
		os.Exit(2)
	}
	base := "http://" + api + "/2020-11-11/runtime/invocation/"
	img := redPNG()
	for {
		resp, err := http.Get(base + "next")
		if err != nil {
			fmt.Fprintln(os.Stderr, "rtapifunc: poll:", err)
			os.Exit(1)
		}
		event, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			fmt.Fprintln(os.Stderr, "rtapifunc: poll answered", resp.Status, err)
			os.Exit(1)
		}
		go invoke(base, resp.Header, event, img)
	}
}

func invoke(base string, h http.Header, event, img []byte) {
	id := h.Get("x-fc-request-id")
	err := answer(h, event, img)
	what, body := "/response", []byte(`"ok"`)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rtapifunc: invocation", id, "failed:", err)
		what = "/error"
		body, _ = json.Marshal(map[string]string{"errorMessage": err.Error(), "errorType": "HandlerError"})
	}
	resp, err := http.Post(base+id+what, "application/json", bytes.NewReader(body))
	if err != nil {
		fmt.Fprintln(os.Stderr, "rtapifunc: report:", err)
		return
	}
	resp.Body.Close()
}

func answer(h http.Header, event, img []byte) error {
	ms, err := strconv.ParseInt(h.Get("x-fc-function-deadline"), 10, 64)
	if err != nil {
		return fmt.Errorf("no x-fc-function-deadline: %w", err)
	}
	ctx, cancel := context.WithDeadline(context.Background(), time.UnixMilli(ms))
	defer cancel()
	provider, err := creds.FromFCHeaders(h)
	if err != nil {
		return err
	}
	ev, err := wgor.ParseEvent(event)
	if err != nil {
		return err
	}
	c := &wgor.Client{Credentials: provider}
	if _, err := wgor.RegionFromRoute(ev.GetObjectContext.OutputRoute); err != nil {
		c.Region = h.Get("x-fc-region")
	}
	_, err = c.Write(ctx, &wgor.Response{
		Route:       ev.GetObjectContext.OutputRoute,
		Token:       ev.GetObjectContext.OutputToken,
		Status:      http.StatusOK,
		ContentType: "image/png",
		Body:        bytes.NewReader(img),
	})
	return err
}

func redPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 200, 200))
	for x := range 200 {
		for y := range 200 {
			img.Set(x, y, color.RGBA{R: 255, A: 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
