// Package decompress is a function for an OSS Object FC Access Point that
// answers a gzip, zlib or bzip2 object decompressed. It tells the format
// from Content-Encoding, Content-Type or the first bytes (see Detect).
//
// # A bomb is refused before a byte is sent
//
// A few kilobytes can decompress to terabytes. The output is capped
// (Handler.MaxBytes, DECOMPRESS_MAX_BYTES); past the cap the answer is
// 400 DecompressedTooLarge. That is possible because the output's length
// is unknown until the end, so the runtime spools it (fcrt.Options: 4 MiB
// in memory, the rest in a file) and sends it only when the handler
// returns: an error returned before then replaces the answer. The
// trade-offs: the spool needs disk for the whole output, within the
// process's spool budget (wgor.DefaultSpoolBudget: 256 MiB of disk unless
// WGOR_SPOOL_DISK says more, for Function Compute's temporary disk of
// 512 MB), so an output longer than the budget is refused as too large
// too; and the caller's first byte waits for the whole decompression.
//
// OSS lists no 413 among the statuses a function may answer (OSS API
// reference "WriteGetObjectResponse": 200, 206, 301, 302, 303, 304,
// 400, 401, 403, 404, 405, 409, 411, 412, 416, 500, 503), so too large
// is a 400, its code saying which.
package decompress

import (
	"bufio"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"

	"github.com/wgor-dev/wgor/wgor"
	"github.com/wgor-dev/wgor/wgor/fcrt"
)

// DefaultMaxBytes caps the output when Handler.MaxBytes is zero: 1 GiB.
const DefaultMaxBytes = 1 << 30

// EnvMaxBytes names the environment variable FromEnv reads the cap from.
const EnvMaxBytes = "DECOMPRESS_MAX_BYTES"

// Handler answers a GetObject with the original object decompressed.
// The zero Handler is ready to use.
type Handler struct {
	// MaxBytes caps the decompressed output; zero means DefaultMaxBytes.
	MaxBytes int64
}

// FromEnv returns the Handler the environment configures: the cap from
// DECOMPRESS_MAX_BYTES (bytes) when set.
func FromEnv() (Handler, error) {
	var h Handler
	if v := os.Getenv(EnvMaxBytes); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return h, fmt.Errorf("decompress: %s=%q is not a positive number of bytes", EnvMaxBytes, v)
		}
		h.MaxBytes = n
	}
	return h, nil
}

// ServeGetObject answers with the original, decompressed.
func (h Handler) ServeGetObject(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
	orig, err := fcrt.OpenOriginal(ctx, inv, nil)
	if err != nil {
		return err // 404 NoSuchKey and the like, passed through
	}
	defer orig.Body.Close()
	src := &sourceReader{r: orig.Body}
	body := bufio.NewReaderSize(src, 64<<10)
	head, _ := body.Peek(4) // an error shows again at the next read
	format, unsupported := Detect(orig.Header, head)
	switch {
	case unsupported != "":
		return fcrt.Error(http.StatusBadRequest, "UnsupportedCompression",
			"The object is stored with Content-Encoding "+strconv.Quote(unsupported)+": decompress reads gzip, zlib (deflate) and bzip2.")
	case format == "":
		return fcrt.Error(http.StatusBadRequest, "NotCompressed",
			"The object is not gzip, zlib or bzip2: neither its Content-Encoding, its Content-Type nor its first bytes say so.")
	}
	dec, err := open(format, body)
	if err != nil {
		return invalid(src, format, err)
	}
	out := bufio.NewReaderSize(dec, 64<<10)
	orig.CopyObjectHeaders(w.Header())
	// Content-Disposition's file name names the original's format: not kept.
	w.Header().Del("Content-Disposition")
	w.Header().Set("Content-Type", contentType(orig.Header, out))
	return h.copy(w, out, src, format)
}

// copy writes the output to w, up to the cap. No Content-Length is set,
// so w spools it and an error returned here is still the answer.
func (h Handler) copy(w io.Writer, dec io.Reader, src *sourceReader, format Format) error {
	max := h.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	buf := make([]byte, 64<<10)
	var total int64
	for {
		n, err := dec.Read(buf)
		if total += int64(n); total > max {
			return fcrt.Error(http.StatusBadRequest, "DecompressedTooLarge",
				fmt.Sprintf("The object decompresses to more than %d bytes, the most this function answers (%s).", max, EnvMaxBytes))
		}
		if _, werr := w.Write(buf[:n]); werr != nil {
			if errors.Is(werr, wgor.ErrSpoolTooLarge) {
				// Longer than the process's whole spool budget: it can
				// never be sent, whatever the cap says.
				return fcrt.Error(http.StatusBadRequest, "DecompressedTooLarge",
					"The object decompresses to more than this function can hold to answer (its spool budget, WGOR_SPOOL_DISK).")
			}
			return werr // the spool failed (a full disk, say)
		}
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return invalid(src, format, err)
		}
	}
}

// open starts decoding the format.
func open(f Format, r io.Reader) (io.Reader, error) {
	switch f {
	case Gzip:
		return gzip.NewReader(r) // members one after another are read as one stream (RFC 1952 §2.2)
	case Zlib:
		return zlib.NewReader(r)
	}
	return bzip2.NewReader(r), nil
}

// invalid is the answer to a decoder's error: the original's own read
// error when that was the cause (a 500, not the caller's fault), else 400
// InvalidCompressedData.
func invalid(src *sourceReader, f Format, err error) error {
	if src.err != nil {
		return src.err
	}
	return fcrt.Error(http.StatusBadRequest, "InvalidCompressedData",
		fmt.Sprintf("The object is not valid %s data: %v.", f, err))
}

// contentType is the output's type: the original's Content-Type when it
// was stored with a Content-Encoding (the type is then the decoded
// content's, RFC 9110 §8.4), else sniffed from the output's first bytes
// (the WHATWG MIME Sniffing algorithm, http.DetectContentType).
func contentType(h http.Header, out *bufio.Reader) string {
	if ce := h.Get("Content-Encoding"); ce != "" && h.Get("Content-Type") != "" {
		return h.Get("Content-Type")
	}
	head, _ := out.Peek(512) // an error shows again at the next read
	return http.DetectContentType(head)
}

// sourceReader keeps the error of the original's body, to tell a failed
// read from a corrupt object.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}
