package wgor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
)

// ErrBodyLength is wrapped by the error Write returns when Body is shorter or
// longer than Response.ContentLength. When the mismatch shows only while
// streaming, the request is cut short so that OSS cannot take it for a
// complete response.
var ErrBodyLength = errors.New("wgor: body length does not match ContentLength")

// body is a Response's body as Write sends it.
type body struct {
	src    *source // what is read; nil for an empty body
	length int64   // bytes to send; -1 when unknown (sent chunked)

	// inMemory: src reads a *bytes.Reader or *strings.Reader, whose length
	// is exact and whose Read never blocks, or a spool file. net/http reads
	// it itself: it sends the headers and a small body in one write, and
	// a file with sendfile.
	inMemory bool
	mem      io.Reader // that reader
	// toSpool: the length is unknown and the body is to be spooled (see
	// Client.SpoolDir) before it is sent.
	toSpool bool
	spool   *spool
	// seeker rewinds the body to start for a retry; nil when it cannot be
	// replayed.
	seeker io.Seeker
	start  int64

	progress func(Progress)

	closer    io.Closer // the caller's Body, when it can be closed
	closeOnce sync.Once
}

// init works out how to send r.Body: its length, whether it can be
// replayed and whether its reads may block. chunked: a body of unknown
// length is sent chunked rather than spooled.
func (b *body) init(r *Response, chunked bool) error {
	b.length = -1
	if c, ok := r.Body.(io.Closer); ok {
		b.closer = c
	}
	detected := int64(-1)
	mayBlock := false
	switch v := r.Body.(type) {
	case nil:
		detected = 0
	case *bytes.Buffer:
		// Read from a snapshot, so that a retry can send the same bytes.
		br := bytes.NewReader(v.Bytes())
		b.mem, b.seeker, b.inMemory = br, br, true
		detected = int64(br.Len())
	case *bytes.Reader:
		b.mem, b.seeker, b.start, b.inMemory = v, v, v.Size()-int64(v.Len()), true
		detected = int64(v.Len())
	case *strings.Reader:
		b.mem, b.seeker, b.start, b.inMemory = v, v, v.Size()-int64(v.Len()), true
		detected = int64(v.Len())
	case *os.File:
		mayBlock = true
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			mayBlock = false
			if off, err := v.Seek(0, io.SeekCurrent); err == nil {
				b.seeker, b.start = v, off
				// A regular file of size zero may still have content
				// (/proc, /sys): its length is unknown.
				if n := fi.Size() - off; n > 0 {
					detected = n
				}
			}
		}
	default:
		mayBlock = true
	}

	switch declared := r.ContentLength; {
	case declared == 0:
		b.length = detected
	case r.Body == nil:
		return fmt.Errorf("%w: ContentLength is %d but Body is nil: give the body, or leave ContentLength 0 for an empty one", ErrBodyLength, declared)
	case detected >= 0 && detected != declared:
		return fmt.Errorf("%w: ContentLength is %d but Body holds %d bytes: leave ContentLength 0 to have it detected, or wrap Body in io.LimitReader to send a part", ErrBodyLength, declared, detected)
	default:
		b.length = declared
	}
	switch {
	case b.length == 0:
		b.inMemory, b.mem = false, nil
		return nil
	case b.inMemory:
		b.src = newSource(b.mem, false)
		return nil
	}
	b.src = newSource(r.Body, mayBlock)
	if b.length < 0 && !chunked {
		b.toSpool = true
		b.seeker = nil // the spool is what is replayed
	}
	return nil
}

