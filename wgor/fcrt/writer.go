package fcrt

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/internal/redact"
	"github.com/wgor-dev/wgor/wgor"
)

// writeBuffer gathers small writes: a hand-over per line would cost more.
const writeBuffer = 32 << 10

// writer is the ResponseWriter of one invocation. Its body goes through a
// pipe into wgor.Client.Write, which runs in a goroutine of its own from
// the first Write that has bytes, or from the end of the response.
type writer struct {
	ctx   context.Context
	c     *wgor.Client
	inv   *Invocation
	scrub *redact.Scrubber // the invocation's secrets

	header http.Header
	mu     sync.Mutex // guards what follows against a handler's stray goroutine
	status int        // 0 until WriteHeader
	frozen http.Header
	err    error // sticky: the response cannot be sent as the handler meant
	closed bool

	declare int64 // the handler's Content-Length, -1 if none
	written int64

	req         *request       // nil until the request started
	pw          *io.PipeWriter // the streamed body, nil for a body sent whole
	bw          *bufio.Writer  // gathers small writes into pw
	sending     sync.Mutex     // held while bytes go into bw or pw, taken after mu
	errorAnswer bool           // req is the runtime's own error answer
	sent        *wgor.Result   // OSS's answer, once it accepted the response
}

// request is one WriteGetObjectResponse under way; res and err are set
// once done is closed.
type request struct {
	done chan struct{}
	res  *wgor.Result
	err  error
}

func (q *request) wait() (*wgor.Result, error) {
	<-q.done
	return q.res, q.err
}

func (w *writer) Header() http.Header { return w.header }

func (w *writer) WriteHeader(status int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writeHeader(status)
}

// writeHeader freezes the status and the headers; w.mu is held.
func (w *writer) writeHeader(status int) {
	if w.status != 0 {
		return
	}
	w.status, w.frozen = status, make(http.Header, len(w.header))
	for k, vs := range w.header { // in canonical form, as the rules look names up
		k = http.CanonicalHeaderKey(k)
		w.frozen[k] = append(w.frozen[k], vs...)
	}
	if !ValidStatus(status) {
		w.fail(fmt.Errorf("fcrt: WriteHeader(%d): OSS accepts only %s", status, oss.StatusList))
		return
	}
	// A 304's Content-Length is the representation's (RFC 9110, 8.6), not a body's.
	if v := w.frozen.Get("Content-Length"); v != "" && status != http.StatusNotModified {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			w.fail(fmt.Errorf("fcrt: header Content-Length %.32q is not a length: set it to the body's size in bytes, or leave it out", v))
			return
		}
		w.declare = n
	}
}

func (w *writer) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

func (w *writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	if err := w.admit(len(p)); err != nil || len(p) == 0 {
		w.mu.Unlock()
		return 0, err
	}
	w.written += int64(len(p))
	if w.req == nil && w.declare == int64(len(p)) {
		// A body built in memory: sent from p, and p is not kept after.
		w.req = w.send(w.status, w.frozen, bytes.NewReader(p), 0)
		req := w.req
		w.mu.Unlock()
		_, err := req.wait()
		return w.wrote(len(p), err)
	}
	if w.req == nil {
		pr, pw := io.Pipe()
		w.pw, w.bw = pw, bufio.NewWriterSize(pw, writeBuffer)
		w.req = w.send(w.status, w.frozen, pr, max(w.declare, 0))
	}
	req, pw, bw := w.req, w.pw, w.bw
	w.sending.Lock() // before w.mu is let go: an endBody that follows waits for these bytes
	w.mu.Unlock()
	var err error
	if bw.Buffered() == 0 && len(p) >= writeBuffer {
		// A buffer's worth goes as it is: bufio would copy a Write of
		// exactly its size, and a body written in such pieces would be
		// copied whole once more.
		_, err = pw.Write(p)
	} else {
		_, err = bw.Write(p)
	}
	w.sending.Unlock()
	if err != nil {
		// The pipe fails only when the request ended: its result says why.
		if _, rerr := req.wait(); rerr != nil {
			err = rerr
		}
	}
	return w.wrote(len(p), err)
}

// admit checks a Write of n bytes; w.mu is held. A Write beyond the
// declared length cuts the request short.
func (w *writer) admit(n int) error {
	w.writeHeader(http.StatusOK)
	switch {
	case w.closed:
		return errors.New("fcrt: Write after the response ended: write before returning from the handler or calling Close")
	case w.err != nil:
		return w.err
	case w.status == http.StatusNotModified: // a 304 has no content (RFC 9110, 15.4.5)
		return http.ErrBodyNotAllowed
	case w.declare >= 0 && w.written+int64(n) > w.declare:
		w.fail(fmt.Errorf("%w: the handler wrote more than its Content-Length %d: set the length the body really has, or leave it out", wgor.ErrBodyLength, w.declare))
		if w.pw != nil {
			w.pw.CloseWithError(w.err)
		}
		return w.err
	}
	return nil
}

