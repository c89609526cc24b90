package thumbnail

import (
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
)

// jpegHead is an SOI, a comment segment and a frame header of the marker
// (SOF0, SOF2) for 8×8 pixels with a component for each of hv.
func jpegHead(marker byte, hv ...byte) []byte {
	b := []byte{0xff, 0xd8, 0xff, 0xfe, 0, 4, 'h', 'i'}
	b = append(b, 0xff, marker, 0, byte(8+3*len(hv)), 8, 0, 8, 0, 8, byte(len(hv)))
	for i, f := range hv {
		b = append(b, byte(i+1), f, 0)
	}
	return b
}

func TestJPEGExtraCountsPlanesAndCoefficients(t *testing.T) {
	for _, tc := range []struct {
		name  string
		model color.Model
		head  []byte
		want  int
	}{
		{"baseline YCbCr decodes into the image", color.YCbCrModel, jpegHead(0xc0, 0x22, 0x11, 0x11), 0},
		{"baseline RGB converts its planes", color.RGBAModel, jpegHead(0xc0, 0x11, 0x11, 0x11), 3},
		{"progressive 4:2:0 keeps 1.5 samples of coefficients", color.YCbCrModel, jpegHead(0xc2, 0x22, 0x11, 0x11), 6},
		{"progressive 4:4:4 keeps 3", color.YCbCrModel, jpegHead(0xc2, 0x11, 0x11, 0x11), 12},
		{"progressive gray", color.GrayModel, jpegHead(0xc2, 0x11), 4},
		{"progressive CMYK, rounded up", color.CMYKModel, jpegHead(0xc2, 0x22, 0x11, 0x11, 0x22), 13},
		{"fill bytes before a marker", color.YCbCrModel, append([]byte{0xff, 0xd8, 0xff}, jpegHead(0xc2, 0x11, 0x11, 0x11)[2:]...), 12},
		{"no frame header counts as progressive 4:4:4", color.YCbCrModel, jpegHead(0xc2)[:8], 12},
		{"a truncated frame header too", color.CMYKModel, jpegHead(0xc0, 0x11, 0x11, 0x11, 0x11)[:20], 20},
		{"junk between segments too", color.GrayModel, append([]byte{0xff, 0xd8, 0}, jpegHead(0xc0, 0x11)[2:]...), 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, jpegExtra(tc.model, tc.head))
		})
	}
}

func TestDecodeBytesPerPixelCountsAnInterlacedPNGTwice(t *testing.T) {
	ihdr := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x08\x00\x00\x00\x08\x08\x06\x00\x00")
	assert.Equal(t, 4, decodeBytesPerPixel(color.NRGBAModel, "png", append(ihdr, 0)))
	assert.Equal(t, 8, decodeBytesPerPixel(color.NRGBAModel, "png", append(ihdr, 1)))
	assert.Equal(t, 16, decodeBytesPerPixel(color.NRGBA64Model, "png", append(ihdr, 1)))
	assert.Equal(t, 1, decodeBytesPerPixel(color.Palette{color.Black}, "gif", nil))
}
