package fcrt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"runtime"
	"strings"
	"time"

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

// runtimeAPI is one runtime API, polled by r.
type runtimeAPI struct {
	*runner
	base string       // http://host:port/2020-11-11/runtime/invocation/
	hc   *http.Client // its own: the long poll must not time out at Options.HTTPClient's Timeout
}

// pollRuntimeAPI polls the runtime API at addr until ctx ends, runs each
// invocation in its own goroutine (as fc-runtime-go-sdk does), and returns
// once those in flight have ended.
func (r *runner) pollRuntimeAPI(ctx context.Context, addr string) error {
	a := &runtimeAPI{runner: r, base: "http://" + addr + runtimeAPIPath, hc: &http.Client{}}
	defer a.hc.CloseIdleConnections()
	// The invocations' parent outlives ctx by ShutdownGrace, for those in flight.
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Ready once a poll is sent, while its answer is awaited; or once it
	// failed, so that the retries can be stopped.
	traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { r.isReady() }})
	for failures := 0; ; {
		header, event, err := a.do(traced, http.MethodGet, "next", nil) // a long poll
		r.isReady()
		if id := header.Get(headerRequestID); err == nil && (id == "" || strings.ContainsAny(id, "/?#%")) {
			err = errors.New("the runtime API sent an invocation without a usable x-fc-request-id: it cannot be answered")
		}
		if err == nil { // handed over: run it even as ctx ends, the runtime API counts it delivered
			failures = 0
			r.running.Go(func() { a.handle(parent, header, event) })
		}
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			// Back off, so that a broken runtime API is not hammered, and go on as the SDK does.
			failures++
			r.log().Error("fcrt: get the next invocation", "error", err.Error(), "failures", failures)
			select {
			case <-ctx.Done():
			case <-time.After(min(time.Duration(failures)*100*time.Millisecond, 2*time.Second)):
			}
		}
	}
	r.log().Info("fcrt: stopping: no new invocation; waiting for those in flight", "grace", shutdownGrace.String())
	return r.stop(shutdownGrace, cancel)
}

// post reports an invocation's end.
func (a *runtimeAPI) post(id, kind string, body []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, _, err := a.do(ctx, http.MethodPost, id+"/"+kind, body); err != nil {
		a.log().Error("fcrt: report the invocation", "fc_request_id", id, "error", err.Error())
	}
}

// do sends a request to the runtime API and reads its answer, which must
// be 200.
func (a *runtimeAPI) do(ctx context.Context, method, path string, body []byte) (http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("User-Agent", wgor.DefaultUserAgent)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxEvent+1))
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("the runtime API answered %s", resp.Status)
	}
	return resp.Header, data, err
}

// handle runs one invocation under parent and reports it to the runtime API.
func (a *runtimeAPI) handle(parent context.Context, header http.Header, event []byte) {
	id := header.Get(headerRequestID) // usable: pollRuntimeAPI checked it
	if t := header.Get(headerFunctionType); t != "" && t != "0" {
		// A lifecycle call: nothing to do; the SDK answers an empty success.
		a.post(id, "response", nil)
		return
	}
	inv, err := newInvocation(header, event, time.Time{})
	// fc-runtime-go-sdk refuses an invocation without both headers
	// (fc/invoke_loop.go, convertInvokeRequest); so does this runtime.
	for _, name := range []string{headerTimeout, headerDeadline} {
		if header.Get(name) == "" {
			err = fmt.Errorf("fcrt: the runtime API sent no %s: is FC_RUNTIME_API Function Compute's Go runtime API?", name)
		}
	}
	if err = a.invoke(parent, inv, err); err != nil {
		a.post(id, "error", errorPayload(err))
		return
	}
	a.post(id, "response", []byte("null")) // what fc.Start sends for a handler returning only an error
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
