package thumbnail_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/cmd/examples/thumbnail"
	"github.com/wgor-dev/wgor/wgor/wgortest"
)

// gradient is a w×h image of smooth colours.
func gradient(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	return img
}

func encodePNG(t *testing.T, img image.Image) []byte {
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, img, nil))
	return b.Bytes()
}

func encodeGIF(t *testing.T, img image.Image) []byte {
	var b bytes.Buffer
	require.NoError(t, gif.Encode(&b, img, nil))
	return b.Bytes()
}

func TestHandlerFitsEachFormatInTheBox(t *testing.T) {
	small := encodePNG(t, gradient(100, 50))
	ap := wgortest.Start(t, thumbnail.Handler{}, &wgortest.Config{ObjectMap: map[string][]byte{
		"wide.png":  encodePNG(t, gradient(600, 300)),
		"tall.jpg":  encodeJPEG(t, gradient(300, 600)),
		"thin.gif":  encodeGIF(t, gradient(1000, 3)),
		"small.png": small,
	}})
	for key, want := range map[string]struct {
		format string
		w, h   int
	}{
		"wide.png":  {"png", 256, 128},
		"tall.jpg":  {"jpeg", 128, 256},
		"thin.gif":  {"gif", 256, 1},
		"small.png": {"png", 100, 50},
	} {
		resp, err := ap.GetObject(context.Background(), key, nil)
		require.NoError(t, err, key)
		require.Equal(t, 200, resp.StatusCode, key)
		assert.Equal(t, "image/"+want.format, resp.Header.Get("Content-Type"), key)
		assert.NotEmpty(t, resp.Header.Get("Last-Modified"), key)
		cfg, format, err := image.DecodeConfig(bytes.NewReader(resp.Body))
		require.NoError(t, err, key)
		assert.Equal(t, want.format, format, key)
		assert.Equal(t, []int{want.w, want.h}, []int{cfg.Width, cfg.Height}, key)
	}
	resp, err := ap.GetObject(context.Background(), "small.png", nil)
	require.NoError(t, err)
	assert.Equal(t, small, resp.Body, "an image that fits already is answered unchanged")
}

func TestHandlerKeepsTheColours(t *testing.T) {
	red := image.NewRGBA(image.Rect(0, 0, 512, 512))
	for i := 0; i < len(red.Pix); i += 4 {
		red.Pix[i], red.Pix[i+3] = 255, 255
	}
	ap := wgortest.Start(t, thumbnail.Handler{Size: 64}, &wgortest.Config{ObjectMap: map[string][]byte{
		"red.png": encodePNG(t, red),
		"red.gif": encodeGIF(t, red),
	}})
	for _, key := range []string{"red.png", "red.gif"} {
		resp, err := ap.GetObject(context.Background(), key, nil)
		require.NoError(t, err, key)
		img, _, err := image.Decode(bytes.NewReader(resp.Body))
		require.NoError(t, err, key)
		assert.Equal(t, image.Rect(0, 0, 64, 64), img.Bounds(), key)
		assert.Equal(t, color.RGBA{255, 0, 0, 255}, color.RGBAModel.Convert(img.At(32, 32)), key)
	}
}

func TestHandlerPassesAMissingObjectThrough(t *testing.T) {
	ap := wgortest.Start(t, thumbnail.Handler{}, nil)
	resp, err := ap.GetObject(context.Background(), "missing.png", nil)
	require.NoError(t, err)
	assert.Equal(t, 404, resp.StatusCode)
	assert.Contains(t, string(resp.Body), "<Code>NoSuchKey</Code>")
}

// pngHeader is the start of a PNG declaring w×h pixels of the given bit
// depth and colour type (PNG §11.2.2), enough for image.DecodeConfig.
func pngHeader(w, h uint32, depth, colorType byte) []byte {
	return pngChunk([]byte("\x89PNG\r\n\x1a\n"), "IHDR", ihdr(w, h, depth, colorType, 0))
}

// ihdr is the data of a PNG's IHDR chunk (PNG §11.2.2).
func ihdr(w, h uint32, depth, colorType, interlace byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, w)
	b = binary.BigEndian.AppendUint32(b, h)
	return append(b, depth, colorType, 0, 0, interlace)
}