// fillSpool reads the whole body into a spool, which is then what is sent,
// with its length.
func (b *body) fillSpool(ctx context.Context, memLimit int64, dir string) error {
	b.spool = &spool{}
	err := b.spool.fill(ctx, b.src, memLimit, dir, b.progress)
	if err != nil {
		return err
	}
	b.toSpool = false
	b.length = b.spool.size()
	if b.length == 0 {
		b.src = nil
		return nil
	}
	if b.length <= maxInlineSpool && b.spool.file == nil {
		// Small enough to go out with the headers in one write, as an
		// in-memory body does; copied, so the chunk can go back at once.
		data := make([]byte, b.length)
		copy(data, b.spool.chunks[0][:b.length])
		b.spool.release()
		br := bytes.NewReader(data)
		b.mem, b.seeker, b.start, b.inMemory = br, br, 0, true
		b.src = newSource(br, false)
		return nil
	}
	if f, ok := b.spool.file.(*os.File); ok && b.progress == nil {
		// Handed to net/http as a file, which it sends with sendfile
		// where it can; only Progress needs the bytes counted as they go.
		b.mem, b.seeker, b.start, b.inMemory = f, f, 0, true
		b.src = newSource(f, false)
		return b.rewind()
	}
	sr := &spoolReader{s: b.spool}
	b.src, b.seeker, b.start = newSource(sr, false), sr, 0
	return nil
}

// maxInlineSpool bounds the spooled bodies sent as in-memory bodies.
const maxInlineSpool = 64 << 10

// close stops reading the body, closes the caller's Body once and releases
// the spool.
func (b *body) close() {
	if b.src != nil {
		b.src.halt()
	}
	if b.closer != nil {
		b.closeOnce.Do(func() { b.closer.Close() })
	}
	if b.spool != nil {
		b.spool.release()
	}
}

// halt stops the reads of a body whose Read may block: net/http's writer
// then stops waiting on it.
func (b *body) halt() {
	if b.src != nil {
		b.src.halt()
	}
}

// panicked returns what the caller's Read panicked with on the pump.
func (b *body) panicked() any {
	if b.src == nil {
		return nil
	}
	return b.src.panicked()
}

// replayable reports whether a failed attempt can be followed by another
// with the same body.
func (b *body) replayable() bool { return b.src == nil || b.seeker != nil }

// rewind puts the body back where the first attempt started.
func (b *body) rewind() error {
	if b.src == nil {
		return nil
	}
	if b.seeker == nil {
		return errors.New("wgor: body cannot be rewound")
	}
	_, err := b.seeker.Seek(b.start, io.SeekStart)
	return err
}

// attempt returns the request body for one attempt, the GetBody function
// that lets net/http send it again when it proves nothing was written, and
// the reader that counts and checks the bytes (nil for in-memory bodies,
// whose length is exact).
func (b *body) attempt() (io.ReadCloser, func() (io.ReadCloser, error), *bodyReader) {
	switch {
	case b.src == nil:
		return http.NoBody, func() (io.ReadCloser, error) { return http.NoBody, nil }, nil
	case b.inMemory:
		// io.NopCloser of a *bytes.Reader or *strings.Reader is what
		// net/http recognises as an in-memory body.
		get := func() (io.ReadCloser, error) {
			if err := b.rewind(); err != nil {
				return nil, err
			}
			return io.NopCloser(b.mem), nil
		}
		return io.NopCloser(b.mem), get, nil
	}
	br := &bodyReader{r: b.src, left: b.length, total: b.length, progress: b.progress}
	if b.spool != nil {
		br.spooled = b.length
	}
	if b.seeker == nil {
		return br, nil, br
	}
	get := func() (io.ReadCloser, error) {
		if err := b.rewind(); err != nil {
			return nil, err
		}
		br.reset(b.length)
		return br, nil
	}
	return br, get, br
}

// bodyReader streams the body to net/http, counting the bytes and holding
// them to the declared length.
//
// With a declared length it never asks the source for more than remains,
// and when the last declared byte arrives without io.EOF it reads one more
// byte to find out whether the source is longer: if it is, that Read fails
// and the last bytes are withheld, so the request on the wire stays
// incomplete.
type bodyReader struct {
	r        *source
	left     int64 // bytes still expected; -1 when the length is unknown
	total    int64 // the declared length
	sent     atomic.Int64
	halted   atomic.Bool // Write is done: no more reads
	err      error
	probe    [1]byte
	progress func(Progress)
	spooled  int64 // for Progress: the bytes spooled before sending
	// ctx is the attempt's: a Read waiting on the pump stops when it
	// ends, which net/http needs, as it waits for its writer to finish
	// before RoundTrip returns.
	ctx context.Context
}

