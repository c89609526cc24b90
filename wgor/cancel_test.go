package wgor_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor"
)

// promptly is how soon Write must return once its context ends.
const promptly = 100 * time.Millisecond

// stallingServer reads stallAfter bytes of each body, reports it on
// stalled, then stops reading until the test ends.
func stallingServer(t *testing.T, stallAfter int64) (srv *httptest.Server, stalled <-chan struct{}, release func()) {
	st := make(chan struct{}, 1)
	rel := make(chan struct{})
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.CopyN(io.Discard, r.Body, stallAfter)
		st <- struct{}{}
		<-rel
	}))
	var once sync.Once
	release = func() { once.Do(func() { close(rel); srv.Close() }) }
	t.Cleanup(release)
	return srv, st, release
}

func TestWriteStopsPromptlyWhenTheServerStallsMidBody(t *testing.T) {
	tests := []struct {
		name     string
		body     func() io.Reader
		declared int64 // -1: unknown, spooled
	}{
		{"stream of unknown length", func() io.Reader { return &zeros{left: 1 << 40} }, 0},
		{"stream of declared length", func() io.Reader { return &zeros{left: 1 << 40} }, 1 << 40},
		{"in-memory body", func() io.Reader { return bytes.NewReader(make([]byte, 256<<20)) }, 0},
		{"spooled stream", func() io.Reader { return &zeros{left: 64 << 20} }, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := runtime.NumGoroutine()
			srv, stalled, release := stallingServer(t, 1<<20)
			tr := newTransport()
			c := &wgor.Client{HTTPClient: &http.Client{Transport: tr}, Credentials: testCreds(), Region: testRegion}

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			errc := make(chan error, 1)
			go func() {
				_, err := c.Write(ctx, &wgor.Response{Route: srv.URL, Token: testToken, Status: 200, Body: tt.body(), ContentLength: max(tt.declared, 0), Chunked: tt.declared >= 0})
				errc <- err
			}()
			select {
			case <-stalled:
			case err := <-errc:
				t.Fatalf("Write returned before the server stalled: %v", err)
			}
			time.Sleep(20 * time.Millisecond) // let the client block on the full connection
			stop := time.Now()
			cancel()
			var err error
			select {
			case err = <-errc:
			case <-time.After(10 * time.Second):
				t.Fatal("Write did not return after its context ended")
			}
			elapsed := time.Since(stop)
			t.Logf("returned %v after cancel: %v", elapsed, err)
			assert.ErrorIs(t, err, context.Canceled)
			assert.Less(t, elapsed, promptly, "Write returned %v after its context ended", elapsed)
			assert.Empty(t, leaked(err.Error(), testToken, testSecret, testSecurityToken))

			release()
			tr.CloseIdleConnections()
			waitGoroutines(t, base)
		})
	}
}

func TestWriteStopsPromptlyAtItsDeadline(t *testing.T) {
	base := runtime.NumGoroutine()
	srv, _, release := stallingServer(t, 1<<20)
	tr := newTransport()
	c := &wgor.Client{HTTPClient: &http.Client{Transport: tr}, Credentials: testCreds(), Region: testRegion}
	deadline := time.Now().Add(300 * time.Millisecond)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	_, err := c.Write(ctx, &wgor.Response{Route: srv.URL, Token: testToken, Status: 200, Body: &zeros{left: 1 << 40}, Chunked: true})
	late := time.Since(deadline)
	t.Logf("returned %v after the deadline: %v", late, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, late, promptly, "Write returned %v after its deadline", late)

	release()
	tr.CloseIdleConnections()
	waitGoroutines(t, base)
}

// blockingReader blocks in Read until unblock is closed, and cannot be
// closed.
type blockingReader struct{ unblock chan struct{} }

func (b blockingReader) Read([]byte) (int, error) {
	<-b.unblock
	return 0, io.ErrUnexpectedEOF
}

func TestWriteReturnsPromptlyWhileABodyReadBlocks(t *testing.T) {
	t.Run("closable body is closed", func(t *testing.T) {
		base := runtime.NumGoroutine()
		f := newFakeOSS(t)
		c := f.client()
		pr, pw := io.Pipe() // nothing is ever written
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Write(ctx, f.response(pr))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 50*time.Millisecond+promptly)
		_, werr := pw.Write([]byte("late"))
		assert.ErrorIs(t, werr, io.ErrClosedPipe, "the producer learns that nobody reads")

		f.srv.Close()
		c.HTTPClient.Transport.(*http.Transport).CloseIdleConnections()
		waitGoroutines(t, base)
	})
	t.Run("body that can neither return nor be closed", func(t *testing.T) {
		base := runtime.NumGoroutine()
		f := newFakeOSS(t)
		c := f.client()
		body := blockingReader{unblock: make(chan struct{})}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Write(ctx, f.response(body))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 50*time.Millisecond+promptly)

		// The goroutine net/http reads with is released when the Read
		// returns.
		close(body.unblock)
		f.srv.Close()
		c.HTTPClient.Transport.(*http.Transport).CloseIdleConnections()
		waitGoroutines(t, base)
	})
}

func TestWriteLeavesNoGoroutineBehind(t *testing.T) {
	f := newFakeOSS(t)
	tr := newTransport()
	c := f.client()
	c.HTTPClient = &http.Client{Transport: tr}
	base := runtime.NumGoroutine()
	for _, body := range []io.Reader{nil, bytes.NewReader(pattern(1000)), onlyReader{bytes.NewReader(pattern(100_000))}} {
		_, err := c.Write(context.Background(), f.response(body))
		require.NoError(t, err)
	}
	tr.CloseIdleConnections()
	waitGoroutines(t, base)
}
