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

// source reads the caller's body.
//
// A body whose Read may block (anything but an in-memory reader or a
// regular file) is read by one goroutine of its own, the pump, one Read at
// a time and only when asked, into a buffer the asker lends it. Neither
// Write nor net/http then ever waits on such a Read: when ctx ends or
// Write returns, they stop waiting, and the pump is left with the Read it
// is in. That is the one goroutine a Read that neither returns nor can be
// closed costs (see Client.Write); it ends when the Read returns.
type source struct {
	r      io.Reader
	pumped bool

	started bool
	req     chan []byte
	res     chan readResult
	stop    chan struct{} // closed once Write is done with the body
	once    sync.Once

	// Touched only by the one goroutine that reads at a time (the
	// spooler, or net/http's writer), so unguarded.
	err     error
	zeros   int  // consecutive empty reads
	dropped bool // a buffer was left with the pump: never reuse it

	mu       sync.Mutex
	panicVal any // what the body's Read panicked with, for Write to panic again
}

type readResult struct {
	n        int
	err      error
	panicked bool
	value    any
}

func newSource(r io.Reader, mayBlock bool) *source {
	s := &source{r: r, pumped: mayBlock}
	if mayBlock {
		s.req = make(chan []byte)
		s.res = make(chan readResult)
		s.stop = make(chan struct{})
	}
	return s
}

// read reads once into buf. With ctx nil, it waits until the Read returns
// or Write is done with the body. After it returns an error because ctx
// ended, buf may still be written by the pump: see lostBuffer.
func (s *source) read(ctx context.Context, buf []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.readOnce(ctx, buf)
	// A reader that keeps returning nothing, and no error, would have its
	// reader spin forever: give up as bufio does.
	if n == 0 && err == nil {
		if s.zeros++; s.zeros >= 100 {
			err = io.ErrNoProgress
		}
	} else {
		s.zeros = 0
	}
	if err != nil {
		s.err = err
	}
	return n, err
}

func (s *source) readOnce(ctx context.Context, buf []byte) (int, error) {
	if !s.pumped {
		return s.r.Read(buf)
	}
	var done <-chan struct{}
	if ctx != nil {
		done = ctx.Done()
	}
	if !s.started {
		s.started = true
		go s.pump()
	}
	select {
	case s.req <- buf:
	case <-done:
		return 0, ctx.Err()
	case <-s.stop:
		return 0, errWriteReturned
	}
	select {
	case r := <-s.res:
		if r.panicked {
			s.mu.Lock()
			s.panicVal = r.value
			s.mu.Unlock()
			return 0, errBodyPanicked
		}
		return r.n, r.err
	case <-done:
		s.dropped = true
		return 0, ctx.Err()
	case <-s.stop:
		s.dropped = true
		return 0, errWriteReturned
	}
}

// pump runs the Reads of a body that may block, until the body ends or
// Write is done with it.
func (s *source) pump() {
	for {
		var buf []byte
		select {
		case buf = <-s.req:
		case <-s.stop:
			return
		}
		r := s.call(buf)
		select {
		case s.res <- r:
		case <-s.stop:
			return
		}
		if r.err != nil || r.panicked {
			return
		}
	}
}

// call runs one Read, turning a panic into a result: a panic on the pump's
// goroutine would end the program, where the caller can recover it from
// Write.
func (s *source) call(buf []byte) (r readResult) {
	defer func() {
		if v := recover(); v != nil {
			r = readResult{panicked: true, value: v}
		}
	}()
	r.n, r.err = s.r.Read(buf)
	return r
}

// halt ends the pump's waiting: no Read of the body starts after it.
func (s *source) halt() {
	if s.pumped {
		s.once.Do(func() { close(s.stop) })
	}
}

// lostBuffer reports whether a buffer lent to the pump may still be
// written by it, and so must not be reused.
func (s *source) lostBuffer() bool { return s.dropped }

// panicked returns what the body's Read panicked with on the pump, if it
// did.
func (s *source) panicked() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.panicVal
}
