package wgor

import (
	"context"
	"errors"
	"io"
	"sync"
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

// spoolReadSize is the buffer a spool is filled with: the buffer net/http
// copies a request body with. With many invocations at once (Function
// Compute: up to 200 an instance), a buffer per body is what memory grows
// by.
const spoolReadSize = 32 << 10

// source reads the caller's body, at most one byte past a declared length,
// passing its errors through the Write's scrubber.
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
type source struct {
	orig  io.Reader
	limit int64             // the declared length plus one, or -1
	r     io.Reader         // orig within limit, or the pipe from the pump
	stop  func(error) error // closes the pipe read from, to stop the waiting
	clean func(error) error // removes the Write's secrets from the body's errors
	err   error             // the error that ended the body, returned ever after
	zeros int               // consecutive empty reads

	mu       sync.Mutex
	panicVal any // what the body's Read panicked with
}

func newSource(r io.Reader, length int64, mayBlock bool, clean func(error) error) *source {
	src := &source{orig: r, limit: -1, clean: clean}
	if length >= 0 {
		src.limit = length + 1 // one byte more tells a longer body
	}
	src.reset()
	switch pr, isPipe := r.(*io.PipeReader); {
	case isPipe: // its writer learns io.ErrClosedPipe: nobody reads
		src.stop = func(error) error { return pr.Close() }
	case mayBlock:
		pr, pw := io.Pipe()
		go src.pump(src.r, pw)
		src.r, src.stop = pr, pw.CloseWithError
	}
	return src
}

// reset makes a body that was rewound readable again from its start; only
// a body that does not block can be rewound.
func (s *source) reset() {
	s.r, s.err, s.zeros = s.orig, nil, 0
	if s.limit >= 0 {
		s.r = io.LimitReader(s.orig, s.limit)
	}
}

// read reads once into p; a Read waiting on a pipe ends when the ctx given
// to watch does, and its error is then ctx.Err(). A body that
// keeps returning nothing, and no error, fails as bufio fails it.
func (s *source) read(ctx context.Context, p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.r.Read(p)
	if err != nil && s.stop != nil && ctx.Err() != nil {
		err = ctx.Err() // the pipe was closed because ctx ended
	}
	if n > 0 || err != nil {
		s.zeros = 0
	} else if s.zeros++; s.zeros >= 100 {
		err = io.ErrNoProgress
	}
	if err != nil && err != io.EOF && s.clean != nil {
		err = s.clean(err) // the body's own words, from outside
	}
	if err != nil {
		s.err = err
	}
	return n, err
}

// watch stops a Read waiting on the body's pipe when ctx ends, until the
// returned function is called: once for an attempt or a spool's filling, not
// for each Read.
func (s *source) watch(ctx context.Context) (stop func() bool) {
	if s.stop == nil {
		return func() bool { return false }
	}
	return context.AfterFunc(ctx, func() { s.stop(ctx.Err()) })
}

// pump reads r into the pipe until r ends or the pipe is closed. A panic
// in r's Read is passed as errBodyPanicked, and its value kept for Write to
// panic again with: on the pump's goroutine it would end the program.
func (s *source) pump(r io.Reader, pw *io.PipeWriter) {
	defer func() {
		if v := recover(); v != nil {
			s.mu.Lock()
			s.panicVal = v
			s.mu.Unlock()
			pw.CloseWithError(errBodyPanicked)
		}
	}()
	size := int64(chunkSize)
	if s.limit > 0 {
		size = min(size, s.limit)
	}
	buf := make([]byte, size)
	for {
		n, err := r.Read(buf)
		if n > 0 || err == nil {
			if _, werr := pw.Write(buf[:n]); werr != nil {
				return // the pipe was closed: Write is done with the body
			}
		}
		if err != nil {
			pw.CloseWithError(err)
			return
		}
	}
}

// halt closes the pipe: no Read of the body starts after it, and a read
// waiting on the pipe returns.
func (s *source) halt() {
	if s.stop != nil {
		s.stop(errWriteReturned)
	}
}

// panicked returns what the body's Read panicked with, if it did.
func (s *source) panicked() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.panicVal
}
