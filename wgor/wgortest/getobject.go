package wgortest

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/sign"
)

// Response is the answer to a GetObject through the access point, read
// whole.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte

	// Code and Message are those of OSS's XML error document when the
	// body is one, for a status of 300 or more. RequestID is the answer's
	// x-oss-request-id, else the document's.
	Code, Message, RequestID string
}

// GetObject makes a GetObject of key through the access point, with the
// extra request headers header (a Range, say), and reads the answer whole.
// When the transfer breaks off (the function failed midway), it returns
// the response read so far and an error.
func (s *Server) GetObject(ctx context.Context, key string, header http.Header) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+(&url.URL{Path: "/" + key}).EscapedPath(), nil)
	if err != nil {
		return nil, fmt.Errorf("wgortest: GetObject %q: %w", key, err)
	}
	for k, vs := range header {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("wgortest: GetObject %q: %w", key, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	r := &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: body}
	var doc oss.ErrorDoc
	if r.StatusCode >= 300 && r.StatusCode != http.StatusNotModified {
		doc, _ = oss.ParseErrorDoc(bytes.NewReader(body), maxAnswer)
	}
	r.Code, r.Message, r.RequestID = doc.Code, doc.Message, cmp.Or(resp.Header.Get(oss.HeaderRequestID), doc.RequestID)
	if err != nil {
		return r, fmt.Errorf("wgortest: GetObject %q: the response broke off after %d bytes: %w", key, len(body), err)
	}
	return r, nil
}

// withHeaders sets Config.Headers on h's 200 and 206 answers to reads of
// the originals, which are presigned (x-oss-signature).
func withHeaders(headers map[string]http.Header, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if set, ok := headers[strings.TrimPrefix(r.URL.Path, "/")]; ok && r.URL.Query().Has(sign.QuerySignature) {
			hw := &hookWriter{ResponseWriter: w}
			hw.before = func(status int) {
				if status == http.StatusOK || status == http.StatusPartialContent {
					for k, vs := range set {
						hw.Header()[http.CanonicalHeaderKey(k)] = vs
					}
				}
			}
			w = hw
		}
		h.ServeHTTP(w, r)
	})
}
