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
// error when that was the cause (a 500, not the caller's fault), 400
// ImageTooLarge for too many scans, else 400 InvalidImage saying why.
func (s *source) invalid(why string, err error) error {
	if s.err != nil {
		return s.err
	}
	if errors.Is(err, errTooManyScans) {
		return fcrt.Error(http.StatusBadRequest, "ImageTooLarge", "The jpeg image has "+err.Error()+": it is not decoded.")
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

// maxScans bounds the scans of a JPEG. Each scan of a progressive JPEG
// goes over every block of its components, and a scan can be a few bytes
// (one run of empty blocks): a 1 MB image of 40,000 scans keeps a core busy
// for minutes ("Two Issues with the JPEG Standard", libjpeg-turbo; its
// TJPARAM_SCANLIMIT, turbojpeg.h, exists for this, and its fuzz targets set
// it to 500). Encoders write about ten (libjpeg's jpeg_simple_progression).
const maxScans = 500

var errTooManyScans = fmt.Errorf("more than %d scans", maxScans)

// scanLimit counts the SOS markers (0xFF 0xDA, ITU-T T.81 B.1.1.3) of what
// the decoder reads, and fails past maxScans. Entropy-coded data has no
// 0xFF 0xDA (an 0xFF there is followed by 0x00 or a restart marker, B.1.1.5);
// those bytes inside a segment between scans only count early.
type scanLimit struct {
	r     io.Reader
	scans int
	ff    bool // the last byte read was 0xFF
}

func (l *scanLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for _, c := range p[:n] {
		if l.ff && c == 0xda {
			l.scans++
		}
		l.ff = c == 0xff
	}
	if l.scans > maxScans {
		return 0, errTooManyScans
	}
	return n, err
}
