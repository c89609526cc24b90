package wgor

import (
	"fmt"
	"io"
	"sync"
)

// Read holds the body to its length: when the last declared byte arrives
// without io.EOF it reads one byte more to find out whether the body is
// longer; if it is, or if it ends early, that Read fails and its bytes are
// withheld, so that the request on the wire stays incomplete and OSS never
// relays it as complete.
func (b *body) Read(p []byte) (int, error) {
	if b.err == nil && b.halted.Load() {
		if b.length >= 0 && b.sent.Load() == b.length {
			// Every declared byte went, and OSS, which answered, reads no
			// further: the read past the end that net/http makes is not
			// waited for.
			return 0, io.EOF
		}
		b.err = &bodyError{errWriteReturned}
	}
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.readLength(p)
	if err != nil && err != io.EOF {
		b.err = &bodyError{err}
		return 0, b.err
	}
	if n > 0 {
		sent := b.sent.Add(int64(n))
		if b.progress != nil {
			b.progress(Progress{Spooled: b.spooled, Sent: sent, Total: b.length})
		}
	}
	return n, err
}

// bodyError marks an error of the body itself (its Read failed, or its
// length is wrong), as opposed to the network's: see holdConn.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// readLength applies the length rules to one read of the body.
func (b *body) readLength(p []byte) (int, error) {
	left := b.length - b.sent.Load()
	if b.length < 0 {
		return b.next(p)
	} else if left == 0 {
		return 0, io.EOF
	}
	if left < int64(len(p)) {
		p = p[:left+1] // one byte more tells a longer body
	}
	n, err := b.next(p)
	for int64(n) == left && err == nil { // the last declared byte is here: is there another?
		var one [1]byte
		var m int
		if m, err = b.next(one[:]); m > 0 {
			n++
		}
	}
	switch {
	case int64(n) > left:
		return 0, fmt.Errorf("%w: body holds more than ContentLength %d bytes: declare the length the body really has, or leave ContentLength 0",
			ErrBodyLength, b.length)
	case err == io.EOF && int64(n) < left:
		return 0, fmt.Errorf("%w: body ended after %d bytes, %d short of ContentLength %d: declare the length the body really has, or leave ContentLength 0",
			ErrBodyLength, b.length-left+int64(n), left-int64(n), b.length)
	case err == io.EOF:
		return n, nil
	}
	return n, err
}

// next reads once from src. A body that keeps returning nothing, and no
// error, fails as bufio fails it. The body's own errors are text from
// outside: they are scrubbed.
func (b *body) next(p []byte) (int, error) {
	n, err := b.src.Read(p)
	if err != nil && b.stop != nil && b.ctx.Err() != nil {
		err = b.ctx.Err() // the pipe was closed because ctx ended
	}
	if n > 0 || err != nil {
		b.zeros = 0
	} else if b.zeros++; b.zeros >= 100 {
		err = io.ErrNoProgress
	}
	if err != nil && err != io.EOF {
		err = b.scrub.Error(err)
	}
	return n, err
}

var copyBuffers = sync.Pool{New: func() any { return new([chunkSize]byte) }}

// WriteTo copies the body to w with a buffer larger than net/http's: sent
// chunked, each Read becomes one chunk, and net/http spends a write per
// chunk, and the pump a hand-over.
func (b *body) WriteTo(w io.Writer) (int64, error) {
	buf := copyBuffers.Get().(*[chunkSize]byte)
	defer copyBuffers.Put(buf)
	return io.CopyBuffer(w, struct{ io.Reader }{b}, buf[:]) // skips empty reads: an empty chunk would end the body
}

// pump reads r into the pipe until r ends or the pipe is closed. A panic
// in r's Read is passed as errBodyPanicked, and its value kept for Write to
// panic again with: on the pump's goroutine it would end the program.
func (b *body) pump(r io.Reader, pw *io.PipeWriter, size int64) {
	defer func() {
		if v := recover(); v != nil {
			b.mu.Lock()
			b.panicVal = v
			b.mu.Unlock()
			pw.CloseWithError(errBodyPanicked)
		}
	}()
	buf := make([]byte, size)
	for {
		n, err := r.Read(buf)
		if n < 0 || n > len(buf) { // as io.Reader forbids: bufio panics, Write fails
			n, err = 0, fmt.Errorf("Response.Body's Read returned %d bytes for a buffer of %d", n, len(buf))
		}
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
