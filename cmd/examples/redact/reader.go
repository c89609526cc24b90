package redact

import (
	"errors"
	"io"
)

// The window a Reader keeps: masking a position needs a few bytes before
// it (an address's local part, found from its '@') and the longest match
// after it, plus one byte on each side to see that the match ends there.
const (
	back      = maxLocal + 6             // the local part, its boundary, a decimal point
	lookahead = maxLocal + maxDomain + 8 // the longest match (an address) and its boundary
	chunkSize = 64 << 10
)

// Reader masks personal data in the text read from its source, as it
// streams: see the package documentation for what it masks. Each masked
// character becomes '*', so the output has the length of the input. It
// holds at most 64 KiB and a few hundred bytes more, whatever the
// input's size, and finds a match that two reads of the source split.
type Reader struct {
	src   io.Reader
	buf   []byte // buf[out:ready] is masked and waits to be read; buf[ready:] is not decided yet
	out   int
	ready int
	scan  int // the next position to look for a match at
	eof   bool
	err   error // the source's error, returned once the decided bytes are read
}

// NewReader returns a Reader masking the text of src.
func NewReader(src io.Reader) *Reader {
	return &Reader{src: src, buf: make([]byte, 0, chunkSize+lookahead+back)}
}

// Read reads masked text.
func (r *Reader) Read(p []byte) (int, error) {
	for r.out == r.ready {
		if r.eof {
			return 0, r.err
		}
		r.fill()
	}
	n := copy(p, r.buf[r.out:r.ready])
	r.out += n
	return n, nil
}

// WriteTo writes the masked text to w straight from the window, for
// io.Copy.
func (r *Reader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		for r.out == r.ready {
			if r.eof {
				if r.err == io.EOF {
					return total, nil
				}
				return total, r.err
			}
			r.fill()
		}
		n, err := w.Write(r.buf[r.out:r.ready])
		r.out += n
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
}

// fill reads once from the source and masks what can now be decided.
func (r *Reader) fill() {
	n := copy(r.buf, r.buf[r.ready:])
	r.buf = r.buf[:n]
	r.scan -= r.ready
	r.out, r.ready = 0, 0

	m, err := r.src.Read(r.buf[n:cap(r.buf)])
	r.buf = r.buf[:n+m]
	switch {
	case err == io.EOF:
		r.eof, r.err = true, io.EOF
	case err != nil:
		// The rest cannot be decided: nothing undecided is let out, so a
		// match cut by the failure is never shown half.
		r.eof, r.err = true, err
		r.buf = r.buf[:r.ready]
		return
	case m == 0 && n == cap(r.buf):
		r.eof, r.err = true, errors.New("redact: the window is full: this is a bug")
		return
	}
	limit := len(r.buf)
	if !r.eof {
		limit -= lookahead
	}
	if limit > r.scan {
		r.scan = maskFrom(r.buf, r.scan, limit)
	}
	if r.eof {
		r.ready = len(r.buf)
	} else {
		// Bytes from scan-back on may still be masked: a local part
		// before an '@' not seen yet.
		r.ready = max(0, min(r.scan, len(r.buf))-back)
	}
}

// candidate marks the bytes a match may start at, so that maskFrom skips
// the others with one look-up each.
var candidate = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['+'], t['@'] = true, true
	return t
}()

// maskFrom masks the matches of b that start in [from, limit) (an
// address: whose '@' is there) and returns where the scan goes on: limit,
// or the end of a match that runs past it. Every match is decided with
// the bytes from 2+maxLocal before its start to 1 after its end, all of
// which are in b.
func maskFrom(b []byte, from, limit int) int {
	p := from
	for p < limit {
		win := b[p:limit]
		i := 0
		for i < len(win) && !candidate[win[i]] {
			i++
		}
		if p += i; p >= limit {
			break
		}
		end := 0
		switch c := b[p]; {
		case c == '@':
			end = maskEmail(b, p)
		case !leftBoundary(b, p):
		case c == '+':
			end = maskE164(b, p)
		default:
			end = maskNumber(b, p)
		}
		if end > p {
			p = end
			continue
		}
		// No match starts inside a run of digits: skip it.
		for p++; p < limit && isDigit(b[p]); p++ {
		}
	}
	return p
}

// leftBoundary reports whether a number may start at p: not inside a
// word or an address's domain, nor after the point of a decimal
// fraction ("3.14159…").
func leftBoundary(b []byte, p int) bool {
	if p == 0 {
		return true
	}
	c := b[p-1]
	if isWord(c) || c == '@' {
		return false
	}
	return c != '.' || p < 2 || !isDigit(b[p-2])
}

// rightBoundary reports whether a match may end before e.
func rightBoundary(b []byte, e int) bool {
	return e >= len(b) || !(isWord(b[e]) || b[e] == '@')
}

// mask replaces the digits, letters and other characters of b[from:to]
// that f selects with '*'.
func mask(b []byte, from, to int, f func(byte) bool) {
	for i := from; i < to; i++ {
		if f(b[i]) {
			b[i] = '*'
		}
	}
}
