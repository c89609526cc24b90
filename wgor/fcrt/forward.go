package fcrt

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Headers of the original that describe the object rather than its bytes,
// forwarded by Transform: a transformed body keeps its type, dates and caching,
// but not its length, encoding, ranges or ETag, all of which describe the
// original bytes. OSS documents which headers may be forwarded (OSS API
// reference "WriteGetObjectResponse"), not which a transformation should keep:
// this split is wgor's choice, and a transform may set any of them again.
var (
	objectHeaders = []string{"Content-Type", "Cache-Control", "Content-Disposition", "Content-Language", "Expires", "Last-Modified"}
	byteHeaders   = []string{"Content-Length", "Content-Encoding", "Content-Range", "Accept-Ranges", "Etag"}
)

// Forward answers with the original object unchanged: its status, the forwarded
// headers OSS documents (OSS API reference "WriteGetObjectResponse") and
// Content-Length, and its body, streamed. An error of the original (404
// NoSuchKey, say) is returned as an *OriginalError, which the runtime answers
// with the same status when the handler returns it.
func Forward(ctx context.Context, w ResponseWriter, inv *Invocation) error {
	orig, err := OpenOriginal(ctx, inv, nil)
	if err != nil {
		return err
	}
	defer orig.Body.Close()
	copyHeaders(w.Header(), orig.Header, objectHeaders)
	copyHeaders(w.Header(), orig.Header, byteHeaders)
	w.WriteHeader(orig.StatusCode)
	if _, err := io.Copy(w, orig.Body); err != nil {
		return fmt.Errorf("fcrt: forward the original object: %w", err)
	}
	return nil
}

// Transform answers with a transformation of the original object. It
// opens the original, copies to w.Header() those of its headers that
// still hold for a changed body (Content-Type, Cache-Control,
// Content-Disposition, Content-Language, Expires, Last-Modified; not
// Content-Length, Content-Encoding, Content-Range, Accept-Ranges or ETag)
// unless the handler set them already, and calls f with w and the
// original's content: its body, decoded when the object is stored
// gzip-encoded (Content-Encoding: gzip), as f transforms the object, not
// its encoding. f may change w.Header() before its first Write, and
// streams what it writes. An error of the original is returned as an
// *OriginalError before f is called.
func Transform(ctx context.Context, w ResponseWriter, inv *Invocation, f func(w ResponseWriter, original io.Reader) error) error {
	orig, err := OpenOriginal(ctx, inv, nil)
	if err != nil {
		return err
	}
	defer orig.Body.Close()
	h := w.Header()
	for _, name := range objectHeaders {
		if _, set := h[name]; !set {
			copyHeaders(h, orig.Header, []string{name})
		}
	}
	if orig.StatusCode == http.StatusNotModified {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if !strings.EqualFold(orig.Header.Get("Content-Encoding"), "gzip") {
		return f(w, orig.Body)
	}
	zr, err := gzip.NewReader(orig.Body)
	if err != nil {
		return fmt.Errorf("fcrt: the original object is stored gzip-encoded, but does not decode: %w", err)
	}
	return f(w, zr)
}

func copyHeaders(dst, src http.Header, names []string) {
	for _, name := range names {
		if vs := src.Values(name); len(vs) > 0 {
			dst[http.CanonicalHeaderKey(name)] = append([]string(nil), vs...)
		}
	}
}
