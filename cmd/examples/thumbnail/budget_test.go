package thumbnail_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/cmd/examples/thumbnail"
	"github.com/wgor-dev/wgor/wgor/wgortest"
)

// progressiveJPEG is a w×h progressive JPEG (ITU-T T.81 Annex G, SOF2) of
// one flat colour, a component for each of hv (its H·16+V): a first DC
// scan whose differences are all 0, coded with a one-code Huffman table.
func progressiveJPEG(w, h int, hv ...byte) []byte {
	return withACScans(w, h, 0, hv...)
}

// withACScans is progressiveJPEG with n more scans, of the first
// component's AC coefficients, each block of them empty (EOB).
func withACScans(w, h, n int, hv ...byte) []byte {
	seg := func(b []byte, marker byte, data []byte) []byte {
		b = binary.BigEndian.AppendUint16(append(b, 0xff, marker), uint16(len(data)+2))
		return append(b, data...)
	}
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), byte(len(hv))}
	sos := []byte{byte(len(hv))}
	for i, f := range hv {
		sof = append(sof, byte(i+1), f, 0)
		sos = append(sos, byte(i+1), 0)
	}
	b := seg([]byte{0xff, 0xd8}, 0xdb, append([]byte{0}, bytes.Repeat([]byte{1}, 64)...))
	b = seg(b, 0xc2, sof)
	b = seg(b, 0xc4, append([]byte{0, 1}, make([]byte, 16)...))    // DC table 0: "0" is a difference of 0
	b = seg(b, 0xda, append(sos, 0, 0, 0))                         // Ss, Se, Ah and Al: the first DC scan
	b = append(b, make([]byte, (w/8+2)*(h/8+2)*len(hv))...)        // a bit for each block, and to spare
	b = seg(b, 0xc4, append([]byte{0x10, 1}, make([]byte, 16)...)) // AC table 0: "0" is EOB
	for range n {
		b = seg(b, 0xda, []byte{1, 1, 0, 1, 63, 0}) // coefficients 1 to 63 of component 1
		b = append(b, make([]byte, (w/8+2)*(h/8+2))...)
	}
	return append(b, 0xff, 0xd9)
}

// interlacedPNG is a w×h PNG of 8-bit RGBA, interlaced (PNG §8.2, Adam7),
// all transparent black.
func interlacedPNG(t *testing.T, w, h int) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	for _, p := range [][4]int{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}} {
		pw, ph := (w-p[0]+p[2]-1)/p[2], (h-p[1]+p[3]-1)/p[3]
		if pw > 0 && ph > 0 {
			_, err := zw.Write(make([]byte, ph*(1+4*pw))) // filter type 0 and the pixels of each row
			require.NoError(t, err)
		}
	}
	require.NoError(t, zw.Close())
	b := pngChunk([]byte("\x89PNG\r\n\x1a\n"), "IHDR", ihdr(uint32(w), uint32(h), 8, 6, 1))
	b = pngChunk(b, "IDAT", z.Bytes())
	return pngChunk(b, "IEND", nil)
}

// The budget counts what decoding holds, not only the decoded image: a
// progressive JPEG's coefficients and an interlaced PNG's passes; and a
// JPEG may have 500 scans at most. Within the budget, the same kinds of
// image are fitted in the box.
func TestHandlerBudgetCountsWhatDecodingHolds(t *testing.T) {
	ap := wgortest.Start(t, thumbnail.Handler{Size: 16, MaxPixels: 1000}, &wgortest.Config{ObjectMap: map[string][]byte{
		"progressive444.jpg":   progressiveJPEG(30, 30, 0x11, 0x11, 0x11),
		"progressive420.jpg":   progressiveJPEG(30, 30, 0x22, 0x11, 0x11),
		"progressive-gray.jpg": progressiveJPEG(30, 30, 0x11),
		"interlaced.png":       interlacedPNG(t, 30, 30),
		"small444.jpg":         progressiveJPEG(15, 15, 0x11, 0x11, 0x11),
		"small-gray.jpg":       progressiveJPEG(28, 28, 0x11),
		"small-interlaced.png": interlacedPNG(t, 22, 22),
		"baseline.jpg":         encodeJPEG(t, gradient(30, 30)),
		"500-scans.jpg":        withACScans(28, 28, 499, 0x11),
		"501-scans.jpg":        withACScans(28, 28, 500, 0x11),
	}})
	for key, want := range map[string]string{
		"progressive444.jpg":   "The jpeg image is 30×30 pixels of 16 bytes, over the budget of 1000 pixels of 4 bytes",
		"progressive420.jpg":   "The jpeg image is 30×30 pixels of 10 bytes",
		"progressive-gray.jpg": "The jpeg image is 30×30 pixels of 5 bytes",
		"interlaced.png":       "The png image is 30×30 pixels of 8 bytes",
		"501-scans.jpg":        "The jpeg image has more than 500 scans: it is not decoded.",
	} {
		resp, err := ap.GetObject(context.Background(), key, nil)
		require.NoError(t, err, key)
		assert.Equal(t, 400, resp.StatusCode, key)
		assert.Contains(t, string(resp.Body), "<Code>ImageTooLarge</Code><Message>"+want, key)
	}
	for _, key := range []string{"small444.jpg", "small-gray.jpg", "small-interlaced.png", "baseline.jpg", "500-scans.jpg"} {
		resp, err := ap.GetObject(context.Background(), key, nil)
		require.NoError(t, err, key)
		assert.Equal(t, 200, resp.StatusCode, "%s: %s", key, resp.Body)
	}
}
