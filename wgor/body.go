package wgor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/wgor-dev/wgor/internal/redact"
)

// errWriteReturned is what a Read of a body returns once Write has
// returned (or stopped reading it because OSS already answered).
var errWriteReturned = errors.New("wgor: the body is no longer read: OSS has answered, or Write has returned")

// errBodyPanicked stands for a panic in the body's Read while Write is
// still cleaning up; Write then panics again with the caller's value.
var errBodyPanicked = errors.New("wgor: Response.Body's Read panicked")

// chunkSize is the most one Read of a body asks for: eight times the
// buffer net/http copies a request body with.
const chunkSize = 256 << 10

// body is a Response's body as Write sends it. A body that net/http reads
// by itself (in memory, or the spool's file) is handed to it as it is. Any
// other goes through body's Read, which counts it, reports progress, holds
// it to its length and stops once OSS has answered or Write returns.
//
// A body whose Read may block (anything but an in-memory reader or a
// regular file) is read by a goroutine of its own, the pump, into an
// io.Pipe, so that neither Write nor net/http ever waits on the body's
// Read: when the context ends or Write returns, the pipe is closed and they
// stop waiting, and the pump is left with the Read it is in. That is the
// one goroutine a Read that neither returns nor can be closed costs; it
// ends when the Read returns. A body that is itself an *io.PipeReader (as
// wgor/fcrt's writer gives) needs no pump: closing it ends a Read waiting
// on it.
type body struct {
	length int64         // bytes to send; -1 when unknown (spooled first, or chunked)
	direct io.ReadCloser // what net/http reads by itself, or nil
	src    io.Reader     // what Read reads: the caller's Body, the pump's pipe, or the spool's file
	// stop closes the pipe src is, so that a Read waiting on it returns;
	// nil when src cannot block. It is watched by one context: the
	// spool's filling, or the one attempt of a body that cannot be sent
	// again.
	stop     func(error) error
	ctx      context.Context
	unwatch  func() bool
	seeker   io.Seeker // rewinds the body to start for a retry; nil when it cannot be sent again
	start    int64
	spool    *spool
	spooled  int64 // bytes spooled before sending, for Progress
	closer   io.Closer
	scrub    *redact.Scrubber // removes the Write's secrets from the body's errors
	progress func(Progress)

	sent   atomic.Int64
	halted atomic.Bool // OSS answered, or Write returned: no more reads
	err    error       // the error that ended the body, returned ever after
	zeros  int         // consecutive empty reads

	mu       sync.Mutex
	panicVal any // what the body's Read panicked with
}

// init works out how to send r.Body: its length, and whether it can be
// sent again.
func (b *body) init(r *Response, scrub *redact.Scrubber, progress func(Progress)) error {
	b.scrub, b.progress = scrub, progress
	detected, mayBlock := b.detect(r.Body)
	b.length = detected
	if declared := r.ContentLength; declared != 0 {
		if r.Body == nil {
			return fmt.Errorf("%w: ContentLength is %d but Body is nil: give the body, or leave ContentLength 0 for an empty one", ErrBodyLength, declared)
		}
		if detected >= 0 && detected != declared {
			return fmt.Errorf("%w: ContentLength is %d but Body holds %d bytes: leave ContentLength 0 to have it detected, or wrap Body in io.LimitReader to send a part", ErrBodyLength, declared, detected)
		}
		b.length = declared
	}
	if b.length == 0 || b.direct != nil {
		return nil
	}
	if b.length < 0 {
		b.seeker = nil // a spooled body is replayed from the spool; a chunked one never
	}
	b.src = r.Body
	if pr, isPipe := r.Body.(*io.PipeReader); isPipe {
		b.stop = func(error) error { return pr.Close() } // its writer learns io.ErrClosedPipe: nobody reads
	} else if mayBlock {
		limit := int64(math.MaxInt64)
		if b.length >= 0 && b.length < math.MaxInt64 {
			limit = b.length + 1 // one byte more tells a longer body
		}
		pr, pw := io.Pipe()
		go b.pump(io.LimitReader(r.Body, limit), pw, min(chunkSize, limit))
		b.src, b.stop = pr, pw.CloseWithError
	}
	return nil
}

