package wgor

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/wgor-dev/wgor/internal/redact"
)

// errWriteReturned is what a Read of a body returns once Write has
// returned (or stopped reading it because OSS already answered).
var errWriteReturned = errors.New("wgor: the body is no longer read: OSS has answered, or Write has returned")

// errBodyPanicked stands for a panic in the body's Read while Write is
// still cleaning up; Write then panics again with the caller's value.
var errBodyPanicked = errors.New("wgor: Response.Body's Read panicked")

// chunkSize is the most one Read of a body asks for: eight times the
// buffer net/http copies a request body with, so that a chunked body goes
// out in few, large chunks.
const chunkSize = 256 << 10

// source reads the caller's body, at most one byte past a declared length,
// passing its errors through the Write's scrubber.
//
// A body whose Read may block (anything but an in-memory reader or a
// regular file) is read by a goroutine of its own, the pump, one Read at a
// time and only when asked. Neither Write nor net/http then ever waits on
// such a Read: when the context ends or Write returns, they stop waiting,
// and the pump is left with the Read it is in. That is the one goroutine a
// Read that neither returns nor can be closed costs; it ends when the Read
// returns.
type source struct {
	orig  io.Reader
	limit int64 // the declared length plus one, or -1
	r     io.Reader
	scrub *redact.Scrubber
	err   error // the error that ended the body, returned ever after
	zeros int   // consecutive empty reads

	pumped   bool
	started  bool
	chunks   chan chunk    // pump → reader
	more     chan struct{} // reader → pump: the last chunk is used up
	stop     chan struct{} // closed when Write is done with the body
	stopOnce sync.Once
	pending  []byte // what is left of the last chunk
	final    error  // what ended the body after pending

	mu       sync.Mutex
	panicVal any // what the body's Read panicked with
}

// chunk is the outcome of one Read on the pump.
type chunk struct {
	data     []byte
	err      error
	panicked bool
	value    any
}

func newSource(r io.Reader, length int64, mayBlock bool, s *redact.Scrubber) *source {
	src := &source{orig: r, limit: -1, scrub: s, pumped: mayBlock}
	if length >= 0 {
		src.limit = length + 1
	}
	src.reset()
	if mayBlock {
		src.chunks = make(chan chunk)
		src.more = make(chan struct{})
		src.stop = make(chan struct{})
	}
	return src
}

// reset makes a body that was rewound readable again from its start.
func (s *source) reset() {
	s.r, s.err, s.zeros = s.orig, nil, 0
	if s.limit >= 0 {
		s.r = io.LimitReader(s.orig, s.limit)
	}
}

// read reads once into p. A body that keeps returning nothing, and no
// error, fails as bufio fails it.
func (s *source) read(ctx context.Context, p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.readOnce(ctx, p)
	if n > 0 || err != nil {
		s.zeros = 0
	} else if s.zeros++; s.zeros >= 100 {
		err = io.ErrNoProgress
	}
	if err != nil && err != io.EOF {
		err = s.scrub.Error(err) // the body's own text, from outside
	}
	if err != nil {
		s.err = err
	}
	return n, err
}

func (s *source) readOnce(ctx context.Context, p []byte) (int, error) {
	if !s.pumped {
		return s.r.Read(p)
	}
	if len(s.pending) == 0 {
		if s.final != nil {
			return 0, s.final
		}
		if err := s.fetch(ctx); err != nil {
			return 0, err
		}
	}
	n := copy(p, s.pending)
	s.pending = s.pending[n:]
	if n == 0 && s.final != nil {
		return 0, s.final
	}
	return n, nil
}

// fetch gets the next chunk from the pump, starting it the first time.
func (s *source) fetch(ctx context.Context) error {
	if !s.started {
		s.started = true
		go s.pump()
	} else {
		select {
		case s.more <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.stop:
			return errWriteReturned
		}
	}
	select {
	case c := <-s.chunks:
		if c.panicked {
			s.mu.Lock()
			s.panicVal = c.value
			s.mu.Unlock()
			return errBodyPanicked
		}
		s.pending, s.final = c.data, c.err
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.stop:
		return errWriteReturned
	}
}

// pump runs the Reads of a body that may block, into a buffer of its own
// that it reuses only once the reader has used up the last chunk.
func (s *source) pump() {
	size := int64(chunkSize)
	if s.limit > 0 {
		size = min(size, s.limit)
	}
	buf := make([]byte, size)
	for {
		c := s.call(buf)
		select {
		case s.chunks <- c:
		case <-s.stop:
			return
		}
		if c.err != nil || c.panicked {
			return
		}
		select {
		case <-s.more:
		case <-s.stop:
			return
		}
	}
}

// call runs one Read, turning a panic into a chunk: a panic on the pump's
// goroutine would end the program, where the caller can recover it from
// Write.
func (s *source) call(buf []byte) (c chunk) {
	defer func() {
		if v := recover(); v != nil {
			c = chunk{panicked: true, value: v}
		}
	}()
	n, err := s.r.Read(buf)
	return chunk{data: buf[:n], err: err}
}

// halt ends the pump's waiting: no Read of the body starts after it.
func (s *source) halt() {
	if s.pumped {
		s.stopOnce.Do(func() { close(s.stop) })
	}
}

// panicked returns what the body's Read panicked with, if it did.
func (s *source) panicked() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.panicVal
}
