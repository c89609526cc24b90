package thumbnail

import (
	"image/color"
)

// decodeBytesPerPixel is the most memory decoding an image holds at once,
// in bytes a pixel (rounded up): the pixel of the image the decoder
// returns (bytesPerPixel), and what the decoder keeps besides until it
// returns. head is the start of the image, as image.DecodeConfig read it.
func decodeBytesPerPixel(m color.Model, format string, head []byte) int {
	n := bytesPerPixel(m)
	switch format {
	case "png":
		// An interlaced PNG (PNG §8.2, Adam7) is decoded pass by pass into
		// images of their own, a whole image's worth in all, then merged
		// into the whole (image/png, readImagePass and mergePassInto).
		if len(head) > pngInterlaceAt && head[pngInterlaceAt] == 1 {
			n *= 2
		}
	case "jpeg":
		n += jpegExtra(m, head)
	}
	return n
}

// pngInterlaceAt is the offset of IHDR's interlace method in a PNG: the
// signature (8), the chunk's length and type (8), then width, height,
// bit depth, colour type, compression and filter method (PNG §11.2.2).
const pngInterlaceAt = 28

// jpegExtra is what image/jpeg holds besides the image it returns, in
// bytes a pixel (rounded up). It decodes into planes of one byte a
// sample, and for an RGB or CMYK image converts them into a new image
// of 4 bytes a pixel, holding both (image/jpeg, convertToRGB and
// applyBlack). A progressive JPEG's DCT coefficients, 64 of 4 bytes for
// each block of 8×8 samples, are kept from scan to scan until the last
// (ITU-T T.81 G.1.1; image/jpeg, progCoeffs): 4 bytes a sample. A frame
// header that cannot be read counts as progressive, with every
// component at full size.
func jpegExtra(m color.Model, head []byte) int {
	samples, per, progressive, ok := jpegFrame(head)
	if !ok {
		samples, per, progressive = components(m), 1, true
	}
	extra := 0 // bytes a sample
	if m == color.RGBAModel || m == color.CMYKModel {
		extra++
	}
	if progressive {
		extra += 4
	}
	return (extra*samples + per - 1) / per
}

// components is the number of components a JPEG of the model has.
func components(m color.Model) int {
	switch m {
	case color.GrayModel:
		return 1
	case color.CMYKModel:
		return 4
	}
	return 3
}

// jpegFrame reads the frame header of a JPEG (ITU-T T.81 B.2.2: P, Y, X,
// Nf, then C, H·16+V and Tq for each component) from the segments after
// its SOI: whether it is progressive (SOF2), and its samples per pixel
// as samples/per, the components' H·V over the first's, which image/jpeg
// requires to be the largest. ok is false when it finds no frame header.
func jpegFrame(head []byte) (samples, per int, progressive, ok bool) {
	for i := 2; i+4 <= len(head); {
		if head[i] != 0xff {
			return 0, 0, false, false
		}
		marker := head[i+1]
		if marker == 0xff { // a fill byte (T.81 B.1.1.2)
			i++
			continue
		}
		end := i + 2 + (int(head[i+2])<<8 | int(head[i+3]))
		if marker == 0xc0 || marker == 0xc1 || marker == 0xc2 { // the SOFs image/jpeg reads
			seg := head[i+4 : min(end, len(head))]
			if len(seg) < 9 || len(seg) < 6+3*int(seg[5]) {
				return 0, 0, false, false
			}
			for c := range int(seg[5]) {
				hv := seg[7+3*c]
				samples += int(hv>>4) * int(hv&15)
			}
			per = int(seg[7]>>4) * int(seg[7]&15)
			return samples, per, marker == 0xc2, per > 0
		}
		i = end
	}
	return 0, 0, false, false
}