// detect returns the length of a body whose length is known (-1 when it
// is not) and whether its Read may block; it sends one held in memory as it
// is, and rewinds one that can be for a retry.
func (b *body) detect(r io.Reader) (length int64, mayBlock bool) {
	if r == http.NoBody { // empty, so that a ContentLength given with it is refused before sending
		return 0, false
	}
	switch v := r.(type) {
	case nil:
		return 0, false
	case *bytes.Buffer: // read from a copy, so that a retry sends the same bytes
		return b.inMemory(bytes.NewReader(v.Bytes())), false
	case *bytes.Reader:
		return b.inMemory(v), false
	case *strings.Reader:
		return b.inMemory(v), false
	case *os.File:
		return b.file(v)
	}
	return -1, true
}

// memReader is a *bytes.Reader or a *strings.Reader.
type memReader interface {
	io.ReadSeeker
	Len() int
	Size() int64
}

// inMemory has net/http send r as it is, rewound to where it starts for a
// retry, and returns its length.
func (b *body) inMemory(r memReader) int64 {
	b.direct, b.seeker, b.start = io.NopCloser(r), r, r.Size()-int64(r.Len())
	return int64(r.Len())
}

// file returns the length of what remains of a regular file, -1 when it is
// not known (a regular file of size zero may still hold data: /proc,
// /sys), and whether its Read may block (it is no regular file).
func (b *body) file(f *os.File) (length int64, mayBlock bool) {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return -1, true
	}
	if b.start, err = f.Seek(0, io.SeekCurrent); err != nil {
		return -1, false
	}
	b.seeker = f
	if n := fi.Size() - b.start; n > 0 {
		return n, false
	}
	return -1, false
}

// reader returns the request body of one attempt, and the GetBody that
// lets net/http send it again when it proves nothing was written (nil when
// it cannot be).
func (b *body) reader(ctx context.Context) (io.ReadCloser, func() (io.ReadCloser, error)) {
	var rc io.ReadCloser = b
	switch {
	case b.length == 0:
		rc = http.NoBody
	case b.direct != nil:
		rc = b.direct
	default:
		b.watch(ctx)
	}
	if !b.replayable() {
		return rc, nil
	}
	return rc, func() (io.ReadCloser, error) { return rc, b.rewind() }
}

// replayable reports whether the body can be sent again.
func (b *body) replayable() bool { return b.length == 0 || b.seeker != nil }

// counted reports whether the body goes through Read, which counts it.
func (b *body) counted() bool { return b.length != 0 && b.direct == nil }

// rewind puts the body back where it started, for another attempt.
func (b *body) rewind() error {
	if b.seeker == nil {
		return nil
	}
	b.sent.Store(0)
	b.err, b.zeros = nil, 0
	_, err := b.seeker.Seek(b.start, io.SeekStart)
	return err
}

// watch closes the pipe when ctx ends; a Read it stops fails with ctx's
// error.
func (b *body) watch(ctx context.Context) {
	if stop := b.stop; stop != nil {
		b.ctx, b.unwatch = ctx, context.AfterFunc(ctx, func() { stop(ctx.Err()) })
	}
}

// halt makes the Reads that follow fail, and one waiting on the pipe
// return: net/http then stops sending a body OSS has already answered.
func (b *body) halt() {
	b.halted.Store(true)
	if b.unwatch != nil {
		b.unwatch()
	}
	if b.stop != nil {
		b.stop(errWriteReturned)
	}
}

// close stops reading the body, closes the caller's Body, releases the
// spool, and returns what the body's Read panicked with, if it did.
func (b *body) close() any {
	b.halt()
	if b.closer != nil {
		b.closer.Close()
	}
	if b.spool != nil {
		b.spool.release()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.panicVal
}

// Close does nothing: the caller's Body is closed by Write, once, after the
// last attempt.
func (b *body) Close() error { return nil }
