// Package thumbnail is a function for an OSS Object FC Access Point that
// answers a PNG, JPEG or GIF object with a thumbnail: the image fitted
// within a box of Size×Size pixels, keeping its aspect ratio, in its own
// format. An image that fits already is answered unchanged.
//
// # Decompression bombs
//
// A few kilobytes of PNG or JPEG can declare a billion pixels. Before
// decoding, the image's header is read (image.DecodeConfig) and the
// memory its decoding takes is checked against a budget
// (Handler.MaxPixels, THUMBNAIL_MAX_PIXELS): pixels of 4 bytes. So an
// image of 16-bit channels counts each pixel twice, an interlaced PNG
// twice more (its passes), and a progressive JPEG 4 bytes more for each
// sample (the DCT coefficients it keeps until its last scan: 6 bytes a
// pixel at 4:2:0 chroma, 12 at 4:4:4). An image over budget is refused
// with 400 ImageTooLarge, as is a JPEG of more than 500 scans (see
// maxScans), and an object that is not a PNG, JPEG or GIF with 400
// InvalidImage.
//
// # Memory
//
// Decoding holds at most 4 bytes × the budget; scaling with
// golang.org/x/image/draw's Catmull-Rom filter holds a further 32 bytes
// for each pixel of Size × the image's shorter side (31 MiB for a
// 6000×4000 photo at the default box of 256). The original's bytes are
// not kept beyond its header.
//
// The thumbnail keeps the original's Last-Modified and Cache-Control; its
// ETag is derived from the original's and the box, so that a cache
// revalidates it when either changes. Only a GIF's first frame is kept,
// and a JPEG's EXIF orientation is not applied.
package thumbnail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"os"
	"strconv"

	"golang.org/x/image/draw"

	"github.com/wgor-dev/wgor/wgor/fcrt"
)

// The defaults, and the environment variables FromEnv reads.
const (
	DefaultSize      = 256
	DefaultMaxPixels = 50_000_000
	MaxSize          = 4096 // a larger box is no thumbnail

	EnvSize      = "THUMBNAIL_SIZE"
	EnvMaxPixels = "THUMBNAIL_MAX_PIXELS"
)

// JPEGQuality is the quality thumbnails are encoded with as JPEG.
const JPEGQuality = 85

// Handler answers a GetObject with a thumbnail of the original image.
// The zero Handler is ready to use.
type Handler struct {
	// Size is the side of the box the thumbnail fits in, in pixels; zero
	// means DefaultSize.
	Size int
	// MaxPixels is the budget: decoding an image may take the memory of
	// MaxPixels pixels of 4 bytes; zero means DefaultMaxPixels.
	MaxPixels int64
}

// FromEnv returns the Handler the environment configures: the box from
// THUMBNAIL_SIZE (1 to 4096), the budget from THUMBNAIL_MAX_PIXELS.
func FromEnv() (Handler, error) {
	var h Handler
	if v := os.Getenv(EnvSize); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxSize {
			return h, fmt.Errorf("thumbnail: %s=%q is not a size from 1 to %d pixels", EnvSize, v, MaxSize)
		}
		h.Size = n
	}
	if v := os.Getenv(EnvMaxPixels); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return h, fmt.Errorf("thumbnail: %s=%q is not a positive number of pixels", EnvMaxPixels, v)
		}
		h.MaxPixels = n
	}
	return h, nil
}

func (h Handler) size() int {
	if h.Size <= 0 {
		return DefaultSize
	}
	return min(h.Size, MaxSize)
}

func (h Handler) maxPixels() int64 {
	if h.MaxPixels <= 0 {
		return DefaultMaxPixels
	}
	return h.MaxPixels
}

// ServeGetObject answers with the thumbnail.
func (h Handler) ServeGetObject(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
	orig, err := fcrt.OpenOriginal(ctx, inv, nil)
	if err != nil {
		return err // 404 NoSuchKey and the like, passed through
	}
	defer orig.Body.Close()
	src := &source{r: orig.Body, recording: true}
	cfg, format, err := image.DecodeConfig(src)
	if err != nil {
		return src.invalid("its header cannot be read", err)
	}
	if err := h.check(cfg, format, src.head); err != nil {
		return err
	}
	src.recording = false
	body := io.MultiReader(bytes.NewReader(src.head), src)
	orig.CopyObjectHeaders(w.Header()) // those that still describe the bytes; not ETag
	w.Header().Set("Content-Type", "image/"+format)
	if etag := orig.Header.Get("Etag"); etag != "" {
		w.Header().Set("Etag", h.etag(etag))
	}
	n := h.size()
	if cfg.Width <= n && cfg.Height <= n {
		// It fits: the original, unchanged.
		if orig.ContentLength >= 0 {
			w.Header().Set("Content-Length", strconv.FormatInt(orig.ContentLength, 10))
		}
		_, err := io.Copy(w, body)
		return err
	}
	if format == "jpeg" {
		body = &scanLimit{r: body}
	}
	img, _, err := image.Decode(body)
	if err != nil {
		return src.invalid("it cannot be decoded", err)
	}
	var out bytes.Buffer
	if err := encode(&out, fit(img, n), format, img); err != nil {
		return err
	}
	w.Header().Set("Content-Length", strconv.Itoa(out.Len()))
	_, err = w.Write(out.Bytes())
	return err
}

// check refuses an image whose decoding would take more than the budget,
// before it is decoded. head is the start of the image.
func (h Handler) check(cfg image.Config, format string, head []byte) error {
	bpp := int64(decodeBytesPerPixel(cfg.ColorModel, format, head))
	pixels := int64(cfg.Width) * int64(cfg.Height)
	if max := h.maxPixels(); pixels*bpp > max*4 {
		return fcrt.Error(http.StatusBadRequest, "ImageTooLarge", fmt.Sprintf(
			"The %s image is %d×%d pixels of %d bytes, over the budget of %d pixels of 4 bytes (%s): it is not decoded.",
			format, cfg.Width, cfg.Height, bpp, max, EnvMaxPixels))
	}
	return nil
}

// bytesPerPixel is what a decoded pixel of the model holds at most.
func bytesPerPixel(m color.Model) int {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4 // RGBA, NRGBA, CMYK; a JPEG's YCbCr is 1.5 to 3
}

// etag derives the thumbnail's ETag from the original's and the box: a
// weak one (RFC 9110 §8.8.1), as another Go release may encode the same
// thumbnail in other bytes.
func (h Handler) etag(original string) string {
	sum := sha256.Sum256([]byte("thumbnail/1\x00" + strconv.Itoa(h.size()) + "\x00" + original))
	return `W/"` + hex.EncodeToString(sum[:16]) + `"`
}

// fit scales img to fit within n×n, keeping its aspect ratio.
func fit(img image.Image, n int) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w >= h {
		w, h = n, max(1, (h*n+w/2)/w)
	} else {
		w, h = max(1, (w*n+h/2)/h), n
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

// encode writes the thumbnail in the original's format. A GIF keeps the
// original's palette, or takes Plan 9's, and is dithered to it.
func encode(w io.Writer, thumb *image.RGBA, format string, orig image.Image) error {
	switch format {
	case "jpeg":
		return jpeg.Encode(w, thumb, &jpeg.Options{Quality: JPEGQuality})
	case "gif":
		var pal color.Palette
		if p, ok := orig.(*image.Paletted); ok {
			pal = p.Palette
		}
		return gif.Encode(w, thumb, &gif.Options{NumColors: 256, Quantizer: paletteOf(pal), Drawer: draw.FloydSteinberg})
	}
	return png.Encode(w, thumb)
}