// pngChunk appends a chunk of the type and data to b (PNG §5.3).
func pngChunk(b []byte, typ string, data []byte) []byte {
	chunk := append([]byte(typ), data...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, chunk...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(chunk))
}

// gifHeader is the start of a GIF whose logical screen is w×h pixels,
// with a global colour table of two colours (GIF89a §18, §19).
func gifHeader(w, h uint16) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	return append(b, 0x80, 0, 0, 0, 0, 0, 255, 255, 255)
}

// bigHeaderJPEG is a JPEG whose application segments come to more than
// 4 MiB before its frame header.
func bigHeaderJPEG(t *testing.T) []byte {
	img := encodeJPEG(t, gradient(8, 8))
	seg := append([]byte{0xff, 0xe1, 0xff, 0xff}, make([]byte, 0xffff-2)...)
	b := append([]byte{}, img[:2]...) // SOI
	for range 70 {
		b = append(b, seg...)
	}
	return append(b, img[2:]...)
}

func TestHandlerRefusesBombsAndNonImagesBeforeSending(t *testing.T) {
	jpg := encodeJPEG(t, gradient(30, 30))
	deep := image.NewNRGBA64(image.Rect(0, 0, 30, 30)) // 900 pixels of 8 bytes
	ap := wgortest.Start(t, thumbnail.Handler{Size: 16, MaxPixels: 1000}, &wgortest.Config{ObjectMap: map[string][]byte{
		"bomb.png":      pngHeader(100000, 100000, 8, 6),
		"deep.png":      encodePNG(t, deep),
		"text.png":      []byte("not an image at all"),
		"truncated.jpg": jpg[:len(jpg)-10],
		"exif.jpg":      bigHeaderJPEG(t),
		"bomb.gif":      gifHeader(65535, 65535),
	}})
	for key, want := range map[string]string{
		"bomb.png":      "<Code>ImageTooLarge</Code><Message>The png image is 100000×100000 pixels of 4 bytes, over the budget of 1000 pixels of 4 bytes (THUMBNAIL_MAX_PIXELS)",
		"deep.png":      "<Code>ImageTooLarge</Code><Message>The png image is 30×30 pixels of 8 bytes",
		"bomb.gif":      "<Code>ImageTooLarge</Code><Message>The gif image is 65535×65535 pixels of 1 bytes",
		"text.png":      "<Code>InvalidImage</Code><Message>The object is not a PNG, JPEG or GIF image.</Message>",
		"truncated.jpg": "<Code>InvalidImage</Code><Message>The object is not a PNG, JPEG or GIF image: it cannot be decoded (invalid JPEG format: short Huffman data).",
		"exif.jpg":      "<Code>InvalidImage</Code><Message>The object is not a PNG, JPEG or GIF image: its header cannot be read (more than 4194304 bytes come before the image&#39;s size).",
	} {
		resp, err := ap.GetObject(context.Background(), key, nil)
		require.NoError(t, err, key)
		assert.Equal(t, 400, resp.StatusCode, key)
		assert.Contains(t, string(resp.Body), want, key)
	}
	for _, r := range ap.Relays() {
		assert.Equal(t, 400, r.Status, "only the errors were relayed")
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv(thumbnail.EnvSize, "128")
	t.Setenv(thumbnail.EnvMaxPixels, "24000000")
	h, err := thumbnail.FromEnv()
	require.NoError(t, err)
	assert.Equal(t, thumbnail.Handler{Size: 128, MaxPixels: 24_000_000}, h)

	t.Setenv(thumbnail.EnvSize, "0")
	_, err = thumbnail.FromEnv()
	assert.EqualError(t, err, `thumbnail: THUMBNAIL_SIZE="0" is not a size from 1 to 4096 pixels`)
	t.Setenv(thumbnail.EnvSize, "")
	t.Setenv(thumbnail.EnvMaxPixels, "lots")
	_, err = thumbnail.FromEnv()
	assert.EqualError(t, err, `thumbnail: THUMBNAIL_MAX_PIXELS="lots" is not a positive number of pixels`)
}
