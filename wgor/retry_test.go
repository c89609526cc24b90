package wgor_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor"
)

func TestWriteRetriesOnlyWhatProvablyNeverLeft(t *testing.T) {
	tests := []struct {
		name       string
		failErr    error
		fail       int64
		maxRetries int
		body       func(t *testing.T) io.Reader
		wantDials  int64
		wantOK     bool
	}{
		{"dial refused twice then accepted", refused(), 2, 0, func(*testing.T) io.Reader { return strings.NewReader("replayable") }, 3, true},
		{"dial refused more often than retries allow", refused(), 5, 0, func(*testing.T) io.Reader { return strings.NewReader("replayable") }, 3, false},
		{"one retry allowed", refused(), 5, 1, func(*testing.T) io.Reader { return strings.NewReader("replayable") }, 2, false},
		{"retries disabled", refused(), 5, -1, func(*testing.T) io.Reader { return strings.NewReader("replayable") }, 1, false},
		{"empty body is replayable", refused(), 1, 0, func(*testing.T) io.Reader { return nil }, 2, true},
		{"bytes.Buffer is replayable", refused(), 1, 0, func(*testing.T) io.Reader { return bytes.NewBufferString("replayable") }, 2, true},
		{"regular file from an offset is replayable", refused(), 2, 0, func(t *testing.T) io.Reader {
			path := filepath.Join(t.TempDir(), "body")
			require.NoError(t, os.WriteFile(path, []byte("skip:replayable"), 0o600))
			fh, err := os.Open(path)
			require.NoError(t, err)
			_, err = fh.Seek(5, io.SeekStart)
			require.NoError(t, err)
			return fh
		}, 3, true},
		{"a stream sent chunked cannot be replayed", refused(), 1, 0, func(*testing.T) io.Reader { return chunked{onlyReader{strings.NewReader("stream")}} }, 1, false},
		{"a spooled stream is replayed from the spool", refused(), 1, 0, func(*testing.T) io.Reader { return onlyReader{strings.NewReader("replayable")} }, 2, true},
		{"temporary DNS failure", &net.DNSError{Err: "server misbehaving", Name: testRoute, IsTemporary: true}, 1, 0,
			func(*testing.T) io.Reader { return strings.NewReader("replayable") }, 2, true},
		{"no such host is not retried", &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: testRoute, IsNotFound: true}}, 1, 0,
			func(*testing.T) io.Reader { return strings.NewReader("replayable") }, 1, false},
		{"an error that is not a dial error", errors.New("something else"), 1, 0,
			func(*testing.T) io.Reader { return strings.NewReader("replayable") }, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeOSS(t)
			dial := &dialCounter{fail: tt.fail, failErr: tt.failErr}
			c := f.client()
			c.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: dial.DialContext}}
			c.MaxRetries = tt.maxRetries
			c.RetryBackoff = time.Millisecond
			r := f.response(tt.body(t))
			if ch, ok := r.Body.(chunked); ok {
				r.Body, r.Chunked = ch.Reader, true
			}
			res, err := c.Write(context.Background(), r)
			assert.Equal(t, tt.wantDials, dial.dials.Load(), "dials")
			if !tt.wantOK {
				require.Error(t, err)
				assert.Zero(t, f.hits.Load())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, int(tt.wantDials), res.Attempts)
			got := f.waitRequests(1)
			assert.NoError(t, got[0].VerifyErr, "a retry is signed afresh")
			assert.Equal(t, testToken, got[0].Header.Get("X-Oss-Request-Token"))
			if len(got[0].Body) > 0 {
				assert.Equal(t, "replayable", string(got[0].Body))
			}
		})
	}
}

func TestWriteRetriesADialToAClosedPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	dial := &dialCounter{}
	var logs syncBuffer
	c := &wgor.Client{
		HTTPClient:   &http.Client{Transport: &http.Transport{DialContext: dial.DialContext}},
		Credentials:  testCreds(),
		Region:       testRegion,
		RetryBackoff: time.Millisecond,
		Logger:       newLogger(&logs),
	}
	_, err = c.Write(context.Background(), &wgor.Response{Route: "http://" + addr, Token: testToken, Status: 200, Body: strings.NewReader("x")})
	var opErr *net.OpError
	require.ErrorAs(t, err, &opErr)
	assert.Equal(t, "dial", opErr.Op)
	assert.Equal(t, int64(3), dial.dials.Load(), "the first attempt and two retries")
	assert.Equal(t, 2, strings.Count(logs.String(), "retrying"))
}

// rawServer accepts connections and hands each to serve; it counts them.
func rawServer(t *testing.T, serve func(net.Conn)) (addr string, conns *atomic.Int64) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	conns = new(atomic.Int64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go serve(c)
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return l.Addr().String(), conns
}

func TestWriteDoesNotRetryOnceTheRequestWasWritten(t *testing.T) {
	// The server reads the headers, then hangs up: the token reached it.
	addr, conns := rawServer(t, func(c net.Conn) {
		defer c.Close()
		br := bufio.NewReader(c)
		for {
			line, err := br.ReadString('\n')
			if err != nil || line == "\r\n" {
				return
			}
		}
	})
	for _, body := range []io.Reader{nil, strings.NewReader("replayable"), onlyReader{strings.NewReader("stream")}} {
		conns.Store(0)
		c := &wgor.Client{
			HTTPClient:   &http.Client{Transport: newTransport()},
			Credentials:  testCreds(),
			Region:       testRegion,
			RetryBackoff: time.Millisecond,
		}
		_, err := c.Write(context.Background(), &wgor.Response{Route: "http://" + addr, Token: testToken, Status: 200, Body: body})
		require.Error(t, err)
		assert.Equal(t, int64(1), conns.Load(), "one connection, no retry")
	}
}

