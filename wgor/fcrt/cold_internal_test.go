package fcrt

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCustomRuntimeIsReadyOnceBound: Start's signals are registered when
// the port is bound, not before.
func TestCustomRuntimeIsReadyOnceBound(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	host, port, _ := net.SplitHostPort(addr)
	t.Setenv("FC_RUNTIME_API", "")
	t.Setenv("FC_SERVER_HOST", host)
	t.Setenv("FC_SERVER_PORT", port)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var dialErr error
	ready := make(chan struct{})
	r := newRunner(HandlerFunc(func(context.Context, ResponseWriter, *Invocation) error { return nil }), &Options{Logger: slog.New(slog.DiscardHandler)})
	r.ready = func() {
		var c net.Conn
		if c, dialErr = net.Dial("tcp", addr); dialErr == nil {
			c.Close()
		}
		close(ready)
		cancel()
	}
	require.NoError(t, r.run(ctx))
	select {
	case <-ready:
		assert.NoError(t, dialErr, "the port was bound when ready was called")
	default:
		t.Fatal("ready was never called")
	}
}

// TestRuntimeAPIIsReadyOnceThePollIsSent: with the runtime API, ready comes
// when the first poll was sent, before it is answered.
func TestRuntimeAPIIsReadyOnceThePollIsSent(t *testing.T) {
	ready := make(chan struct{})
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-ready: // the poll is answered only once ready was called
		case <-time.After(5 * time.Second):
		}
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer api.Close()
	t.Setenv("FC_RUNTIME_API", strings.TrimPrefix(api.URL, "http://"))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	var waited time.Duration
	r := newRunner(HandlerFunc(func(context.Context, ResponseWriter, *Invocation) error { return nil }), &Options{Logger: slog.New(slog.DiscardHandler)})
	r.ready = func() {
		if waited == 0 {
			waited = time.Since(start)
			close(ready)
			cancel()
		}
	}
	require.NoError(t, r.run(ctx))
	require.NotZero(t, waited, "ready was called")
	assert.Less(t, waited, 4*time.Second, "ready came before the poll was answered")
}
