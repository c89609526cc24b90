package fcrt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wgor-dev/wgor/internal/redact"
	"github.com/wgor-dev/wgor/wgor"
)

// The Go runtime API of Function Compute's built-in Go runtime
// (fc-runtime-go-sdk v0.3.1, fc/runtime_api_client.go and fc/invoke_loop.go):
// GET next long-polls for an invocation; its answer's body is the event and
// its headers carry the facts; POST <id>/response or <id>/error ends it.
const runtimeAPIPath = "/2020-11-11/runtime/invocation/"

// headerFunctionType marks the lifecycle invocations (1 initializer, 2
// pre-stop, 3 pre-freeze); 0 or absent is an event (fc/function.go).
const headerFunctionType = "x-fc-function-type"

// runtimeAPI is the long-poll loop against one runtime API.
type runtimeAPI struct {
	base string // http://host:port/2020-11-11/runtime/invocation/
	h    Handler
	o    *Options
	hc   *http.Client
	log  *slog.Logger
	// polled: the first poll was sent. Touched by the loop alone.
	polled bool
}

func newRuntimeAPI(addr string, h Handler, o *Options) *runtimeAPI {
	// Its own client: the long poll must never time out, whatever
	// Options.HTTPClient's Timeout says.
	return &runtimeAPI{base: "http://" + addr + runtimeAPIPath, h: h, o: o, hc: &http.Client{}, log: o.logger()}
}

// run polls until ctx ends, runs each invocation in its own goroutine (they
// may overlap, as with fc-runtime-go-sdk), and returns once the invocations
// in flight have ended.
func (a *runtimeAPI) run(ctx context.Context) error {
	var wg sync.WaitGroup
	// The invocations' own parent: it outlives ctx by ShutdownGrace, so
	// that those in flight at shutdown can finish.
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	failures := 0
	for {
		header, event, err := a.next(ctx)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			// The runtime API should always answer; back off so that a
			// broken one is not hammered, and go on, as the SDK does.
			failures++
			a.log.Error("fcrt: runtime API", "error", err.Error(), "failures", failures)
			t := time.NewTimer(min(time.Duration(failures)*100*time.Millisecond, 2*time.Second))
			select {
			case <-ctx.Done():
				t.Stop()
			case <-t.C:
			}
			continue
		}
		failures = 0
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.handle(base, header, event)
		}()
	}
	a.log.Info("fcrt: stopping: no new invocation; waiting for those in flight", "grace", shutdownGrace.String())
	err := drain(&wg, shutdownGrace, cancel)
	a.hc.CloseIdleConnections()
	a.o.httpClient().CloseIdleConnections()
	a.log.Info("fcrt: stopped")
	return err
}

// next long-polls for the next invocation: its headers and its event.
func (a *runtimeAPI) next(ctx context.Context) (http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"next", nil)
	if err != nil {
		return nil, nil, fmt.Errorf("fcrt: FC_RUNTIME_API: %w", err)
	}
	req.Header.Set("User-Agent", wgor.DefaultUserAgent)
	if !a.polled {
		// Ready once the first poll is sent, not answered: the long poll
		// may wait for minutes.
		req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			WroteRequest: func(httptrace.WroteRequestInfo) { a.o.isReady() },
		}))
	}
	resp, err := a.hc.Do(req)
	if !a.polled {
		a.polled = true
		a.o.isReady() // also when the poll failed: the retries must be stoppable
	}
	if err != nil {
		return nil, nil, fmt.Errorf("fcrt: get the next invocation: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, nil, fmt.Errorf("fcrt: get the next invocation: the runtime API answered %s", resp.Status)
	}
	event, err := io.ReadAll(io.LimitReader(resp.Body, maxEvent+1))
	if err != nil {
		return nil, nil, fmt.Errorf("fcrt: read the next invocation: %w", err)
	}
	return resp.Header, event, nil
}

