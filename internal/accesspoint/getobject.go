package accesspoint

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
)

// serveGetObject mints a token, invokes the function and relays its
// WriteGetObjectResponse, or answers why none came.
func (s *Server) serveGetObject(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	if !s.enter() {
		writeError(w, r, requestID, newError(http.StatusServiceUnavailable, CodeServiceUnavailable,
			"The emulator is shutting down."))
		return
	}
	defer s.inflight.Done()
	key := strings.TrimPrefix(r.URL.Path, "/")
	if key == "" {
		writeError(w, r, requestID, newError(http.StatusBadRequest, CodeInvalidArgument,
			"GetObject needs an object key: GET /<key>."))
		return
	}
	start := time.Now()
	deadline := start.Add(s.cfg.Timeout)
	base, err := s.baseURL(r)
	if err != nil {
		s.log.Error("getobject: no URL for the event", "request_id", requestID, "error", err)
		writeError(w, r, requestID, newError(http.StatusInternalServerError, CodeInternalError,
			"The emulator does not know its own URL: "+err.Error()+"."))
		return
	}
	p := &pending{
		token:     newToken(),
		route:     base,
		requestID: requestID,
		deadline:  deadline,
		jobs:      make(chan *relayJob, 1),
	}
	inputURL, err := s.originURL(base, key, s.cfg.Timeout)
	if err != nil {
		s.log.Error("getobject: presign the inputOssUrl", "request_id", requestID, "key", key, "error", err)
		writeError(w, r, requestID, newError(http.StatusInternalServerError, CodeInternalError,
			"The emulator could not build the function's event."))
		return
	}
	s.tokens.add(p)
	s.wait(w, r, p, key, newEvent(r, base, p.route, p.token, inputURL), start)
}

// lateArrival is how long a WriteGetObjectResponse is still taken after
// the function returned: one that failed midway may return before its
// request is read, and the caller should then see the broken transfer, not
// a 502. The emulator's choice; OSS documents none.
const lateArrival = 500 * time.Millisecond

// wait invokes the function and waits for its response.
func (s *Server) wait(w http.ResponseWriter, r *http.Request, p *pending, key string, ev []byte, start time.Time) {
	ctx, cancel := context.WithDeadline(s.base, p.deadline)
	inv := &Invocation{RequestID: p.requestID, Event: ev, Credentials: s.cfg.Credentials, Region: s.cfg.Region}
	done := make(chan error, 1)
	go func() { done <- invoke(ctx, s.cfg.Function, inv) }()
	s.log.Info("getobject: invoking the function", "request_id", p.requestID, "key", key)

	timer := time.NewTimer(time.Until(p.deadline))
	defer timer.Stop()
	var late <-chan time.Time // ticks lateArrival after the function returned
	var fnErr error
	returned := false
	callerGone := r.Context().Done()
	for {
		var state tokenState
		select {
		case job := <-p.jobs:
			// The function runs on, as in Function Compute: cancelling
			// now would fail the response still being relayed.
			go s.finish(done, returned, fnErr, cancel, p.requestID)
			s.relay(w, p, job, start)
			return
		case fnErr = <-done:
			done, returned = nil, true
			late = time.After(min(lateArrival, time.Until(p.deadline)))
			continue
		case <-late:
			st := stateAbandoned
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				st = stateExpired // the function returned because its time was up
			}
			state = s.tokens.end(p, st)
		case <-timer.C:
			state = s.tokens.end(p, stateExpired)
		case <-callerGone:
			callerGone = nil
			state = s.tokens.end(p, stateAbandoned)
		}
		if state == stateClaimed {
			continue // the job is on its way
		}
		if state == stateExpired {
			<-ctx.Done() // due now: the function sees DeadlineExceeded, not Canceled
		}
		cancel()
		s.fail(w, r, p, key, state, returned, fnErr)
		return
	}
}

// finish waits for a function whose response is being relayed, ends its
// context and logs its failure.
func (s *Server) finish(done <-chan error, returned bool, err error, cancel context.CancelFunc, requestID string) {
	if !returned {
		err = <-done
	}
	cancel()
	if err != nil {
		s.log.Warn("getobject: the function failed after it sent WriteGetObjectResponse", "request_id", requestID, "error", err)
	}
}

// fail answers a GetObject whose function delivered no response.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, p *pending, key string, state tokenState, returned bool, err error) {
	var e *ossError
	switch {
	case state == stateExpired: // by the timer, or by a late claim
		e = newError(http.StatusGatewayTimeout, CodeFunctionTimeout,
			"The function did not send WriteGetObjectResponse within "+s.cfg.Timeout.String()+".")
	case returned && err != nil:
		e = newError(http.StatusBadGateway, CodeFunctionInvocationFailed,
			"The function failed, and no WriteGetObjectResponse arrived for this request; the emulator's log has the error of request "+p.requestID+".")
	case returned:
		e = newError(http.StatusBadGateway, CodeFunctionResponseNotReceived,
			"The function returned without sending WriteGetObjectResponse.")
	default:
		s.log.Info("getobject: the caller went away", "request_id", p.requestID, "key", key)
		return
	}
	s.log.Warn("getobject: "+e.doc.Code, "request_id", p.requestID, "key", key, "error", err)
	writeError(w, r, p.requestID, e)
}
