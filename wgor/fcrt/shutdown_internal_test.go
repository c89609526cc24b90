package fcrt

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCustomRuntimeShutsDownGracefully: once asked to stop, the runtime
// takes no new invocation, lets the one in flight answer, and leaves no
// goroutine behind.
func TestCustomRuntimeShutsDownGracefully(t *testing.T) {
	var got []byte
	oss := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body) // no signature check: the signing is tested elsewhere
	}))
	defer oss.Close()
	before := runtime.NumGoroutine()

	entered, release := make(chan struct{}), make(chan struct{})
	h := HandlerFunc(func(_ context.Context, w ResponseWriter, _ *Invocation) error {
		close(entered)
		<-release
		_, err := io.WriteString(w, "finished after the stop")
		return err
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- newRunner(h, &Options{Logger: slog.New(slog.DiscardHandler)}).serveCustom(ctx, l) }()

	ev, _ := json.Marshal(map[string]any{"getObjectContext": map[string]string{"outputRoute": oss.URL, "outputToken": "t"}})
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/invoke", bytes.NewReader(ev))
	req.Header.Set("x-fc-access-key-id", "AK")
	req.Header.Set("x-fc-access-key-secret", "SK")
	req.Header.Set("x-fc-region", "cn-hangzhou")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	answered := make(chan *http.Response, 1)
	go func() {
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		answered <- resp
	}()
	<-entered
	stop()
	// The listener closes at once: no new invocation.
	require.Eventually(t, func() bool {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err != nil
	}, 5*time.Second, 10*time.Millisecond)
	close(release)
	resp := <-answered
	require.NotNil(t, resp, "the invocation in flight must be answered")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "finished after the stop", string(got))
	select {
	case err := <-served:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("serveCustom did not return")
	}
	tr.CloseIdleConnections()
	oss.Close()
	for range 200 {
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
}

// TestRuntimeAPIShutdownBoundsTheInvocationsInFlight: at shutdown an
// invocation in flight has ShutdownGrace; then its context ends, and a
// handler that ignores even that is reported instead of waited for.
func TestRuntimeAPIShutdownBoundsTheInvocationsInFlight(t *testing.T) {
	defer func(g time.Duration) { shutdownGrace = g }(shutdownGrace)
	shutdownGrace = 100 * time.Millisecond
	oss := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer oss.Close()
	for _, tc := range []struct {
		name    string
		honours bool
		want    string
	}{
		{"a handler that honours its context", true, ""},
		{"a handler that ignores it", false, "handlers still running"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			entered, release := make(chan struct{}), make(chan struct{})
			defer close(release)
			posted := make(chan string, 1)
			served := false
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost {
					posted <- r.URL.Path
					return
				}
				if served {
					<-r.Context().Done()
					return
				}
				served = true
				ev, _ := json.Marshal(map[string]any{"getObjectContext": map[string]string{"outputRoute": oss.URL, "outputToken": "t"}})
				h := w.Header()
				h.Set("x-fc-request-id", "r1")
				h.Set("x-fc-function-deadline", strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
				h.Set("x-fc-function-timeout", "60")
				h.Set("x-fc-access-key-id", "AK")
				h.Set("x-fc-access-key-secret", "SK")
				h.Set("x-fc-region", "cn-hangzhou")
				w.Write(ev)
			}))
			defer api.Close()
			h := HandlerFunc(func(ctx context.Context, w ResponseWriter, _ *Invocation) error {
				close(entered)
				if tc.honours {
					<-ctx.Done()
					return ctx.Err()
				}
				<-release
				return nil
			})
			ctx, stop := context.WithCancel(context.Background())
			done := make(chan error, 1)
			r := newRunner(h, &Options{Logger: slog.New(slog.DiscardHandler)})
			go func() { done <- r.pollRuntimeAPI(ctx, strings.TrimPrefix(api.URL, "http://")) }()
			<-entered
			start := time.Now()
			stop()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("run did not return")
			}
			assert.Less(t, time.Since(start), 3*time.Second)
			if tc.want == "" {
				assert.NoError(t, err)
				assert.Equal(t, "/2020-11-11/runtime/invocation/r1/error", <-posted)
			} else {
				assert.ErrorContains(t, err, tc.want)
			}
		})
	}
}

// TestRuntimeAPIRunsTheInvocationHandedOverAsItStops: an invocation the
// runtime API handed over just as the runtime was asked to stop is run
// and answered, not dropped: the runtime API counts it as delivered, and
// its caller would wait for the function's timeout.
func TestRuntimeAPIRunsTheInvocationHandedOverAsItStops(t *testing.T) {
	oss := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer oss.Close()
	posted := make(chan string, 1)
	var polls atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posted <- r.URL.Path
			return
		}
		if polls.Add(1) > 1 {
			<-r.Context().Done()
			return
		}
		ev, _ := json.Marshal(map[string]any{"getObjectContext": map[string]string{"outputRoute": oss.URL, "outputToken": "t"}})
		for k, v := range map[string]string{"x-fc-request-id": "r1", "x-fc-function-timeout": "60", "x-fc-access-key-id": "AK",
			"x-fc-access-key-secret": "SK", "x-fc-region": "cn-hangzhou",
			"x-fc-function-deadline": strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10)} {
			w.Header().Set(k, v)
		}
		w.Write(ev)
	}))
	defer api.Close()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	r := newRunner(HandlerFunc(func(context.Context, ResponseWriter, *Invocation) error { return nil }),
		&Options{Logger: slog.New(slog.DiscardHandler)})
	var readies atomic.Int32
	r.ready = func() { // once as the first poll is sent, once as its answer is back
		if readies.Add(1) == 2 {
			stop() // the answer is read, not yet looked at
		}
	}
	require.NoError(t, r.pollRuntimeAPI(ctx, strings.TrimPrefix(api.URL, "http://")))
	select {
	case p := <-posted:
		assert.Equal(t, "/2020-11-11/runtime/invocation/r1/response", p)
	default:
		t.Fatal("the invocation handed over was never answered")
	}
}
