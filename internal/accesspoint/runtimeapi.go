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
	"sync"
	"time"
)

// The Go runtime API's paths, as github.com/aliyun/fc-runtime-go-sdk v0.3.1
// builds them (fc/runtime_api_client.go: apiVersion "2020-11-11", baseURL
// "http://" + FC_RUNTIME_API + "/2020-11-11/runtime/invocation/").
const (
	runtimeAPIPrefix = "/2020-11-11/runtime/invocation/"
	runtimeAPINext   = runtimeAPIPrefix + "next"
)

// Bounds of what the runtime API reads from a function.
const (
	// maxInvocationResult bounds a /response body. Function Compute caps a
	// synchronous invocation's payload at 32 MB (Function Compute, "Limits":
	// "the maximum payload for a synchronous invocation is 32 MB"). The body
	// is read and discarded: OSS ignores an Object FC function's result.
	maxInvocationResult = 32 << 20

	// maxInvocationError bounds an /error body, which is parsed. The SDK
	// sends a message, a type and at most 32 stack frames (fc/panic.go,
	// defaultErrorFrameCount); 1 MiB is the emulator's choice, far above.
	maxInvocationError = 1 << 20
)

// Defaults of the values RuntimeAPI sends about the function. Function
// Compute sends its real ones; these are the emulator's placeholders.
const (
	DefaultFunctionName = "wgor-function"
	DefaultAccountID    = "1000000000000000"
)

// RuntimeAPI is the emulator's side of Function Compute's Go runtime API: the
// server that a function built with fc.Start (github.com/aliyun/fc-runtime-go-sdk)
// long-polls when FC_RUNTIME_API is set. It is an [Invoker]: Invoke queues
// the invocation, hands it to the next poll, and waits for the function to
// report its end.
//
// The protocol, as that SDK v0.3.1 speaks it (fc/entry.go, fc/invoke_loop.go,
// fc/runtime_api_client.go, fc/function.go):
//
//	GET  /2020-11-11/runtime/invocation/next              waits for an invocation
//	     200, body: the event; headers: x-fc-request-id,
//	     x-fc-function-deadline (Unix ms), x-fc-function-timeout (s),
//	     x-fc-access-key-id, x-fc-access-key-secret, x-fc-security-token,
//	     x-fc-region, x-fc-account-id, x-fc-function-name,
//	     x-fc-function-handler, x-fc-function-memory, x-fc-qualifier
//	POST /2020-11-11/runtime/invocation/<id>/response     the handler's result
//	POST /2020-11-11/runtime/invocation/<id>/error        {"errorMessage","errorType","stackTrace"}
//
// Both POSTs are answered 200. The SDK polls again as soon as it has an
// invocation and runs each in a goroutine, so invocations overlap; RuntimeAPI
// hands each queued invocation to exactly one poll. A POST for an id that is
// not in progress (unknown, not yet handed out, or already reported) is
// refused 404 with a JSON error, and a body over its bound 413; Function
// Compute does not document these answers, they are the emulator's.
//
// x-fc-function-type is not sent: the SDK reads 1, 2 and 3 as the
// initializer, pre-freeze and pre-stop hooks and anything else, or nothing,
// as an invocation (fc/invoke_loop.go, convertInvokeFunctionType).
//
// The zero value is not ready: set the fields, then call Start once. All
// methods are safe for concurrent use.
type RuntimeAPI struct {
	// FunctionName is sent as x-fc-function-name; empty means
	// DefaultFunctionName.
	FunctionName string

	// AccountID is sent as x-fc-account-id; empty means DefaultAccountID.
	AccountID string

	// Logger receives a line when an invocation is handed out or refused;
	// nil means no logging. Secrets are never logged.
	Logger *slog.Logger

	mu       sync.Mutex
	started  bool
	closed   bool
	inflight map[string]*apiCall // queued or handed out, by request ID
	polled   chan struct{}       // closed at the first poll
	closing  chan struct{}       // closed by Close
	calls    chan *apiCall       // a queued invocation meets a waiting poll
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

// Start listens on addr ("" means "127.0.0.1:0") and serves the runtime API
// in the background until Close. Addr then returns the host:port to set as
// FC_RUNTIME_API.
func (a *RuntimeAPI) Start(addr string) error {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.closed:
		return errors.New("accesspoint: the runtime API is closed: make another RuntimeAPI")
	case a.started:
		return errors.New("accesspoint: the runtime API is already started")
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("accesspoint: listen for the runtime API on %s: %w", addr, err)
	}
	a.started = true
	a.init()
	a.addr = loopbackAddr(l.Addr())
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+runtimeAPINext, a.serveNext)
	mux.HandleFunc("POST "+runtimeAPIPrefix+"{id}/response", a.serveResult)
	mux.HandleFunc("POST "+runtimeAPIPrefix+"{id}/error", a.serveResult)
	a.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 30 * time.Second,
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

// init makes the channels; a.mu is held.
func (a *RuntimeAPI) init() {
	if a.closing == nil {
		a.inflight = make(map[string]*apiCall)
		a.polled = make(chan struct{})
		a.closing = make(chan struct{})
		a.calls = make(chan *apiCall)
	}
}

func (a *RuntimeAPI) log() *slog.Logger { return cmp.Or(a.Logger, discard) }

// Addr returns the host:port the runtime API listens on, the value of
// FC_RUNTIME_API, or "" before Start.
func (a *RuntimeAPI) Addr() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.addr
}

// Polled returns a channel that is closed when a function first polls for an
// invocation. It tells that the function speaks the Go runtime API.
func (a *RuntimeAPI) Polled() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.init()
	return a.polled
}

// Close stops the runtime API: waiting polls are answered 503, queued and
// handed-out invocations fail, and the listener is closed. It waits until
// every handler has returned.
func (a *RuntimeAPI) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	a.init()
	close(a.closing)
	srv, served := a.srv, a.served
	a.mu.Unlock()
	if srv == nil {
		return nil
	}
	// The polls have been told to end: Shutdown waits for every handler.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil {
		err = srv.Close()
	}
	<-served
	return err
}

// ErrRuntimeAPIClosed is the error of an invocation that the runtime API's
// Close ended.
var ErrRuntimeAPIClosed = errors.New("accesspoint: the runtime API was closed")

// Invoke queues inv for the next poll and waits until the function reports
// its end on /response (nil) or /error (an error holding the function's
// errorType and errorMessage), or until ctx ends or the runtime API closes.
// The deadline sent is ctx's; without one, DefaultTimeout from now.
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

// add records c as in progress.
func (a *RuntimeAPI) add(c *apiCall) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.init()
	id := c.inv.RequestID
	switch {
	case a.closed:
		return ErrRuntimeAPIClosed
	case !validRequestID(id):
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

// validRequestID tells whether id can travel in a header and a URL path
// segment unchanged.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
