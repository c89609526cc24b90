package accesspoint

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The Go runtime API's paths (github.com/aliyun/fc-runtime-go-sdk v0.3.1,
// fc/runtime_api_client.go: apiVersion "2020-11-11").
const runtimeAPIPrefix = "/2020-11-11/runtime/invocation/"

// Bounds of what the runtime API reads from a function.
const (
	// Function Compute, "Limits": a synchronous payload is at most 32 MB.
	// The result is discarded: OSS ignores an Object FC function's result.
	maxInvocationResult = 32 << 20
	// An /error report is a message and at most 32 stack frames
	// (fc/panic.go); 1 MiB is the emulator's choice.
	maxInvocationError = 1 << 20
)

// The values the runtime API sends about the function: placeholders, as
// the emulator runs no real instance.
const (
	DefaultFunctionName = "wgor-function"
	DefaultAccountID    = "1000000000000000"
)

// RuntimeAPI is the emulator's side of Function Compute's Go runtime API,
// which a function built with fc.Start (github.com/aliyun/fc-runtime-go-sdk)
// long-polls at FC_RUNTIME_API. It is an [Invoker]: Invoke hands the
// invocation to the next poll and waits for the function's report.
//
// As SDK v0.3.1 speaks it (fc/invoke_loop.go, fc/runtime_api_client.go):
//
//	GET  /2020-11-11/runtime/invocation/next           the event; x-fc-* headers
//	POST /2020-11-11/runtime/invocation/<id>/response  the handler's result
//	POST /2020-11-11/runtime/invocation/<id>/error     {"errorMessage","errorType",…}
//
// Invocations overlap, each handed to exactly one poll. A report for an id
// not in progress is refused 404, one over its bound 413 (the emulator's
// choice). x-fc-function-type is not sent: the SDK reads its absence as an
// invocation (fc/invoke_loop.go, convertInvokeFunctionType).
//
// Set Logger, then call Start once. Safe for concurrent use.
type RuntimeAPI struct {
	// Logger receives a line per invocation handed out or refused; nil
	// means none. Secrets are never logged.
	Logger *slog.Logger

	mu       sync.Mutex
	started  bool
	closed   bool
	inflight map[string]*apiCall // queued or handed out, by request ID
	polled   chan struct{}       // closed at the first poll
	pollOnce sync.Once
	closing  chan struct{} // closed by Close
	calls    chan *apiCall // a queued invocation meets a waiting poll
	srv      *http.Server
	addr     string
	served   chan struct{} // closed when Serve has returned
}

// apiCall is one invocation in the runtime API.
type apiCall struct {
	inv      *Invocation
	deadline time.Time
	timeout  int        // whole seconds, for x-fc-function-timeout
	handed   bool       // under RuntimeAPI.mu: a poll took it
	done     chan error // buffered: the function's report
}

// Start listens on addr ("" means "127.0.0.1:0") and serves until Close.
func (a *RuntimeAPI) Start(addr string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.closed:
		return errors.New("accesspoint: the runtime API is closed: make another RuntimeAPI")
	case a.started:
		return errors.New("accesspoint: the runtime API is already started")
	}
	l, err := net.Listen("tcp", cmp.Or(addr, "127.0.0.1:0"))
	if err != nil {
		return fmt.Errorf("accesspoint: listen for the runtime API: %w", err)
	}
	a.started = true
	a.inflight = make(map[string]*apiCall)
	a.polled, a.closing, a.calls = make(chan struct{}), make(chan struct{}), make(chan *apiCall)
	a.addr = loopbackAddr(l.Addr())
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+runtimeAPIPrefix+"next", a.serveNext)
	mux.HandleFunc("POST "+runtimeAPIPrefix+"{id}/response", a.serveResult)
	mux.HandleFunc("POST "+runtimeAPIPrefix+"{id}/error", a.serveResult)
	a.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: readHeaderTimeout,
		ErrorLog:          slog.NewLogLogger(a.log().Handler(), slog.LevelDebug),
	}
	a.served = make(chan struct{})
	go func() {
		defer close(a.served)
		if err := a.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log().Error("runtime API: serve", "error", err)
		}
	}()
	return nil
}

func (a *RuntimeAPI) log() *slog.Logger { return cmp.Or(a.Logger, discard) }

// Addr returns the host:port to set as FC_RUNTIME_API, or "" before Start.
func (a *RuntimeAPI) Addr() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.addr
}

// Polled returns, after Start, a channel closed at the first poll: the
// function speaks the Go runtime API.
func (a *RuntimeAPI) Polled() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.polled
}

// Close answers waiting polls 503, fails the invocations in progress,
// closes the listener and waits for every handler.
func (a *RuntimeAPI) Close() error {
	a.mu.Lock()
	if a.closed || !a.started {
		a.closed = true
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	close(a.closing)
	srv, served := a.srv, a.served
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil {
		err = srv.Close()
	}
	<-served
	return err
}

// ErrRuntimeAPIClosed is the error of an invocation that Close ended.
var ErrRuntimeAPIClosed = errors.New("accesspoint: the runtime API was closed")

// Invoke queues inv for the next poll and waits for the function's report:
// nil for /response, a *FunctionError for /error. The deadline sent is
// ctx's, or DefaultTimeout from now.
func (a *RuntimeAPI) Invoke(ctx context.Context, inv *Invocation) error {
	start := time.Now()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = start.Add(DefaultTimeout)
	}
	c := &apiCall{
		inv:      inv,
		deadline: deadline,
		timeout:  max(1, int(math.Ceil(deadline.Sub(start).Seconds()))),
		done:     make(chan error, 1),
	}
	if err := a.add(c); err != nil {
		return err
	}
	defer a.remove(inv.RequestID)
	select {
	case a.calls <- c:
	case <-ctx.Done():
		return fmt.Errorf("accesspoint: the function did not poll the runtime API for invocation %s: %w", inv.RequestID, context.Cause(ctx))
	case <-a.closing:
		return ErrRuntimeAPIClosed
	}
	select {
	case err := <-c.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("accesspoint: invocation %s: %w", inv.RequestID, context.Cause(ctx))
	case <-a.closing:
		return ErrRuntimeAPIClosed
	}
}

// idChars are the characters a request ID may have, so that it travels in
// a header and a URL path segment unchanged.
const idChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"

func (a *RuntimeAPI) add(c *apiCall) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	id := c.inv.RequestID
	switch {
	case a.closed:
		return ErrRuntimeAPIClosed
	case !a.started:
		return errors.New("accesspoint: the runtime API is not started: call Start first")
	case id == "" || len(id) > 128 || strings.Trim(id, idChars) != "":
		return fmt.Errorf("accesspoint: request ID %.64q cannot be sent to the runtime API: use letters, digits, '-' and '_'", id)
	case a.inflight[id] != nil:
		return fmt.Errorf("accesspoint: invocation %s is already in progress: give every invocation its own request ID", id)
	}
	a.inflight[id] = c
	return nil
}

func (a *RuntimeAPI) remove(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.inflight, id)
}
