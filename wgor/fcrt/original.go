package fcrt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/internal/redact"
)

// Original is the original object, read from the event's inputOssUrl: a
// URL, presigned by OSS, from which the function can GET the object the
// caller asked for (S3 Object Lambda's twin is inputS3Url). Body streams;
// nothing is buffered.
type Original struct {
	StatusCode    int         // 200, or 304 for a conditional read that matched
	Header        http.Header // Content-Type, Content-Length, ETag, Last-Modified, …
	ContentLength int64       // -1 when unknown
	Body          io.ReadCloser
}

// OriginalError is OSS's refusal to serve the original object: 404
// NoSuchKey, 403 AccessDenied and so on. Returned by a handler before it
// wrote anything, it answers the GetObject caller with the same status
// (500 when OSS does not accept that status for WriteGetObjectResponse),
// code and message.
type OriginalError struct {
	StatusCode int
	Code       string // OSS's error code, such as NoSuchKey; empty when the body was not OSS's XML error
	Message    string
	RequestID  string // OSS's x-oss-request-id
}

// Error describes the refusal.
func (e *OriginalError) Error() string {
	var b strings.Builder
	b.WriteString("fcrt: read the original object: HTTP ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request ID " + e.RequestID + ")")
	}
	return b.String()
}

// ErrNoOriginal is returned by OpenOriginal when the event has no
// inputOssUrl.
var ErrNoOriginal = errors.New("fcrt: the event has no getObjectContext.inputOssUrl: the original object cannot be read")

// OpenOriginal GETs the original object from the event's inputOssUrl and
// returns it with its body unread; the caller closes Body. The body is the
// object's bytes as stored: an object stored gzip-encoded arrives so, with
// its Content-Encoding, unless header asks otherwise. header, when not
// nil, is sent with the request (a Range, an If-None-Match). OSS's
// errors are an *OriginalError. Errors never show the URL's query, which
// holds a signature.
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
		// The object's bytes as stored. Left unset, net/http's Transport
		// asks for gzip and decodes a gzip answer itself, dropping its
		// Content-Encoding and Content-Length; a request that sets
		// Accept-Encoding gets the body as sent (net/http, Transport's
		// DisableCompression). Asked for gzip, OSS also compresses text
		// objects of 1 KB or more itself and then sends no ETag,
		// Content-Length or Accept-Ranges (OSS FAQ "How do I compress
		// objects that I download from OSS in the GZIP format?").
		req.Header.Set("Accept-Encoding", "identity")
	}
	hc := inv.httpClient
	if hc == nil {
		hc = defaultHTTPClient()
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
	e := &OriginalError{StatusCode: resp.StatusCode, RequestID: resp.Header.Get(oss.HeaderRequestID)}
	// OSS's error document (OSS API reference "Error responses"); a body
	// that is not one leaves the fields empty.
	doc, _ := oss.ParseErrorDoc(resp.Body, 64<<10)
	e.Code, e.Message = scrub.String(doc.Code), scrub.String(doc.Message)
	if e.RequestID == "" {
		e.RequestID = scrub.String(doc.RequestID)
	}
	return nil, e
}
