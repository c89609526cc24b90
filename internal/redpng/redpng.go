// Package redpng is the seed's example function: it answers every GetObject
// made through an Object FC Access Point with a 200×200 red PNG, sent with
// wgor. cmd/redpng serves it as a Function Compute custom runtime and
// "wgor demo" runs it in-process.
package redpng

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sync"

	"github.com/wgor-dev/wgor/wgor"
)

// Size is the width and height of the image, in pixels.
const Size = 200

// Red is the colour of every pixel.
var Red = color.RGBA{R: 255, A: 255}

// PNG returns the encoded image. It is encoded once; callers must not
// modify the slice.
var PNG = sync.OnceValue(func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, Size, Size))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = Red.R, Red.G, Red.B, Red.A
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic("redpng: encoding an in-memory image failed: " + err.Error()) // cannot happen for an RGBA image
	}
	return b.Bytes()
})

// Handle answers the GetObject behind one event: it parses the event and
// sends the red PNG to its outputRoute with c, authorized by its
// outputToken. When the route names no region (a local emulator), region is
// used; pass "" to rely on the route alone.
func Handle(ctx context.Context, c *wgor.Client, event []byte, region string) (*wgor.Result, error) {
	ev, err := wgor.ParseEvent(event)
	if err != nil {
		return nil, err
	}
	if _, err := wgor.RegionFromRoute(ev.GetObjectContext.OutputRoute); err != nil && c.Region == "" {
		if region == "" {
			return nil, err
		}
		cc := *c // a shallow copy: the HTTP client and its connections are shared
		cc.Region = region
		c = &cc
	}
	res, err := c.Write(ctx, &wgor.Response{
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
