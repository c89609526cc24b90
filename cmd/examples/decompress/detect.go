package decompress

import (
	"mime"
	"net/http"
	"strings"
)

// Format is a compressed format the function reads.
type Format string

// The formats, by the names Content-Encoding gives them where it has one.
const (
	Gzip  Format = "gzip"  // RFC 1952
	Zlib  Format = "zlib"  // RFC 1950; HTTP's "deflate" coding (RFC 9110 §8.4.1.2)
	Bzip2 Format = "bzip2" // Julian Seward's bzip2 1.0 format
)

// Detect tells the format of an object from its headers or, when they do
// not say, from its first bytes: Content-Encoding first (the stored
// bytes are the coded form of Content-Type, RFC 9110 §8.4), then
// Content-Type, then the magic bytes. It returns "" for an object that is
// none of them, and unsupported for a Content-Encoding it cannot undo
// (br, zstd, compress).
func Detect(h http.Header, head []byte) (f Format, unsupported string) {
	if ce := strings.ToLower(strings.TrimSpace(h.Get("Content-Encoding"))); ce != "" && ce != "identity" {
		switch ce {
		case "gzip", "x-gzip": // x-gzip: RFC 9110 §8.4.1.3
			return Gzip, ""
		case "deflate":
			return Zlib, ""
		}
		return "", ce
	}
	if t, _, err := mime.ParseMediaType(h.Get("Content-Type")); err == nil {
		switch t {
		case "application/gzip", "application/x-gzip": // RFC 6713 §3
			return Gzip, ""
		case "application/zlib": // RFC 6713 §2
			return Zlib, ""
		case "application/x-bzip2", "application/x-bzip":
			return Bzip2, ""
		}
	}
	return magic(head), ""
}

// magic tells the format from the first bytes.
func magic(b []byte) Format {
	switch {
	case len(b) >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8:
		// ID1 ID2 and CM 8, deflate (RFC 1952 §2.3.1).
		return Gzip
	case len(b) >= 4 && string(b[:3]) == "BZh" && '1' <= b[3] && b[3] <= '9':
		// "BZh" and the block size, 1 to 9 hundred kB (bzip2's
		// decompress.c; Go's compress/bzip2 reads the same).
		return Bzip2
	case len(b) >= 2 && b[0]&0x0f == 8 && b[0]>>4 <= 7 && (int(b[0])<<8|int(b[1]))%31 == 0:
		// CMF with CM 8 and CINFO at most 7, and FCHECK making CMF·256+FLG
		// a multiple of 31 (RFC 1950 §2.2).
		return Zlib
	}
	return ""
}