func (br *bodyReader) reset(length int64) {
	br.left, br.total, br.err = length, length, nil
	br.sent.Store(0)
}

// Close does nothing: the caller's body is closed by Write, once, after the
// last attempt.
func (br *bodyReader) Close() error { return nil }

// halt makes the Reads that follow fail, but for the end of a body of
// declared length whose every byte was read: net/http then stops sending
// a body OSS has already answered.
func (br *bodyReader) halt() { br.halted.Store(true) }

func (br *bodyReader) Read(p []byte) (int, error) {
	n, err := br.read(p)
	if n > 0 {
		sent := br.sent.Add(int64(n))
		if br.progress != nil {
			br.progress(Progress{Spooled: br.spooled, Sent: sent, Total: br.total})
		}
	}
	return n, err
}

func (br *bodyReader) read(p []byte) (int, error) {
	switch {
	case br.err != nil:
		return 0, br.err
	case br.left == 0:
		return 0, io.EOF
	case br.halted.Load():
		br.err = errWriteReturned
		return 0, br.err
	case br.left < 0:
		return br.r.read(br.ctx, p)
	}
	if int64(len(p)) > br.left {
		p = p[:br.left]
	}
	n, err := br.r.read(br.ctx, p)
	br.left -= int64(n)
	switch {
	case err != nil && err != io.EOF:
		br.err = err
		return 0, err
	case br.left > 0 && err == io.EOF:
		got := br.total - br.left
		br.err = fmt.Errorf("%w: body ended after %d bytes, %d short of ContentLength %d: declare the length the body really has, or leave ContentLength 0",
			ErrBodyLength, got, br.left, br.total)
		return 0, br.err
	case br.left > 0 || err == io.EOF:
		return n, err
	}
	// The last declared byte is here: is there another?
	if err := br.probeEnd(); err != nil {
		br.err = err
		return 0, err
	}
	return n, nil
}

// WriteTo copies the body to w with a buffer larger than net/http's. For a
// chunked body, each Read becomes one chunk, and net/http spends a write
// and an allocation per chunk: bigger reads mean fewer of both. A slow
// source is not waited for: whatever one Read returns is written at once.
func (br *bodyReader) WriteTo(w io.Writer) (int64, error) {
	if br.err != nil {
		return 0, br.err
	}
	if br.left == 0 {
		// net/http drains a body of declared length once it has sent
		// it: nothing is left, and no buffer is needed.
		return 0, nil
	}
	buf := chunkBuffers.Get().(*chunk)
	defer func() {
		if !br.r.lostBuffer() {
			chunkBuffers.Put(buf)
		}
	}()
	var total int64
	for {
		n, err := br.Read(buf[:])
		if n > 0 {
			m, werr := w.Write(buf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
			if m != n {
				return total, io.ErrShortWrite
			}
		}
		switch {
		case err == io.EOF:
			return total, nil
		case err != nil:
			return total, err
		}
	}
}

// probeEnd reads one byte past the declared length and reports an error
// unless the source is at its end.
func (br *bodyReader) probeEnd() error {
	for range 100 {
		m, err := br.r.read(br.ctx, br.probe[:])
		switch {
		case m > 0:
			return fmt.Errorf("%w: body holds more than ContentLength %d bytes: declare the length the body really has, or leave ContentLength 0",
				ErrBodyLength, br.total)
		case err == io.EOF:
			return nil
		case err == io.ErrNoProgress:
			return err
		case err != nil:
			return err
		}
	}
	return io.ErrNoProgress
}
