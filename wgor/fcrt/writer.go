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

// ResponseWriter is how a Handler answers, with the order rules of
// net/http.ResponseWriter: fill Header with the headers to forward, then
// WriteHeader (a status OSS accepts, see ValidStatus; only the first call
// counts), then Write (WriteHeader(200) first if not called; headers
// changed after are ignored). Close ends the response and returns OSS's
// answer; returning from the handler closes it too.
//
// With a Content-Length header the body streams to OSS as it is written,
// held to that length: a body that ends short or runs long is cut short.
// Without one, the body is spooled (see Options) and sent with its length
// once the handler returned, as OSS requires a Content-Length. Small
// writes are gathered up to 32 KiB; a first Write of the whole declared
// body is sent from p and returns once OSS answered. No Content-Type is
// sniffed. A ResponseWriter is not for concurrent use, nor for use after
// the handler returned.
type ResponseWriter interface {
	Header() http.Header
	WriteHeader(status int)
	Write(p []byte) (int, error)
	Close() error
}

// outcome is what one invocation delivered.
type outcome struct {
	status    int
	written   int64 // body bytes the handler wrote
	sent      bool  // OSS accepted the WriteGetObjectResponse
	bytes     int64 // body bytes sent, when sent
	requestID string
}

// writeBuffer gathers small writes: a hand-over per line would cost more.
const writeBuffer = 32 << 10

// unsent are headers that describe the WriteGetObjectResponse message
// itself, not the object, and are never forwarded (RFC 9110, section 7.6.1,
// connection-specific fields; the framing is the request's own).
var unsent = []string{"Content-Length", "Transfer-Encoding", "Connection", "Trailer", "Keep-Alive", "Te", "Upgrade"}

// writer is the ResponseWriter: a pipe into wgor.Client.Write, which runs
// in its own goroutine from the first Write that has bytes, or from the end.
type writer struct {
	ctx   context.Context
	c     *wgor.Client
	inv   *Invocation
	scrub *redact.Scrubber // the invocation's secrets

	header http.Header
	mu     sync.Mutex
	status int         // 0 until WriteHeader
	frozen http.Header // the headers at WriteHeader
	err    error       // sticky: the response cannot be sent as the handler meant
	closed bool

	declare int64 // the handler's Content-Length, -1 if none
	written int64

	pw          *io.PipeWriter // the streamed body, nil for a body sent whole
	bw          *bufio.Writer  // gathers small writes into pw
	done        chan result    // nil until the request started
	res         *result        // the request's result, once received
	errorAnswer bool           // the request is the runtime's own error answer
}

type result struct {
	res *wgor.Result
	err error
}

func newWriter(ctx context.Context, c *wgor.Client, inv *Invocation, scrub *redact.Scrubber) *writer {
	return &writer{ctx: ctx, c: c, inv: inv, scrub: scrub, header: make(http.Header), declare: -1}
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
		w.fail(fmt.Errorf("fcrt: WriteHeader(%d): OSS accepts only %s", status, oss.StatusList))
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
	if err := w.admit(len(p)); err != nil || len(p) == 0 {
		w.mu.Unlock()
		return 0, err
	}
	w.written += int64(len(p))
	if w.done == nil && w.declare == int64(len(p)) {
		// A body built in memory: sent from p, and p is not kept after.
		w.start(w.status, w.frozen, p)
		w.mu.Unlock()
		return w.result(len(p), nil)
	}
	if w.done == nil {
		w.start(w.status, w.frozen, nil)
	}
	bw, pw := w.bw, w.pw
	w.mu.Unlock()
	if bw != nil && bw.Buffered() == 0 && len(p) >= writeBuffer {
		// A buffer's worth goes as it is: bufio would copy a Write of
		// exactly its size, and a body written in such pieces would be
		// copied whole once more.
		return w.result(pw.Write(p))
	}
	return w.result(bw.Write(p))
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
	case w.declare >= 0 && w.written+int64(n) > w.declare:
		w.fail(fmt.Errorf("%w: the handler wrote more than its Content-Length %d: set the length the body really has, or leave it out", wgor.ErrBodyLength, w.declare))
		if w.pw != nil {
			w.pw.CloseWithError(w.err)
		}
		return w.err
	}
	return nil
}

// result completes a Write: a body sent whole (pw nil) waits for OSS's
// answer; a failed write of the pipe means the request ended, whose
// result says why.
func (w *writer) result(n int, err error) (int, error) {
	w.mu.Lock()
	whole := w.pw == nil
	w.mu.Unlock()
	if whole || err != nil {
		if r := w.wait(); r.err != nil {
			err = r.err
		}
	}
	if err != nil {
		w.mu.Lock()
		w.fail(err)
		w.mu.Unlock()
		return 0, err
	}
	return n, nil
}

// start begins the WriteGetObjectResponse with status, the headers h and
// body: whole, or else a pipe, or else, when the response ended before
// anything was written, an empty body. w.mu is held.
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
	case !w.closed:
		pr, pw := io.Pipe()
		w.pw, w.bw, r.Body = pw, bufio.NewWriterSize(pw, writeBuffer), pr
		if w.declare > 0 {
			r.ContentLength = w.declare
		}
	}
	w.done = make(chan result, 1)
	go func() {
		res, err := w.c.Write(w.ctx, r)
		w.done <- result{res, w.scrub.Error(err)} // the client's errors are outside text
	}()
}

// answerError starts the runtime's own error answer for err in place of the
// handler's response, of which nothing was sent; w.mu is held.
func (w *writer) answerError(err error) {
	status, code, msg, _ := answerOf(err)
	w.status, w.errorAnswer, w.pw, w.bw, w.res = status, true, nil, nil, nil
	doc := oss.ErrorDoc{Code: code, Message: msg, RequestID: w.inv.RequestID}
	w.start(status, http.Header{"Content-Type": {"application/xml"}}, doc.Marshal())
}

// wait returns the request's result; it must have started.
func (w *writer) wait() result {
	w.mu.Lock()
	done, res := w.done, w.res
	w.mu.Unlock()
	if res != nil {
		return *res
	}
	r := <-done
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done == done { // not replaced by an error answer meanwhile
		w.res = &r
	}
	return r
}

// Close ends the response: it answers with what was written (an empty
// body when nothing was) and returns OSS's answer.
func (w *writer) Close() error {
	_, err := w.finish(nil)
	return err
}
