package fcrt

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/internal/redact"
)

// Headers Function Compute sends with an invocation (Function Compute,
// "Custom runtime: context and log format"; fc-runtime-go-sdk v0.3.1,
// fc/runtime_api_client.go).
const (
	headerRequestID    = "x-fc-request-id"
	headerRegion       = "x-fc-region"
	headerAccountID    = "x-fc-account-id"
	headerFunctionName = "x-fc-function-name"
	headerDeadline     = "x-fc-function-deadline" // Unix milliseconds
	headerTimeout      = "x-fc-function-timeout"  // seconds
	headerStatus       = "x-fc-status"
)

// NewCustomRuntime returns Function Compute's custom-runtime protocol as an
// http.Handler, for a server on FC_SERVER_PORT (Start runs one) or a test:
// POST /invoke runs an invocation (the body is the event, the x-fc-*
// headers carry its facts) and answers 200, or for a failure 404 (Function
// Compute's mark of a function error) with a one-line reason without
// secrets; POST /initialize answers 200. The deadline is
// x-fc-function-deadline, else x-fc-function-timeout, else Options.Timeout;
// the invocation also ends when Function Compute drops the connection.
func NewCustomRuntime(h Handler, o *Options) http.Handler {
	return newRunner(h, o)
}

func (r *runner) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch {
	case req.URL.Path == "/invoke" && req.Method == http.MethodPost:
		r.running.Add(1)
		defer r.running.Done()
		r.invokeHTTP(w, req)
	case req.URL.Path == "/initialize" && req.Method == http.MethodPost:
		w.Header().Set(headerStatus, "200")
		w.WriteHeader(http.StatusOK)
	case req.URL.Path == "/invoke" || req.URL.Path == "/initialize":
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "fcrt: use POST", http.StatusMethodNotAllowed)
	default:
		http.Error(w, "fcrt: a Function Compute custom runtime: POST /invoke with an Object FC Access Point event", http.StatusNotFound)
	}
}

func (r *runner) invokeHTTP(w http.ResponseWriter, req *http.Request) {
	var fallback time.Time // the deadline of an invocation announced none
	if r.o.Timeout > 0 {
		fallback = time.Now().Add(r.o.Timeout)
	}
	event, err := io.ReadAll(io.LimitReader(req.Body, maxEvent+1))
	inv, ierr := newInvocation(req.Header, event, fallback)
	if err != nil {
		ierr = fmt.Errorf("fcrt: read the event: %w", err)
	}
	if err := r.invoke(req.Context(), inv, ierr); err != nil {
		w.Header().Set(headerStatus, "404")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintln(w, redact.New().String(err.Error())) // one line, no signature
		return
	}
	w.Header().Set(headerStatus, "200")
	w.WriteHeader(http.StatusOK)
}

// serveCustom serves the custom runtime on l until ctx ends, then shuts down.
func (r *runner) serveCustom(ctx context.Context, l net.Listener) error {
	// Bound first, logged after: the log never claims a port it lacks.
	r.log().Info("fcrt: custom runtime listening", "addr", l.Addr().String())
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err := <-served:
		return fmt.Errorf("fcrt: serve: %w", err)
	case <-ctx.Done():
	}
	r.log().Info("fcrt: stopping: no new invocation; waiting for those in flight", "grace", shutdownGrace.String())
	grace, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(grace); err != nil {
		srv.Close() // the grace ran out: cancel the invocations left
	}
	<-served
	return r.stop(time.Second, func() {})
}

// newInvocation reads an invocation's facts from Function Compute's headers
// and its event; fallback is the deadline when none is announced. It
// returns a usable Invocation (for the log) even with an error.
func newInvocation(h http.Header, event []byte, fallback time.Time) (*Invocation, error) {
	inv := &Invocation{
		RequestID:    h.Get(headerRequestID),
		Region:       h.Get(headerRegion),
		AccountID:    h.Get(headerAccountID),
		FunctionName: h.Get(headerFunctionName),
		Deadline:     fallback,
	}
	if v := h.Get(headerDeadline); v != "" {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ms <= 0 {
			return inv, fmt.Errorf("fcrt: %s %.32q is not Unix milliseconds", headerDeadline, v)
		}
		inv.Deadline = time.UnixMilli(ms)
	} else if v := h.Get(headerTimeout); v != "" {
		s, err := strconv.ParseInt(v, 10, 32) // 68 years at most: a time.Duration holds 292
		if err != nil || s <= 0 {
			return inv, fmt.Errorf("fcrt: %s %.32q is not a number of seconds", headerTimeout, v)
		}
		inv.Deadline = time.Now().Add(time.Duration(s) * time.Second)
	}
	var err error
	if inv.Credentials, err = creds.FromFCHeaders(h); err != nil {
		return inv, err
	}
	if len(event) > maxEvent {
		return inv, fmt.Errorf("fcrt: the event is larger than %d bytes: is this an Object FC Access Point's invocation?", maxEvent)
	}
	inv.Event, err = ParseEvent(event)
	return inv, err
}
