package accesspoint

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
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
	functionName = "wgor-function"
	accountID    = "1000000000000000"
)

// runtimeAPI is the emulator's side of Function Compute's Go runtime API,
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
type runtimeAPI struct {
	log      *slog.Logger
	addr     string        // host:port, for FC_RUNTIME_API
	polled   chan struct{} // closed at the first poll
	pollOnce sync.Once
	calls    chan *apiCall // a queued invocation meets a waiting poll
	closing  chan struct{} // closed by close
	stopping sync.Once
	srv      *http.Server
	served   chan struct{} // closed when Serve has returned

	mu       sync.Mutex
	inflight map[string]*apiCall // queued or handed out, by request ID
}

// apiCall is one invocation in the runtime API.
type apiCall struct {
	inv      *Invocation
	deadline time.Time
	timeout  int        // whole seconds, for x-fc-function-timeout
	handed   bool       // under runtimeAPI.mu: a poll took it
	done     chan error // buffered: the function's report
}

// startRuntimeAPI serves a runtime API on a loopback port until close.
func startRuntimeAPI(log *slog.Logger) (*runtimeAPI, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("accesspoint: listen for the runtime API: %w", err)
	}
	a := &runtimeAPI{
		log:      cmp.Or(log, discard),
		addr:     l.Addr().String(),
		polled:   make(chan struct{}),
		calls:    make(chan *apiCall),
		closing:  make(chan struct{}),
		inflight: make(map[string]*apiCall),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+runtimeAPIPrefix+"next", a.serveNext)
	mux.HandleFunc("POST "+runtimeAPIPrefix+"{id}/response", a.serveResult)
	mux.HandleFunc("POST "+runtimeAPIPrefix+"{id}/error", a.serveResult)
	a.srv = newHTTPServer(mux, a.log)
	a.served = serveInBackground(a.srv, l, a.log)
	return a, nil
}

// close answers waiting polls 503, fails the invocations in progress,
// closes the listener and waits for every handler.
func (a *runtimeAPI) close() error {
	a.stopping.Do(func() { close(a.closing) })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := a.srv.Shutdown(ctx)
	if err != nil {
		err = a.srv.Close()
	}
	<-a.served
	return err
}

// errRuntimeAPIClosed is the error of an invocation that close ended.
var errRuntimeAPIClosed = errors.New("accesspoint: the runtime API was closed")

// idChars are the characters a request ID may have, so that it travels in
// a header and a URL path segment unchanged.
const idChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"

// Invoke queues inv for the next poll and waits for the function's report:
// nil for /response, a *functionError for /error. The deadline sent is
// ctx's, or DefaultTimeout from now.
func (a *runtimeAPI) Invoke(ctx context.Context, inv *Invocation) error {
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
		return errRuntimeAPIClosed
	}
	select {
	case err := <-c.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("accesspoint: invocation %s: %w", inv.RequestID, context.Cause(ctx))
	case <-a.closing:
		return errRuntimeAPIClosed
	}
}

func (a *runtimeAPI) add(c *apiCall) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	id := c.inv.RequestID
	select {
	case <-a.closing:
		return errRuntimeAPIClosed
	default:
	}
	switch {
	case id == "" || len(id) > 128 || strings.Trim(id, idChars) != "":
		return fmt.Errorf("accesspoint: request ID %.64q cannot be sent to the runtime API: use letters, digits, '-' and '_'", id)
	case a.inflight[id] != nil:
		return fmt.Errorf("accesspoint: invocation %s is already in progress: give every invocation its own request ID", id)
	}
	a.inflight[id] = c
	return nil
}

func (a *runtimeAPI) remove(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.inflight, id)
}

