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

	"github.com/wgor-dev/wgor/wgor"
)

// ResponseWriter is how a Handler answers the GetObject, with the order
// rules of net/http.ResponseWriter:
//
//   - Header is the map of headers to forward (Content-Type, ETag,
//     Content-Range, Last-Modified, Cache-Control or any other); change it
//     before the first WriteHeader or Write. Changes made after are ignored.
//   - WriteHeader sets the status the caller receives; it must be one OSS
//     accepts (see ValidStatus). Only the first call counts.
//   - Write sends body bytes, calling WriteHeader(200) first if it was not
//     called. Small writes are gathered up to 32 KiB, larger ones go
//     straight through, and Write returns once the request (or the spool)
//     took the bytes. Nothing is held whole in memory. A first Write that
//     holds the whole body of a declared Content-Length sends it in one
//     piece and returns once OSS has answered.
//   - Close ends the response and returns what OSS answered. Returning from
//     the handler closes it too.
//
// A Content-Length header, when set, is sent as the body's length and
// holds the handler to it: the body streams to OSS as it is written, and a
// body that ends short or runs long fails and the response is cut short.
// Without one, the body is spooled (see Options) and sent with its length
// once the handler has returned, as OSS requires a Content-Length; a
// failure before then replaces the answer with an error, as if nothing had
// been written. No Content-Type is sniffed or added.
//
// The WriteGetObjectResponse request starts at the first Write that has
// bytes or at Close: until then an error returned by the handler still
// replaces the answer. A ResponseWriter is not for concurrent use, nor for
// use after the handler returned.
type ResponseWriter interface {
	Header() http.Header
	WriteHeader(status int)
	Write(p []byte) (int, error)
	Close() error
}

// outcome is what one invocation delivered.
type outcome struct {
	status    int
	bytes     int64
	requestID string // OSS's x-oss-request-id
}

// writeBuffer is how many bytes of small writes are gathered before they
// go to the request, so that a handler writing a line at a time does not
// pay for a hand-over per line. Larger writes go straight through.
const writeBuffer = 32 << 10

// unsent are headers that describe the WriteGetObjectResponse message
// itself, not the object, and are never forwarded.
var unsent = []string{"Content-Length", "Transfer-Encoding", "Connection", "Trailer", "Keep-Alive", "Te", "Upgrade"}

// writer is the ResponseWriter: a pipe into wgor.Client.Write, which
// runs in its own goroutine from the first Write.
type writer struct {
	ctx context.Context
	c   *wgor.Client
	inv *Invocation

	header http.Header
	mu     sync.Mutex
	status int // 0 until WriteHeader
	frozen http.Header
	err    error // sticky: the response cannot be sent as the handler meant
	closed bool
	// errorAnswer: the request is the runtime's own error answer.
	errorAnswer bool

	pw      *io.PipeWriter // nil until the request started
	bw      *bufio.Writer  // buffers small writes into pw
	declare int64          // the handler's Content-Length, -1 if none
	written int64
	done    chan result
	res     *result // the request's result, once received
}

type result struct {
	res *wgor.Result
	err error
}

func newWriter(ctx context.Context, c *wgor.Client, inv *Invocation) *writer {
	return &writer{ctx: ctx, c: c, inv: inv, header: make(http.Header), declare: -1}
}

func (w *writer) Header() http.Header { return w.header }

func (w *writer) WriteHeader(status int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writeHeader(status)
}

