package accesspoint

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakePNG stands for the red PNG of the seed example: bytes that are not
// text, so that a relay that altered them would show.
var fakePNG = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0xff, 0x00, 0x00, 0x0a, 0x0d}, 200)...)

func TestGetObjectRelaysTheFunctionsResponse(t *testing.T) {
	const notFound = `<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error><Code>NoSuchKey</Code></Error>"
	tests := []struct {
		name        string
		reply       reply
		wantStatus  int
		wantHeaders map[string]string
		wantBody    []byte
		wantLength  int64 // the caller's Content-Length; -1 for chunked
	}{
		{
			name: "image with fixed length",
			reply: reply{
				headers: map[string]string{"Content-Type": "image/png", "ETag": `"abc"`, "Cache-Control": "no-cache"},
				body:    bytes.NewReader(fakePNG),
			},
			wantStatus:  200,
			wantHeaders: map[string]string{"Content-Type": "image/png", "Etag": `"abc"`, "Cache-Control": "no-cache"},
			wantBody:    fakePNG,
			wantLength:  int64(len(fakePNG)),
		},
		{
			name:        "image chunked",
			reply:       reply{headers: map[string]string{"Content-Type": "image/png"}, body: bytes.NewReader(fakePNG), chunked: true},
			wantStatus:  200,
			wantHeaders: map[string]string{"Content-Type": "image/png"},
			wantBody:    fakePNG,
			wantLength:  -1,
		},
		{
			name: "partial content with Content-Range",
			reply: reply{
				status:  "206",
				headers: map[string]string{"Content-Range": "bytes 0-9/1010", "Accept-Ranges": "bytes", "Content-Type": "image/png"},
				body:    bytes.NewReader(fakePNG[:10]),
			},
			wantStatus:  206,
			wantHeaders: map[string]string{"Content-Range": "bytes 0-9/1010", "Accept-Ranges": "bytes"},
			wantBody:    fakePNG[:10],
			wantLength:  10,
		},
		{
			name:        "not found with an XML body",
			reply:       reply{status: "404", headers: map[string]string{"Content-Type": "application/xml"}, body: bytes.NewReader([]byte(notFound))},
			wantStatus:  404,
			wantHeaders: map[string]string{"Content-Type": "application/xml"},
			wantBody:    []byte(notFound),
			wantLength:  int64(len(notFound)),
		},
		{
			name: "all documented headers and a custom one",
			reply: reply{headers: map[string]string{
				"Content-Disposition": `attachment; filename="a.png"`, "Content-Encoding": "identity",
				"Content-Language": "en", "Expires": "Thu, 01 Dec 2033 16:00:00 GMT",
				"Last-Modified": "Mon, 02 Jan 2006 15:04:05 GMT", "x-oss-meta-owner": "wgor",
			}, body: bytes.NewReader([]byte("x"))},
			wantStatus: 200,
			wantHeaders: map[string]string{
				"Content-Disposition": `attachment; filename="a.png"`, "Content-Encoding": "identity",
				"Content-Language": "en", "Expires": "Thu, 01 Dec 2033 16:00:00 GMT",
				"Last-Modified": "Mon, 02 Jan 2006 15:04:05 GMT", "X-Oss-Meta-Owner": "wgor",
			},
			wantBody:   []byte("x"),
			wantLength: 1,
		},
		{
			name:        "empty body without a content type",
			reply:       reply{},
			wantStatus:  200,
			wantHeaders: map[string]string{"Content-Type": ""},
			wantBody:    []byte{},
			wantLength:  0,
		},
		{
			name:       "not modified drops the body",
			reply:      reply{status: "304", body: bytes.NewReader([]byte("dropped"))},
			wantStatus: 304,
			wantBody:   []byte{},
			wantLength: 0,
		},
		{
			name: "Content-MD5 that matches, as the official SDK sends",
			reply: reply{body: bytes.NewReader(fakePNG), before: func(r *http.Request) {
				sum := md5.Sum(fakePNG)
				r.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
				r.Header.Set("Content-Type", "application/xml")
			}},
			wantStatus: 200,
			wantBody:   fakePNG,
			wantLength: int64(len(fakePNG)),
		},
		{
			name: "hop-by-hop and framing headers are not forwarded",
			reply: reply{
				headers: map[string]string{"Content-Length": "999", "Connection": "close", "Transfer-Encoding": "gzip"},
				body:    bytes.NewReader([]byte("abc")),
			},
			wantStatus: 200,
			wantBody:   []byte("abc"),
			wantLength: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answers := make(chan answer, 1)
			s := start(t, Config{AllowChunked: true, Function: replying(t, tt.reply, answers)})

			resp, body, err := get(t, s, "photo.png", nil)
			require.NoError(t, err)

			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, tt.wantBody, body)
			assert.Equal(t, tt.wantLength, resp.ContentLength)
			for name, want := range tt.wantHeaders {
				assert.Equal(t, want, resp.Header.Get(name), "header %s", name)
			}
			assert.Regexp(t, requestIDPattern, resp.Header.Get("x-oss-request-id"))
			assert.Empty(t, resp.Header.Get("Connection"))

			a := receive(t, answers)
			require.NoError(t, a.err)
			assert.Equal(t, http.StatusOK, a.status, "WriteGetObjectResponse answer: %s", a.body)
			assert.Regexp(t, requestIDPattern, a.header.Get("x-oss-request-id"))
		})
	}
}

func TestRelayAbortsWhenTheBodyIsNotWhatWasSent(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 1000)
	wrong := md5.Sum([]byte("something else"))
	withWrongMD5 := func(r *http.Request) {
		r.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(wrong[:]))
	}
	tests := []struct {
		name     string
		reply    reply
		cut      int    // > 0: the connection closes after this many body bytes
		wantCode string // the code answered to the function
	}{
		{
			name:     "body shorter than its Content-Length",
			reply:    reply{body: bytes.NewReader(body)},
			cut:      500,
			wantCode: CodeIncompleteBody,
		},
		{
			name:     "chunked body that breaks off",
			reply:    reply{body: bytes.NewReader(body), chunked: true},
			cut:      500,
			wantCode: CodeIncompleteBody,
		},
		{
			name:     "Content-MD5 that does not match, fixed length",
			reply:    reply{body: bytes.NewReader(body), before: withWrongMD5},
			wantCode: CodeInvalidDigest,
		},
		{
			name:     "Content-MD5 that does not match, chunked",
			reply:    reply{body: bytes.NewReader(body), chunked: true, before: withWrongMD5},
			wantCode: CodeInvalidDigest,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answers := make(chan answer, 1)
			fn := replying(t, tt.reply, answers)
			if tt.cut > 0 {
				fn = func(ctx context.Context, inv *Invocation) error {
					answers <- sendCut(ctx, inv, parseEvent(t, inv), tt.reply, tt.cut)
					return nil
				}
			}
			s := start(t, Config{AllowChunked: true, Function: fn})

			resp, got, err := get(t, s, "k", nil)
			require.Error(t, err, "the caller must see a broken transfer; got %d %q", resp.StatusCode, got)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Less(t, len(got), len(body))
			assert.Equal(t, body[:len(got)], got, "what arrived is a prefix of what was sent")

			a := receive(t, answers)
			require.NoError(t, a.err)
			if tt.cut > 0 { // the raw answer on the half-closed connection
				assert.True(t, strings.HasPrefix(a.body, "HTTP/1.1 400 "), a.body)
				assert.Contains(t, a.body, "<Code>"+tt.wantCode+"</Code>")
			} else {
				assert.Equal(t, http.StatusBadRequest, a.status)
				assert.Equal(t, tt.wantCode, parseXMLError(t, a.body).Code)
			}
		})
	}
}

// sendCut sends rp over a connection of its own and closes it after cut
// bytes of the body (counted in the encoded body for a chunked one), as a
// function that crashed mid-response would.
func sendCut(ctx context.Context, inv *Invocation, ev event, rp reply, cut int) answer {
	req, err := build(ctx, inv, ev, rp)
	if err != nil {
		return answer{err: err}
	}
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		return answer{err: err}
	}
	headEnd := bytes.Index(wire.Bytes(), []byte("\r\n\r\n")) + 4
	conn, err := net.Dial("tcp", req.URL.Host)
	if err != nil {
		return answer{err: err}
	}
	defer conn.Close()
	if _, err = conn.Write(wire.Bytes()[:headEnd+cut]); err != nil {
		return answer{err: err}
	}
	// Half-close, then wait for the emulator to give up on the body, so
	// that the function does not return before its response was taken.
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		return answer{err: err}
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(conn)
	return answer{body: string(b), err: err}
}
