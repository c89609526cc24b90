package fcrt

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/wgor-dev/wgor/internal/oss"
)

// objectHeaders are the forwarded headers (oss.Forwarded) that describe the
// object rather than its bytes, kept by Transform. OSS documents which
// headers may be forwarded, not which a transformation should keep: this
// split is wgor's choice.
var objectHeaders = []string{"Content-Type", "Cache-Control", "Content-Disposition", "Content-Language", "Expires", "Last-Modified"}

// Forward answers with the original object unchanged: its status, the
// forwarded headers OSS documents (OSS API reference
// "WriteGetObjectResponse") with Content-Length, and its body, streamed.
// An error of the original is returned as an *OriginalError.
func Forward(ctx context.Context, w ResponseWriter, inv *Invocation) error {
	orig, err := OpenOriginal(ctx, inv, nil)
	if err != nil {
		return err
	}
	defer orig.Body.Close()
	copyHeaders(w.Header(), orig.Header, append(oss.Forwarded[:], "Content-Length"), true)
	w.WriteHeader(orig.StatusCode)
	if _, err := io.Copy(w, orig.Body); err != nil {
		return fmt.Errorf("fcrt: forward the original object: %w", err)
	}
	return nil
}

// Transform answers with a transformation of the original object: it opens
// the original, copies its headers that still hold for a changed body to
// w.Header() (see CopyObjectHeaders), and calls f with w and the original's
// content, gunzipped when the object is stored with Content-Encoding gzip.
// An error of the original is returned as an *OriginalError before f is
// called. A handler that needs more of the original (its ETag, its length)
// calls OpenOriginal and CopyObjectHeaders itself.
func Transform(ctx context.Context, w ResponseWriter, inv *Invocation, f func(w ResponseWriter, original io.Reader) error) error {
	orig, err := OpenOriginal(ctx, inv, nil)
	if err != nil {
		return err
	}
	defer orig.Body.Close()
	orig.CopyObjectHeaders(w.Header())
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

// CopyObjectHeaders copies to h the original's headers that describe the
// object rather than its bytes, and so still hold for a transformed body:
// Content-Type, Cache-Control, Content-Disposition, Content-Language,
// Expires and Last-Modified, each unless h sets it already. It leaves out
// Content-Length, Content-Encoding, Content-Range, Accept-Ranges and ETag.
func (o *Original) CopyObjectHeaders(h http.Header) {
	copyHeaders(h, o.Header, objectHeaders, false)
}

// copyHeaders copies names from src to dst; over, whether to replace what
// dst sets.
func copyHeaders(dst, src http.Header, names []string, over bool) {
	for _, name := range names {
		name = http.CanonicalHeaderKey(name)
		if _, set := dst[name]; (over || !set) && len(src.Values(name)) > 0 {
			dst[name] = append([]string(nil), src.Values(name)...)
		}
	}
}
