package wgortest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Response is the answer to a GetObject through the access point, read
// whole.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// GetObject makes a GetObject of key through the access point, with the
// extra request headers header (a Range, say), and reads the answer whole.
// When the transfer breaks off (the function failed midway), it returns
// the response read so far and an error.
func (s *Server) GetObject(ctx context.Context, key string, header http.Header) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+(&url.URL{Path: "/" + key}).EscapedPath(), nil)
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
	if err != nil {
		return r, fmt.Errorf("wgortest: GetObject %q: the response broke off after %d bytes: %w", key, len(body), err)
	}
	return r, nil
}