func (w *writer) writeHeader(status int) {
	if w.status != 0 {
		return
	}
	w.status = status
	w.frozen = w.header.Clone()
	if !ValidStatus(status) {
		w.fail(fmt.Errorf("fcrt: WriteHeader(%d): OSS accepts only 200, 206, 301, 302, 303, 304, 400, 401, 403, 404, 405, 409, 411, 412, 416, 500 and 503", status))
		return
	}
	if v := w.frozen.Get("Content-Length"); v != "" {
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
	w.writeHeader(http.StatusOK)
	switch {
	case w.closed:
		w.mu.Unlock()
		return 0, errors.New("fcrt: Write after the response ended: write before returning from the handler or calling Close")
	case w.err != nil:
		w.mu.Unlock()
		return 0, w.err
	case len(p) == 0:
		w.mu.Unlock()
		return 0, nil
	case w.declare >= 0 && w.written+int64(len(p)) > w.declare:
		w.fail(fmt.Errorf("%w: the handler wrote more than its Content-Length %d: set the length the body really has, or leave it out", wgor.ErrBodyLength, w.declare))
		err := w.err
		w.mu.Unlock()
		w.abort(err)
		return 0, err
	}
	if w.pw == nil && w.done == nil && w.declare == int64(len(p)) {
		// The whole declared body in one Write, the common case of a
		// body built in memory: sent from p itself, without the pipe and
		// the goroutine that reads it, and Write returns once OSS has
		// answered, so that p is not kept after.
		w.written += int64(len(p))
		w.start(w.status, w.frozen, p)
		w.mu.Unlock()
		if r := w.wait(); r.err != nil {
			w.mu.Lock()
			w.fail(r.err)
			w.mu.Unlock()
			return 0, r.err
		}
		return len(p), nil
	}
	if w.pw == nil {
		w.start(w.status, w.frozen, nil)
	}
	bw := w.bw
	w.written += int64(len(p))
	w.mu.Unlock()
	n, err := bw.Write(p)
	if err != nil {
		// OSS's side ended: its answer says why.
		r := w.wait()
		if r.err != nil {
			err = r.err
		}
		w.mu.Lock()
		w.fail(err)
		w.mu.Unlock()
	}
	return n, err
}

// start begins the WriteGetObjectResponse with the given status and
// headers, and body: nil for the pipe, or the whole body.
func (w *writer) start(status int, h http.Header, whole []byte) {
	g := w.inv.Event.GetObjectContext
	r := &wgor.Response{Route: g.OutputRoute, Token: g.OutputToken, Status: status}
	fwd := h.Clone()
	for _, name := range unsent {
		delete(fwd, name)
	}
	if len(fwd) > 0 {
		r.Header = fwd
	}
	switch {
	case whole != nil:
		r.Body = bytes.NewReader(whole)
	case w.pw == nil && w.written == 0 && w.closed:
		// Nothing written: an empty body, sent with Content-Length: 0.
	default:
		pr, pw := io.Pipe()
		w.pw, r.Body = pw, pr
		w.bw = bufio.NewWriterSize(pw, writeBuffer)
		if w.declare > 0 {
			r.ContentLength = w.declare
		}
	}
	w.done = make(chan result, 1)
	go func() {
		res, err := w.c.Write(w.ctx, r)
		w.done <- result{res, err}
	}()
}

// answerError starts the runtime's own error answer for err; w.mu is
// held and nothing was sent.
func (w *writer) answerError(err error) {
	status, code, msg, _ := answerOf(err)
	w.status, w.errorAnswer, w.pw = status, true, nil
	w.start(status, http.Header{"Content-Type": {"application/xml"}}, errorBody(code, msg, w.inv.RequestID))
}

// abort cuts a started request short.
func (w *writer) abort(err error) {
	w.mu.Lock()
	pw := w.pw
	w.mu.Unlock()
	if pw != nil {
		pw.CloseWithError(err)
	}
}

// wait returns the request's result; it must have started.
func (w *writer) wait() result {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.res == nil {
		w.mu.Unlock()
		r := <-w.done
		w.mu.Lock()
		if w.res == nil {
			w.res = &r
		}
	}
	return *w.res
}

// Close ends the response: it answers with what was written (an empty
// body when nothing was) and returns OSS's answer.
func (w *writer) Close() error {
	_, err := w.finish(nil)
	return err
}

// finish ends the response after the handler returned herr (nil for
// success; a panic is an error too) and reports what was delivered and the
// error of the invocation, if it failed. It is called once per
// invocation, and again harmlessly by a handler's Close.
func (w *writer) finish(herr error) (outcome, error) {
	w.mu.Lock()
	w.writeHeader(http.StatusOK)
	started := w.done != nil
	if !w.closed {
		w.closed = true
		if !started {
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
		}
	}
	pw, declare, written := w.pw, w.declare, w.written
	w.mu.Unlock()
	if pw != nil {
		switch {
		case herr != nil:
			pw.CloseWithError(herr)
		case declare >= 0 && written < declare:
			herr = fmt.Errorf("%w: the handler wrote %d bytes of its Content-Length %d: set the length the body really has, or leave it out", wgor.ErrBodyLength, written, declare)
			pw.CloseWithError(herr)
		default:
			if err := w.bw.Flush(); err != nil {
				if r := w.wait(); r.err != nil {
					err = r.err // the request's end says why
				}
				herr = err
			}
			pw.Close()
		}
	}
	r := w.wait()
	if errors.Is(r.err, wgor.ErrNotSent) && !w.errorAnswer {
		// Nothing was sent (a forwarded header with a control character,
		// a handler that failed while its body was being spooled): the
		// token is unused, so the caller gets the error answer now rather
		// than wait for the function's timeout.
		cause := herr
		if cause == nil {
			cause = r.err
		}
		w.mu.Lock()
		w.res = nil
		w.answerError(cause)
		w.mu.Unlock()
		r = w.wait()
		herr = cause
		started = false
	}
	o := outcome{status: w.status}
	if r.res != nil {
		o.bytes, o.requestID = r.res.BytesSent, r.res.RequestID
	}
	switch {
	case herr != nil:
		if _, _, _, deliberate := answerOf(herr); deliberate && !started {
			return o, r.err // delivered, or not
		}
		if r.err != nil && started {
			return o, fmt.Errorf("%w (the response was cut short: %v)", herr, r.err)
		}
		return o, herr
	case r.err != nil:
		return o, r.err
	}
	return o, nil
}
