package thumbnail

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/color/palette"
	"io"
	"net/http"

	"github.com/wgor-dev/wgor/wgor/fcrt"
)

// maxHeader bounds the bytes read before an image's size is known. A
// JPEG's metadata (EXIF, ICC profile, XMP) comes before its frame header
// in segments of at most 64 KiB each (ITU-T T.81 B.1.1.4), and real
// photos carry a few hundred KiB at most.
const maxHeader = 4 << 20

var errHeaderTooLong = fmt.Errorf("more than %d bytes come before the image's size", maxHeader)

// source reads the original's body, keeping what image.DecodeConfig
// reads so that it can be read again for decoding, and the body's own
// read error, to tell a failed read from a broken image.
type source struct {
	r         io.Reader
	head      []byte
	recording bool
	err       error
}

func (s *source) Read(p []byte) (int, error) {
	if s.recording && len(s.head) >= maxHeader {
		return 0, errHeaderTooLong
	}
	n, err := s.r.Read(p)
	if s.recording {
		s.head = append(s.head, p[:n]...)
	}
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// invalid is the answer to a decoder's error: the original's own read
// error when that was the cause (a 500, not the caller's fault), else 400
// InvalidImage saying why.
func (s *source) invalid(why string, err error) error {
	if s.err != nil {
		return s.err
	}
	msg := "The object is not a PNG, JPEG or GIF image: " + why + " (" + err.Error() + ")."
	if errors.Is(err, image.ErrFormat) {
		msg = "The object is not a PNG, JPEG or GIF image."
	}
	return fcrt.Error(http.StatusBadRequest, "InvalidImage", msg)
}

// paletteOf is a gif.Options Quantizer that gives pal, or Plan 9's
// palette when pal is empty.
type paletteOf color.Palette

func (p paletteOf) Quantize(_ color.Palette, _ image.Image) color.Palette {
	if len(p) == 0 {
		return palette.Plan9
	}
	return color.Palette(p)
}
