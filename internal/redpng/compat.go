package redpng

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/wgor-dev/wgor/internal/client"
	"github.com/wgor-dev/wgor/wgor/fcrt"
)

// Runtime is Handler behind fcrt.NewCustomRuntime, kept for the tests that
// serve the seed's function as a custom runtime with httptest.
type Runtime struct {
	HTTPClient *http.Client  // see fcrt.Options
	Logger     *slog.Logger  // see fcrt.Options
	Timeout    time.Duration // see fcrt.Options
}

// ServeHTTP implements the custom-runtime protocol (see fcrt.NewCustomRuntime).
func (rt *Runtime) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fcrt.NewCustomRuntime(Handler, &fcrt.Options{HTTPClient: rt.HTTPClient, Logger: rt.Logger, Timeout: rt.Timeout}).ServeHTTP(w, r)
}

// Handle answers the GetObject behind one event with the red PNG, sent
// with c (a *wgor.Client), for callers that run the function without the
// runtime. When the route names no region (a local emulator), region is
// used; pass "" to rely on the route alone.
func Handle(ctx context.Context, c *client.Client, event []byte, region string) (*client.Result, error) {
	ev, err := client.ParseEvent(event)
	if err != nil {
		return nil, err
	}
	if _, err := client.RegionFromRoute(ev.GetObjectContext.OutputRoute); err != nil && c.Region == "" {
		if region == "" {
			return nil, err
		}
		cc := *c // a shallow copy: the HTTP client and its connections are shared
		cc.Region = region
		c = &cc
	}
	res, err := c.Write(ctx, &client.Response{
		Route:        ev.GetObjectContext.OutputRoute,
		Token:        ev.GetObjectContext.OutputToken,
		Status:       200,
		ContentType:  "image/png",
		CacheControl: "no-cache",
		Body:         bytes.NewReader(PNG()),
	})
	if err != nil {
		return nil, fmt.Errorf("redpng: answer the GetObject: %w", err)
	}
	return res, nil
}