// handle runs one invocation and reports it to the runtime API. Its
// context is base, not the loop's: an invocation in flight at shutdown
// may finish within ShutdownGrace.
func (a *runtimeAPI) handle(base context.Context, header http.Header, event []byte) {
	start := time.Now()
	id := header.Get(headerRequestID)
	if id == "" || strings.ContainsAny(id, "/?#%") {
		a.log.Error("fcrt: the runtime API sent an invocation without a usable x-fc-request-id: it cannot be answered")
		return
	}
	if t := header.Get(headerFunctionType); t != "" && t != "0" {
		// A lifecycle call (initializer, pre-stop, pre-freeze): nothing
		// to do; the SDK answers it with an empty success.
		a.post(id, "response", nil)
		return
	}
	inv, err := a.invocation(header, event)
	var o outcome
	if err == nil {
		ctx, cancel := context.WithDeadline(base, inv.Deadline)
		o, err = serve(ctx, a.h, inv, a.o)
		cancel()
	}
	logInvocation(a.log, inv, o, err, start)
	if err != nil {
		a.post(id, "error", errorPayload(err))
		return
	}
	a.post(id, "response", []byte("null")) // what fc.Start sends for a handler returning only an error
}

func (a *runtimeAPI) invocation(header http.Header, event []byte) (*Invocation, error) {
	// fc-runtime-go-sdk refuses an invocation without both headers
	// (fc/invoke_loop.go, convertInvokeRequest); so does this runtime.
	for _, name := range []string{headerDeadline, headerTimeout} {
		if header.Get(name) == "" {
			inv := &Invocation{RequestID: header.Get(headerRequestID)}
			return inv, fmt.Errorf("fcrt: the runtime API sent no %s: is FC_RUNTIME_API Function Compute's Go runtime API?", name)
		}
	}
	return newInvocation(header, event, time.Time{})
}

// errorPayload is the body of POST …/error, as fc-runtime-go-sdk sends it
// (fc/messages: errorMessage, errorType, and for a panic stackTrace, its
// frames as path, line and label).
func errorPayload(err error) []byte {
	type frame struct {
		Path  string `json:"path"`
		Line  int32  `json:"line"`
		Label string `json:"label"`
	}
	msg := struct {
		Message    string  `json:"errorMessage"`
		Type       string  `json:"errorType"`
		StackTrace []frame `json:"stackTrace,omitempty"`
	}{Message: redact.New().String(err.Error()), Type: errorType(err)} // serve's errors hold no secret already
	if pe := (*PanicError)(nil); errors.As(err, &pe) && len(pe.pcs) > 0 {
		frames := runtime.CallersFrames(pe.pcs)
		for {
			f, more := frames.Next()
			msg.StackTrace = append(msg.StackTrace, frame{Path: f.File, Line: int32(f.Line), Label: f.Function})
			if !more {
				break
			}
		}
	}
	b, _ := json.Marshal(msg) // strings and numbers only: cannot fail
	return b
}

// errorType names an error's type as the SDK does: without package or
// pointer.
func errorType(err error) string {
	var pe *PanicError
	var he *handlerError
	switch {
	case errors.As(err, &pe):
		return "PanicError"
	case errors.As(err, &he):
		err = he.err
	}
	t := fmt.Sprintf("%T", err)
	t = strings.TrimLeft(t, "*")
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		t = t[i+1:]
	}
	return t
}

// post reports an invocation's end; the runtime API answers 200.
func (a *runtimeAPI) post(id, kind string, body []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+id+"/"+kind, bytes.NewReader(body))
	if err != nil {
		a.log.Error("fcrt: report the invocation", "fc_request_id", id, "error", err.Error())
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", wgor.DefaultUserAgent)
	resp, err := a.hc.Do(req)
	if err != nil {
		a.log.Error("fcrt: report the invocation", "fc_request_id", id, "error", err.Error())
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		a.log.Error("fcrt: report the invocation", "fc_request_id", id, "status", strconv.Itoa(resp.StatusCode))
	}
}
