package fcrt

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/wgor-dev/wgor/sign"

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
	return &customRuntime{h: h, o: o}
}

type customRuntime struct {
	h    Handler
	o    *Options
	keys sign.KeyCache // the runtime's, for every invocation's signature
}

func (rt *customRuntime) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/invoke" && r.Method == http.MethodPost:
		rt.invoke(w, r)
	case r.URL.Path == "/initialize" && r.Method == http.MethodPost:
		w.Header().Set(headerStatus, "200")
		w.WriteHeader(http.StatusOK)
	case r.URL.Path == "/invoke" || r.URL.Path == "/initialize":
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "fcrt: use POST", http.StatusMethodNotAllowed)
	default:
		http.Error(w, "fcrt: a Function Compute custom runtime: POST /invoke with an Object FC Access Point event", http.StatusNotFound)
	}
}

func (rt *customRuntime) invoke(w http.ResponseWriter, r *http.Request) {
	event, err := io.ReadAll(io.LimitReader(r.Body, maxEvent+1))
	inv, ierr := newInvocation(r.Header, event, rt.o.deadline())
	if err != nil {
		ierr = fmt.Errorf("fcrt: read the event: %w", err)
	}
	if err := invoke(r.Context(), rt.h, inv, ierr, rt.o, &rt.keys); err != nil {
		w.Header().Set(headerStatus, "404")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintln(w, redact.New().String(err.Error())) // one line, no signature
		return
	}
	w.Header().Set(headerStatus, "200")
	w.WriteHeader(http.StatusOK)
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
		s, err := strconv.Atoi(v)
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
