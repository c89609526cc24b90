package fcrt

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/internal/redact"
)

// Original is the original object, read from the event's inputOssUrl, a
// URL presigned by OSS. Body streams; nothing is buffered.
type Original struct {
	StatusCode    int         // 200, or 304 for a conditional read that matched
	Header        http.Header // Content-Type, Content-Length, ETag, Last-Modified, …
	ContentLength int64       // -1 when unknown
	Body          io.ReadCloser
}

// OriginalError is OSS's refusal to serve the original object (404
// NoSuchKey, 403 AccessDenied…). Returned by a handler before it wrote
// anything, it answers the caller with the same status (500 when OSS does
// not accept it, see ValidStatus), code and message.
type OriginalError struct {
	StatusCode int
	Code       string // OSS's error code, such as NoSuchKey; empty when the body was not OSS's XML error
	Message    string
	RequestID  string // OSS's x-oss-request-id
}

// Error describes the refusal.
func (e *OriginalError) Error() string {
	s := "fcrt: read the original object: HTTP " + strconv.Itoa(e.StatusCode)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RequestID != "" {
		s += " (request ID " + e.RequestID + ")"
	}
	return s
}

// defaultRedirects is net/http's policy for a Client without CheckRedirect:
// at most 10 redirects.
func defaultRedirects(_ *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

// ErrNoOriginal is returned by OpenOriginal when the event has no
// inputOssUrl.
var ErrNoOriginal = errors.New("fcrt: the event has no getObjectContext.inputOssUrl: the original object cannot be read")

// OpenOriginal GETs the original object from the event's inputOssUrl, with
// header (a Range, an If-None-Match) when not nil; the caller closes Body.
// The body is the object's bytes as stored (gzip-encoded stays so, with its
// Content-Encoding) unless header sets Accept-Encoding. OSS's errors are an
// *OriginalError. Errors never show the URL's query, which holds a
// signature.
func OpenOriginal(ctx context.Context, inv *Invocation, header http.Header) (*Original, error) {
	u := inv.Event.GetObjectContext.InputOSSURL
	if u == "" {
		return nil, ErrNoOriginal
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("fcrt: getObjectContext.inputOssUrl is not a URL")
	}
	for k, vs := range header {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	if req.Header.Get("Accept-Encoding") == "" {
		// Unset, net/http asks for gzip and decodes it, dropping
		// Content-Encoding and Content-Length (Transport's
		// DisableCompression); asked for gzip, OSS compresses text itself
		// and sends no ETag or Content-Length (OSS FAQ "How do I compress
		// objects that I download from OSS in the GZIP format?").
		req.Header.Set("Accept-Encoding", "identity")
	}
	hc := *cmp.Or(inv.httpClient, defaultHTTPClient()) // a copy, whose redirects drop the Referer
	check := hc.CheckRedirect
	if check == nil {
		check = defaultRedirects
	}
	hc.CheckRedirect = func(next *http.Request, via []*http.Request) error {
		next.Header.Del("Referer") // net/http sets it to the presigned URL, signature and all
		return check(next, via)
	}
	scrub := redact.New(u) // its signature and security token
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // *url.Error quotes the presigned URL whole
		}
		return nil, scrub.Errorf("fcrt: read the original object from %s: %w", req.URL.Host, err)
	}
	if resp.StatusCode/100 == 2 || resp.StatusCode == http.StatusNotModified {
		return &Original{StatusCode: resp.StatusCode, Header: resp.Header, ContentLength: resp.ContentLength, Body: resp.Body}, nil
	}
	defer resp.Body.Close()
	// OSS's error document (OSS API reference "Error responses"); a body
	// that is not one leaves the fields empty.
	doc, _ := oss.ParseErrorDoc(resp.Body, 64<<10)
	e := &OriginalError{StatusCode: resp.StatusCode, Code: scrub.String(doc.Code), Message: scrub.String(doc.Message),
		RequestID: cmp.Or(resp.Header.Get(oss.HeaderRequestID), scrub.String(doc.RequestID))}
	return nil, e
}
