package fcrt

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/wgor-dev/wgor/wgor"
)

// finish ends the response after the handler returned herr and reports
// what was delivered and the invocation's failure. A handler's Close calls
// it too, harmlessly.
func (w *writer) finish(herr error) (outcome, error) {
	started, herr := w.end(herr)
	herr = w.endBody(herr)
	r := w.wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	if errors.Is(r.err, wgor.ErrNotSent) && !w.errorAnswer {
		// Nothing left (a bad forwarded header, a failed spool): the token
		// is unused, so the caller gets the error answer now.
		if herr == nil {
			herr = r.err
		}
		w.answerError(herr)
		w.mu.Unlock()
		r = w.wait()
		w.mu.Lock()
		started = false
	}
	o := outcome{status: w.status, written: w.written}
	if r.res != nil && r.err == nil {
		o.sent, o.bytes, o.requestID = true, r.res.BytesSent, r.res.RequestID
	}
	return o, w.failure(herr, started, r.err)
}

// end closes the response, starting the request if none started: the
// error answer when the response failed, else an empty body. started
// reports whether the handler's own request had started before.
func (w *writer) end(herr error) (started bool, _ error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writeHeader(http.StatusOK)
	started = w.done != nil
	if w.closed || started {
		w.closed = true
		return started, herr
	}
	w.closed = true
	if herr == nil {
		herr = w.err
	}
	if herr == nil && w.declare > 0 {
		herr = fmt.Errorf("%w: the handler wrote nothing of its Content-Length %d: write the body, or leave the header out", wgor.ErrBodyLength, w.declare)
	}
	if herr != nil {
		w.answerError(herr)
	} else {
		w.start(w.status, w.frozen, nil)
	}
	return false, herr
}

// endBody ends a streamed body and returns the failure so far: what was
// written goes first, then a failure (herr, a short body) closes the pipe
// with it, which cuts the request short, never a clean end.
func (w *writer) endBody(herr error) error {
	w.mu.Lock()
	pw, bw, declare, written := w.pw, w.bw, w.declare, w.written
	w.mu.Unlock()
	if pw == nil {
		return herr
	}
	flushed := bw.Flush() // fails only when the request ended: its result says why
	if herr == nil && declare >= 0 && written < declare {
		herr = fmt.Errorf("%w: the handler wrote %d bytes of its Content-Length %d: set the length the body really has, or leave it out", wgor.ErrBodyLength, written, declare)
	}
	if herr == nil && flushed != nil {
		herr = flushed
		if r := w.wait(); r.err != nil {
			herr = r.err
		}
	}
	if herr != nil {
		pw.CloseWithError(herr)
		return herr
	}
	return pw.Close()
}

// failure is the invocation's error: nil when what the handler meant, or
// its deliberate answer, was delivered. w.mu is held.
func (w *writer) failure(herr error, started bool, rerr error) error {
	switch {
	case herr == nil:
		return rerr
	case !started:
		if _, _, _, deliberate := answerOf(herr); deliberate {
			return rerr
		}
		return herr
	case rerr == nil || errors.Is(herr, rerr):
		return herr
	case errors.Is(rerr, herr) && w.pw != nil:
		return fmt.Errorf("%w; the runtime cut the WriteGetObjectResponse short after the %d body bytes the handler wrote, so that OSS cannot relay it as whole", herr, w.written)
	}
	return fmt.Errorf("%w; the WriteGetObjectResponse failed: %v", herr, rerr)
}
