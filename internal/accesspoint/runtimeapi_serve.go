package accesspoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// serveNext answers a poll with the next invocation, waiting as long as the
// poll lasts ("connections to the runtime API are never expected to time
// out", fc/runtime_api_client.go).
func (a *RuntimeAPI) serveNext(w http.ResponseWriter, r *http.Request) {
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
	h.Set("X-Fc-Account-Id", DefaultAccountID)
	h.Set("X-Fc-Function-Name", DefaultFunctionName)
	h.Set("X-Fc-Function-Handler", "main") // the Go runtime's handler: the executable
	h.Set("X-Fc-Function-Memory", "512")   // MB
	h.Set("X-Fc-Qualifier", "LATEST")
	h.Set("Content-Length", strconv.Itoa(len(inv.Event)))
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(inv.Event); err != nil {
		c.done <- fmt.Errorf("accesspoint: the function's poll ended before it received invocation %s: %w", inv.RequestID, err)
		return
	}
	a.log().Info("runtime API: handed out the invocation", "request_id", inv.RequestID)
}

// serveResult takes a function's report of an invocation's end.
func (a *RuntimeAPI) serveResult(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	failed := strings.HasSuffix(r.URL.Path, "/error")
	a.mu.Lock()
	c := a.inflight[id]
	if c != nil && !c.handed {
		c = nil
	}
	if c != nil {
		delete(a.inflight, id) // one report per invocation
	}
	a.mu.Unlock()
	if c == nil {
		a.log().Warn("runtime API: a report for no invocation in progress", "request_id", fmt.Sprintf("%.64q", id))
		writeRuntimeError(w, http.StatusNotFound, "InvalidRequestID",
			"no invocation with this request ID is in progress: report each invocation once, after polling for it")
		return
	}
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
		writeRuntimeError(w, http.StatusRequestEntityTooLarge, "EntityTooLarge",
			fmt.Sprintf("the report is larger than %d bytes", limit))
		return
	case failed:
		c.done <- functionError(c.inv, body.Bytes())
	default:
		c.done <- nil
	}
	w.WriteHeader(http.StatusOK)
}

// FunctionError is a failure reported on the runtime API's /error, as the
// SDK's messages.InvokeResponse_Error marshals it.
type FunctionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

// Error returns the type and message, bounded.
func (e *FunctionError) Error() string {
	return fmt.Sprintf("accesspoint: the function reported an error: %.64s: %.512s", e.Type, e.Message)
}

// functionError parses an /error body and scrubs it of the invocation's
// secrets, where it enters.
func functionError(inv *Invocation, body []byte) error {
	var fe FunctionError
	if err := json.Unmarshal(body, &fe); err != nil {
		fe = FunctionError{Type: "Unknown", Message: "an error report that is not JSON"}
	}
	sc := scrubber(inv)
	fe.Type, fe.Message = sc.String(fe.Type), sc.String(fe.Message)
	return &fe
}

// writeRuntimeError answers with a JSON error in the SDK's own shape.
func writeRuntimeError(w http.ResponseWriter, status int, typ, msg string) {
	b, _ := json.Marshal(FunctionError{Type: typ, Message: msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
