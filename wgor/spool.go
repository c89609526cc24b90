package wgor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
)

// spool holds a body of unknown length, so that OSS gets it with the
// Content-Length its API reference ("WriteGetObjectResponse") requires. A
// body that fits in the memory limit stays in memory; a longer one goes,
// whole, to a temporary file, so memory is bounded whatever the size, and
// the file is read back as it is sent, never whole.
type spool struct {
	mem  []byte
	file spoolFile // the whole body once it did not fit, or nil
	name string    // the file's name until it is removed
	size int64
}

// spoolFile is the part of *os.File a spool uses; tests replace it to fail
// as a full disk does.
type spoolFile interface {
	io.ReadWriteSeeker
	io.Closer
	Name() string
}

// createSpoolFile creates the file a spool holds what exceeds its memory in.
var createSpoolFile = func(dir string) (spoolFile, error) { return os.CreateTemp(dir, "wgor-spool-*") }

// unlinkAtOnce: remove the file's name right after creating it, so that
// nothing is ever left in the directory, whatever happens to the process.
// Windows cannot remove an open file; there the name goes when the spool
// is released.
var unlinkAtOnce = runtime.GOOS != "windows"

// SpoolError says that a body of unknown length could not be spooled (see
// Client.SpoolDir): the directory could not be written, or the disk is
// full. Nothing was sent. A command line can find it with errors.As and
// name its own flags instead of the Client's fields.
type SpoolError struct {
	Dir string // the spool directory
	Err error  // what failed, an *os.PathError as a rule
}

func (e *SpoolError) Error() string {
	return fmt.Sprintf("cannot spool the body of unknown length to %q: %s: make room there, set Client.SpoolDir to a writable directory, declare Response.ContentLength, or send it chunked (Client.Chunked)",
		e.Dir, strings.TrimPrefix(e.Err.Error(), "wgor: "))
}

func (e *SpoolError) Unwrap() error { return e.Err }

func isSpoolError(err error) bool {
	var se *SpoolError
	return errors.As(err, &se)
}

// fillSpool reads the body to its end into a spool, up to memory bytes in
// memory and the whole of it in a file in dir beyond that; the spool is then
// what is sent, with its length.
func (b *body) fillSpool(ctx context.Context, memory int64, dir string) error {
	s := &spool{}
	b.spool = s
	buf := make([]byte, chunkSize)
	for {
		if err := ctx.Err(); err != nil {
			return err // a body read directly does not watch ctx
		}
		n, err := b.src.read(ctx, buf)
		if n > 0 {
			if werr := s.write(buf[:n], memory, dir); werr != nil {
				return werr
			}
			if b.progress != nil {
				b.progress(Progress{Spooled: s.size, Total: -1})
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	b.length = s.size
	if s.file == nil {
		br := bytes.NewReader(s.mem)
		b.mem, b.seeker, b.src = br, br, nil
		return nil
	}
	b.seeker = s.file
	if f, ok := s.file.(*os.File); ok && b.progress == nil {
		b.mem, b.src = f, nil // sent by net/http with sendfile; only Progress needs the bytes counted
	} else {
		b.src = newSource(s.file, s.size, false, b.orig.clean)
	}
	return b.rewind()
}

// write appends p, moving what memory held to a new file the first time
// the body outgrows memory, so that the file holds the whole body.
func (s *spool) write(p []byte, memory int64, dir string) error {
	if need := s.size + int64(len(p)); s.file == nil && need <= memory {
		if need > int64(cap(s.mem)) { // one chunk for a small body, then all of memory
			size := memory
			if s.mem == nil {
				size = min(memory, max(need, chunkSize))
			}
			grown := make([]byte, s.size, size)
			copy(grown, s.mem)
			s.mem = grown
		}
		s.mem = append(s.mem, p...)
		s.size = need
		return nil
	}
	if s.file == nil {
		f, err := createSpoolFile(dir)
		if err != nil {
			return &SpoolError{Dir: dir, Err: err}
		}
		s.file, s.name = f, f.Name()
		if unlinkAtOnce && os.Remove(s.name) == nil {
			s.name = ""
		}
		head := s.mem
		s.mem, s.size = nil, 0
		if err := s.append(head, dir); err != nil {
			return err
		}
	}
	return s.append(p, dir)
}

func (s *spool) append(p []byte, dir string) error {
	n, err := s.file.Write(p)
	s.size += int64(n)
	if err != nil {
		return &SpoolError{Dir: dir, Err: err}
	}
	return nil
}

// release closes and removes the file and lets the memory go.
func (s *spool) release() {
	if s.file != nil {
		s.file.Close()
		if s.name != "" {
			os.Remove(s.name)
		}
	}
	s.mem = nil
}
