// Package redpng is the seed's example function: it answers every GetObject
// made through an Object FC Access Point with a 200×200 red PNG.
//
// Handler is the function, written on the public runtime (wgor/fcrt).
// It lives here, not in cmd/redpng, so that "wgor demo" can run the very
// same handler in-process: a main package cannot be imported. cmd/redpng
// is one fcrt.Start call.
package redpng

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"sync"

	"github.com/wgor-dev/wgor/wgor/fcrt"
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

// Handler answers every GetObject with the red PNG, whatever the key.
var Handler fcrt.Handler = fcrt.HandlerFunc(serve)

func serve(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
	img := PNG()
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Length", strconv.Itoa(len(img)))
	_, err := w.Write(img)
	return err
}