// serveNext answers a poll with the next invocation, waiting as long as the
// poll lasts ("connections to the runtime API are never expected to time
// out", fc/runtime_api_client.go).
func (a *runtimeAPI) serveNext(w http.ResponseWriter, r *http.Request) {
	a.pollOnce.Do(func() { close(a.polled) })
	var c *apiCall
	select {
	case c = <-a.calls:
	case <-r.Context().Done():
		return
	case <-a.closing:
		writeRuntimeError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "the emulator is shutting down")
		return
	}
	a.mu.Lock()
	c.handed = true
	a.mu.Unlock()
	inv := c.inv
	// Every header the SDK reads (fc/runtime_api_client.go; convertInvokeRequest
	// in fc/invoke_loop.go refuses an invocation without deadline and timeout).
	h := w.Header()
	setFCHeaders(h, inv)
	h.Set("Content-Type", "application/json")
	h.Set("X-Fc-Function-Deadline", strconv.FormatInt(c.deadline.UnixMilli(), 10))
	h.Set("X-Fc-Function-Timeout", strconv.Itoa(c.timeout))
	h.Set("X-Fc-Account-Id", accountID)
	h.Set("X-Fc-Function-Name", functionName)
	h.Set("X-Fc-Function-Handler", "main") // the Go runtime's handler: the executable
	h.Set("X-Fc-Function-Memory", "512")   // MB
	h.Set("X-Fc-Qualifier", "LATEST")
	h.Set("Content-Length", strconv.Itoa(len(inv.Event)))
	if _, err := w.Write(inv.Event); err != nil {
		c.done <- fmt.Errorf("accesspoint: the function's poll ended before it received invocation %s: %w", inv.RequestID, err)
		return
	}
	a.log.Info("runtime API: handed out the invocation", "request_id", inv.RequestID)
}

// serveResult takes a function's report of an invocation's end, once.
func (a *runtimeAPI) serveResult(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	a.mu.Lock()
	c := a.inflight[id]
	if c == nil || !c.handed {
		a.mu.Unlock()
		a.log.Warn("runtime API: a report for no invocation in progress", "request_id", fmt.Sprintf("%.64q", id))
		writeRuntimeError(w, http.StatusNotFound, "InvalidRequestID",
			"no invocation with this request ID is in progress: report each invocation once, after polling for it")
		return
	}
	delete(a.inflight, id)
	a.mu.Unlock()
	failed := strings.HasSuffix(r.URL.Path, "/error")
	limit, dst, body := int64(maxInvocationResult), io.Writer(io.Discard), &bytes.Buffer{}
	if failed {
		limit, dst = maxInvocationError, body
	}
	n, err := io.Copy(dst, io.LimitReader(r.Body, limit+1))
	switch {
	case err != nil:
		c.done <- fmt.Errorf("accesspoint: read the function's report of invocation %s: %w", id, err)
		return
	case n > limit:
		c.done <- fmt.Errorf("accesspoint: the function's report of invocation %s is larger than %d bytes", id, limit)
		writeRuntimeError(w, http.StatusRequestEntityTooLarge, "EntityTooLarge", fmt.Sprintf("the report is larger than %d bytes", limit))
		return
	case !failed:
		c.done <- nil
		return
	}
	// The function's words enter here, and are scrubbed.
	var fe functionError
	if json.Unmarshal(body.Bytes(), &fe) != nil {
		fe = functionError{Type: "Unknown", Message: "an error report that is not JSON"}
	}
	sc := scrubber(c.inv)
	fe.Type, fe.Message = sc.String(fe.Type), sc.String(fe.Message)
	c.done <- &fe
}

// functionError is a failure reported on the runtime API's /error, as the
// SDK's messages.InvokeResponse_Error marshals it.
type functionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

func (e *functionError) Error() string {
	return fmt.Sprintf("accesspoint: the function reported an error: %.64s: %.512s", e.Type, e.Message)
}

// writeRuntimeError answers with a JSON error in the SDK's own shape.
func writeRuntimeError(w http.ResponseWriter, status int, typ, msg string) {
	b, _ := json.Marshal(functionError{Type: typ, Message: msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
