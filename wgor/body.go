package wgor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
)

// body is a Response's body as Write sends it.
type body struct {
	length int64 // bytes to send; -1 when unknown (spooled first, or chunked)
	// mem is a body net/http reads itself, whose length is exact and whose
	// Read never blocks: an in-memory reader, or the spool's file (which
	// net/http sends with sendfile).
	mem io.Reader
	src *source // any other body, read through a bodyReader
	// orig reads the caller's Body, when src does or did: a spooled body
	// is sent from the spool.
	orig *source
	// seeker rewinds the body to start for a retry; nil when it cannot be
	// sent again.
	seeker io.Seeker
	start  int64
	spool  *spool

	progress func(Progress)
	closer   io.Closer // the caller's Body, when it can be closed
	once     sync.Once
}

// init works out how to send r.Body: its length, and whether it can be
// sent again.
func (b *body) init(r *Response, clean func(error) error, progress func(Progress)) error {
	b.progress = progress
	detected, mayBlock := int64(-1), true
	switch v := r.Body.(type) {
	case nil:
		detected = 0
	case *bytes.Buffer: // read from a copy, so that a retry sends the same bytes
		br := bytes.NewReader(v.Bytes())
		b.mem, b.seeker, detected = br, br, br.Size()
	case *bytes.Reader:
		b.mem, b.seeker, b.start, detected = v, v, v.Size()-int64(v.Len()), int64(v.Len())
	case *strings.Reader:
		b.mem, b.seeker, b.start, detected = v, v, v.Size()-int64(v.Len()), int64(v.Len())
	case *os.File:
		detected, mayBlock = b.file(v)
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
	if b.length == 0 || b.mem != nil {
		return nil
	}
	b.src = newSource(r.Body, b.length, mayBlock, clean)
	b.orig = b.src
	if b.length < 0 {
		b.seeker = nil // a spooled body is replayed from the spool; a chunked one never
	}
	return nil
}

// file returns the length of what remains of a regular file, -1 when it is
// not known (a regular file of size zero may still hold data: /proc,
// /sys), and whether its Read may block (it is no regular file).
func (b *body) file(f *os.File) (length int64, mayBlock bool) {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return -1, true
	}
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return -1, false
	}
	b.seeker, b.start = f, off
	if n := fi.Size() - off; n > 0 {
		return n, false
	}
	return -1, false
}

// close stops reading the body, closes the caller's Body once, releases the
// spool, and returns what the body's Read panicked with, if it did.
func (b *body) close() any {
	if b.closer != nil {
		b.once.Do(func() { b.closer.Close() })
	}
	if b.spool != nil {
		b.spool.release()
	}
	if b.orig == nil {
		return nil
	}
	b.orig.halt()
	return b.orig.panicked()
}

// rewind puts the body back where it started, for another attempt.
func (b *body) rewind() error {
	if b.seeker == nil {
		return nil
	}
	_, err := b.seeker.Seek(b.start, io.SeekStart)
	if b.src != nil {
		b.src.reset()
	}
	return err
}

// replayable reports whether the body can be sent again.
func (b *body) replayable() bool { return b.length == 0 || b.seeker != nil }

// reader returns the request body of one attempt, the GetBody that lets
// net/http send it again when it proves nothing was written, and the
// bodyReader that counts and checks the bytes (nil for a body net/http
// reads itself).
func (b *body) reader(ctx context.Context) (io.ReadCloser, func() (io.ReadCloser, error), *bodyReader) {
	switch {
	case b.length == 0:
		return http.NoBody, func() (io.ReadCloser, error) { return http.NoBody, nil }, nil
	case b.mem != nil:
		get := func() (io.ReadCloser, error) { return io.NopCloser(b.mem), b.rewind() }
		return io.NopCloser(b.mem), get, nil
	}
	br := &bodyReader{src: b.src, ctx: ctx, length: b.length, progress: b.progress}
	b.src.watch(ctx) // the attempt's ctx ends with the attempt
	if b.spool != nil {
		br.spooled = b.length
	}
	if b.seeker == nil {
		return br, nil, br
	}
	get := func() (io.ReadCloser, error) {
		br.sent.Store(0)
		br.err = nil
		return br, b.rewind()
	}
	return br, get, br
}
