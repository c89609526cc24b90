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

	"github.com/wgor-dev/wgor/sign"

	"github.com/wgor-dev/wgor/internal/redact"
	"github.com/wgor-dev/wgor/wgor"
)

// The Go runtime API of Function Compute's built-in Go runtime
// (fc-runtime-go-sdk v0.3.1, fc/runtime_api_client.go, fc/invoke_loop.go):
// GET next long-polls for an invocation (the event, and the facts in its
// headers); POST <id>/response or <id>/error ends it.
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

	polled bool          // the first poll was sent; touched by the loop alone
	keys   sign.KeyCache // the runtime's, for every invocation's signature
}

func newRuntimeAPI(addr string, h Handler, o *Options) *runtimeAPI {
	// Its own client: the long poll must not time out at Options.HTTPClient's Timeout.
	return &runtimeAPI{base: "http://" + addr + runtimeAPIPath, h: h, o: o, hc: &http.Client{}, log: o.logger()}
}

// run polls until ctx ends, runs each invocation in its own goroutine (as
// fc-runtime-go-sdk does), and returns once those in flight have ended.
func (a *runtimeAPI) run(ctx context.Context) error {
	var wg sync.WaitGroup
	// The invocations' parent outlives ctx by ShutdownGrace, for those in flight.
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	failures := 0
	for {
		header, event, err := a.next(ctx)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			// Back off, so that a broken runtime API is not hammered, and go on as the SDK does.
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
		// Ready once the first poll is sent: its answer may take minutes.
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

// handle runs one invocation under base and reports it to the runtime API.
func (a *runtimeAPI) handle(base context.Context, header http.Header, event []byte) {
	id := header.Get(headerRequestID)
	if id == "" || strings.ContainsAny(id, "/?#%") {
		a.log.Error("fcrt: the runtime API sent an invocation without a usable x-fc-request-id: it cannot be answered")
		return
	}
	if t := header.Get(headerFunctionType); t != "" && t != "0" {
		// A lifecycle call: nothing to do; the SDK answers an empty success.
		a.post(id, "response", nil)
		return
	}
	inv, err := a.invocation(header, event)
	if err = invoke(base, a.h, inv, err, a.o, &a.keys); err != nil {
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
// (fc/messages).
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
	if pe := (*PanicError)(nil); errors.As(err, &pe) {
		return "PanicError"
	}
	if he := (*handlerError)(nil); errors.As(err, &he) {
		err = he.err
	}
	t := fmt.Sprintf("%T", err)
	return t[strings.LastIndexAny(t, ".*")+1:]
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