// wrote completes a Write of n bytes that ended with err.
func (w *writer) wrote(n int, err error) (int, error) {
	if err == nil {
		return n, nil
	}
	w.mu.Lock()
	w.fail(err)
	w.mu.Unlock()
	return 0, err
}

// send starts the WriteGetObjectResponse of status, the headers h and body,
// of length n (0: the client finds out); w.mu is held.
func (w *writer) send(status int, h http.Header, body io.Reader, n int64) *request {
	g := w.inv.Event.GetObjectContext
	r := &wgor.Response{Route: g.OutputRoute, Token: g.OutputToken, Status: status, Header: h.Clone(), Body: body, ContentLength: n}
	for _, name := range oss.ConnectionSpecific { // which the client refuses
		delete(r.Header, name)
	}
	q := &request{done: make(chan struct{})}
	go func() {
		defer close(q.done)
		q.res, q.err = w.c.Write(w.ctx, r)
		q.err = w.scrub.Error(q.err) // the client's errors are outside text
	}()
	return q
}

// Close ends the response: it answers with what was written (an empty
// body when nothing was) and returns OSS's answer.
func (w *writer) Close() error { return w.finish(nil) }

// finish ends the response after the handler returned herr (nil from
// Close, which may come first) and returns the invocation's failure.
func (w *writer) finish(herr error) error {
	w.mu.Lock()
	w.writeHeader(http.StatusOK)
	w.closed = true
	started := w.req != nil // the handler's own request
	if !started {
		herr = w.answer(herr)
	}
	req, pw := w.req, w.pw
	w.mu.Unlock()
	if pw != nil {
		herr = w.endBody(req, herr)
	}
	res, rerr := req.wait()

	w.mu.Lock()
	if errors.Is(rerr, wgor.ErrNotSent) && !w.errorAnswer {
		// Nothing left (a bad forwarded header, a failed spool): the token
		// is unused, so the caller gets the error answer now.
		if herr == nil {
			herr = rerr
		}
		w.answer(herr)
		started, req = false, w.req
		w.mu.Unlock()
		res, rerr = req.wait()
		w.mu.Lock()
	}
	defer w.mu.Unlock()
	if rerr == nil {
		w.sent = res
	}
	return w.failure(herr, started, rerr)
}

// answer starts the only request of a response that sent nothing of its
// own: the runtime's error answer for a failure, else an empty body. w.mu
// is held.
func (w *writer) answer(herr error) error {
	if herr == nil {
		herr = w.err
	}
	if herr == nil && w.declare > 0 {
		herr = fmt.Errorf("%w: the handler wrote nothing of its Content-Length %d: write the body, or leave the header out", wgor.ErrBodyLength, w.declare)
	}
	if herr == nil {
		w.req = w.send(w.status, w.frozen, nil, 0)
		return nil
	}
	status, code, msg, _ := answerOf(herr)
	w.status, w.errorAnswer, w.pw, w.bw = status, true, nil, nil
	var body io.Reader // none for a 304, which has no content (RFC 9110, 15.4.5)
	if status != http.StatusNotModified {
		body = bytes.NewReader(oss.ErrorDoc{Code: code, Message: msg, RequestID: w.inv.RequestID}.Marshal())
	}
	w.req = w.send(status, http.Header{"Content-Type": {"application/xml"}}, body, 0)
	return herr
}

// endBody ends the streamed body of req and returns the failure so far:
// what was written goes first, then a failure (herr, a short body) closes
// the pipe with it, which cuts the request short, never a clean end.
func (w *writer) endBody(req *request, herr error) error {
	w.sending.Lock() // a stray goroutine's Write admitted before the end
	defer w.sending.Unlock()
	flushed := w.bw.Flush() // fails only when the request ended: its result says why
	if herr == nil && w.declare >= 0 && w.written < w.declare {
		herr = fmt.Errorf("%w: the handler wrote %d bytes of its Content-Length %d: set the length the body really has, or leave it out", wgor.ErrBodyLength, w.written, w.declare)
	}
	if herr == nil && flushed != nil {
		if _, herr = req.wait(); herr == nil {
			herr = flushed
		}
	}
	w.pw.CloseWithError(herr) // nil: a clean end
	return herr
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