func TestWriteDoesNotRetryARefusal(t *testing.T) {
	f := newFakeOSS(t)
	f.respond = func(w http.ResponseWriter, _ *http.Request, _ received) {
		writeOSSError(w, http.StatusInternalServerError, "InternalError", "try again", "", "")
	}
	c := f.client()
	c.RetryBackoff = time.Millisecond
	_, err := c.Write(context.Background(), f.response(strings.NewReader("x")))
	var se *wgor.ServiceError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, int64(1), f.hits.Load())
}

func TestWriteRetriesATLSHandshakeCutShortButNotAnUntrustedCertificate(t *testing.T) {
	t.Run("handshake cut short", func(t *testing.T) {
		addr, _ := rawServer(t, func(c net.Conn) { c.Close() })
		dial := &dialCounter{}
		c := &wgor.Client{
			HTTPClient:   &http.Client{Transport: &http.Transport{DialContext: dial.DialContext, TLSClientConfig: &tls.Config{}}},
			Credentials:  testCreds(),
			Region:       testRegion,
			RetryBackoff: time.Millisecond,
		}
		_, err := c.Write(context.Background(), &wgor.Response{Route: "https://" + addr, Token: testToken, Status: 200})
		require.Error(t, err)
		assert.Equal(t, int64(3), dial.dials.Load())
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			t.Error("the request reached a server whose certificate is not trusted")
		}))
		defer srv.Close()
		dial := &dialCounter{}
		c := &wgor.Client{
			HTTPClient:   &http.Client{Transport: &http.Transport{DialContext: dial.DialContext}},
			Credentials:  testCreds(),
			Region:       testRegion,
			RetryBackoff: time.Millisecond,
		}
		_, err := c.Write(context.Background(), &wgor.Response{Route: srv.URL, Token: testToken, Status: 200})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "certificate")
		assert.Equal(t, int64(1), dial.dials.Load())
	})
	t.Run("server that does not speak TLS", func(t *testing.T) {
		f := newFakeOSS(t)
		dial := &dialCounter{}
		c := &wgor.Client{
			HTTPClient:   &http.Client{Transport: &http.Transport{DialContext: dial.DialContext}},
			Credentials:  testCreds(),
			Region:       testRegion,
			RetryBackoff: time.Millisecond,
		}
		_, err := c.Write(context.Background(), &wgor.Response{Route: "https://" + f.srv.Listener.Addr().String(), Token: testToken, Status: 200})
		var rhe tls.RecordHeaderError
		require.ErrorAs(t, err, &rhe)
		assert.Equal(t, int64(1), dial.dials.Load())
		assert.Zero(t, f.hits.Load())
	})
	t.Run("trusted certificate", func(t *testing.T) {
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
		}))
		defer srv.Close()
		c := &wgor.Client{HTTPClient: srv.Client(), Credentials: testCreds(), Region: testRegion}
		_, err := c.Write(context.Background(), &wgor.Response{Route: srv.URL, Token: testToken, Status: 200, Body: strings.NewReader("over TLS")})
		require.NoError(t, err)
	})
}

func TestWriteStopsRetryingWhenTheContextEnds(t *testing.T) {
	dial := &dialCounter{fail: 100, failErr: refused()}
	c := &wgor.Client{
		HTTPClient:   &http.Client{Transport: &http.Transport{DialContext: dial.DialContext}},
		Credentials:  testCreds(),
		Region:       testRegion,
		MaxRetries:   100,
		RetryBackoff: time.Hour,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Write(ctx, &wgor.Response{Route: "http://127.0.0.1:1", Token: testToken, Status: 200})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, int64(1), dial.dials.Load())
}

// chunked marks a body of a test table to be sent with Response.Chunked.
type chunked struct{ io.Reader }

// A Transport that reports no connection events (one not built on
// net/http's may not) but has read body bytes before it failed has sent
// them: its error must not say that nothing was sent.
func TestATransportThatReadTheBodyNeverMakesErrNotSent(t *testing.T) {
	c := &wgor.Client{Credentials: testCreds(), Region: testRegion, HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		_, err := io.ReadFull(r.Body, make([]byte, 10))
		require.NoError(t, err)
		return nil, errors.New("connection reset mid-body")
	})}}
	pr, pw := io.Pipe()
	go func() { pw.Write(bytes.Repeat([]byte("x"), 100)); pw.Close() }()
	_, err := c.Write(context.Background(), &wgor.Response{Route: "http://127.0.0.1:1", Token: testToken, Status: 200, Body: pr, ContentLength: 100})
	require.ErrorContains(t, err, "after 10 body bytes")
	assert.NotErrorIs(t, err, wgor.ErrNotSent)
}

// Nor does such a Transport's early answer pass for success: a body of
// known length that was not all read was not all sent.
func TestATransportThatAnsweredBeforeReadingTheBodyIsNoSuccess(t *testing.T) {
	c := &wgor.Client{Credentials: testCreds(), Region: testRegion, HTTPClient: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody}, nil
	})}}
	pr, pw := io.Pipe()
	go func() { pw.Write(bytes.Repeat([]byte("x"), 100)); pw.Close() }()
	res, err := c.Write(context.Background(), &wgor.Response{Route: "http://127.0.0.1:1", Token: testToken, Status: 200, Body: pr, ContentLength: 100})
	assert.Nil(t, res)
	assert.ErrorContains(t, err, "before the whole body was sent")
}
