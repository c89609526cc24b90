package wgor

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// bodyReader streams a body to net/http for one attempt, counting the
// bytes, reporting progress and holding the body to its length.
//
// With a length, when the last byte arrives without io.EOF it reads one
// byte more to find out whether the body is longer: if it is, or if it ends
// early, that Read fails and its bytes are withheld, so that the request on
// the wire stays incomplete and OSS never relays it as complete.
type bodyReader struct {
	src      *source
	ctx      context.Context // the attempt's: a Read waiting on the pump stops when it ends
	length   int64           // -1 when unknown (chunked)
	sent     atomic.Int64
	halted   atomic.Bool // OSS answered, or Write returned: no more reads
	err      error
	progress func(Progress)
	spooled  int64 // for Progress: the bytes spooled before sending
}

// bodyError marks an error of the body itself (its Read failed, or its
// length is wrong), as opposed to the network's: see holdConn.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// Close does nothing: the caller's body is closed by Write, once, after the
// last attempt.
func (br *bodyReader) Close() error { return nil }

// halt makes the Reads that follow fail: net/http then stops sending a body
// OSS has already answered.
func (br *bodyReader) halt() { br.halted.Store(true) }

func (br *bodyReader) Read(p []byte) (int, error) {
	if br.err == nil && br.halted.Load() {
		if br.length >= 0 && br.sent.Load() == br.length {
			// Every declared byte went, and OSS, which answered, reads no
			// further: the read past the end that net/http makes is not
			// waited for.
			return 0, io.EOF
		}
		br.err = &bodyError{errWriteReturned}
	}
	if br.err != nil {
		return 0, br.err
	}
	n, err := br.read(p)
	if err != nil && err != io.EOF {
		br.err = &bodyError{err}
		return 0, br.err
	}
	if n > 0 {
		sent := br.sent.Add(int64(n))
		if br.progress != nil {
			br.progress(Progress{Spooled: br.spooled, Sent: sent, Total: br.length})
		}
	}
	return n, err
}

// read applies the length rules to one read of the source.
func (br *bodyReader) read(p []byte) (int, error) {
	if br.length < 0 {
		return br.src.read(br.ctx, p)
	}
	sent := br.sent.Load()
	left := br.length - sent
	if left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > left+1 {
		p = p[:left+1]
	}
	n, err := br.src.read(br.ctx, p)
	switch {
	case int64(n) > left:
		return 0, br.tooLong()
	case err == io.EOF && int64(n) < left:
		return 0, fmt.Errorf("%w: body ended after %d bytes, %d short of ContentLength %d: declare the length the body really has, or leave ContentLength 0",
			ErrBodyLength, sent+int64(n), left-int64(n), br.length)
	case err != nil || int64(n) < left:
		return n, err
	}
	// The last declared byte is here: is there another?
	var one [1]byte
	for {
		m, err := br.src.read(br.ctx, one[:])
		switch {
		case m > 0:
			return 0, br.tooLong()
		case err == io.EOF:
			return n, nil
		case err != nil:
			return 0, err
		}
	}
}

func (br *bodyReader) tooLong() error {
	return fmt.Errorf("%w: body holds more than ContentLength %d bytes: declare the length the body really has, or leave ContentLength 0",
		ErrBodyLength, br.length)
}

var copyBuffers = sync.Pool{New: func() any { return new([chunkSize]byte) }}

// WriteTo copies a body of unknown length to w with a buffer larger than
// net/http's: sent chunked, each Read becomes one chunk, and net/http
// spends a write per chunk, and the pump a hand-over. A body of declared
// length reaches here only when net/http drains what it has sent.
func (br *bodyReader) WriteTo(w io.Writer) (int64, error) {
	if br.length >= 0 {
		return io.Copy(w, struct{ io.Reader }{br})
	}
	buf := copyBuffers.Get().(*[chunkSize]byte)
	defer copyBuffers.Put(buf)
	var total int64
	for {
		n, err := br.Read(buf[:])
		if n > 0 {
			m, werr := w.Write(buf[:n]) // an empty chunk would end the body
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}
