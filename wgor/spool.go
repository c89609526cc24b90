package wgor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
)

// DefaultSpoolMemory is how many bytes of a body of unknown length Write
// holds in memory (Client.SpoolMemory zero) before it spools the rest to a
// file.
const DefaultSpoolMemory = 4 << 20

// chunkSize is the size of the buffers bodies are read and spooled with:
// eight times the buffer net/http copies a request body with.
const chunkSize = 256 << 10

type chunk = [chunkSize]byte

var chunkBuffers = sync.Pool{New: func() any { return new(chunk) }}

// spoolFile is the part of *os.File a spool uses; tests replace it to
// fail as a full disk does.
type spoolFile interface {
	io.Writer
	io.ReaderAt
	io.Closer
	Name() string
}

// createSpoolFile creates the file a spool holds what exceeds its memory
// in.
var createSpoolFile = func(dir string) (spoolFile, error) { return os.CreateTemp(dir, "wgor-spool-*") }

// unlinkAtOnce: remove the file's name right after creating it, so that
// nothing is ever left in the directory, whatever happens to the process.
// Windows cannot remove an open file; there the name goes when the spool
// is released.
var unlinkAtOnce = runtime.GOOS != "windows"

// spool holds a body of unknown length, so that OSS gets it with its
// Content-Length, which the API reference ("WriteGetObjectResponse") requires.
// A body that fits in the memory limit stays in memory; a longer one goes,
// whole, to a temporary file, so memory is bounded whatever the size, and the
// file is read back as it is sent, never whole.
type spool struct {
	mu       sync.Mutex // held by each Read, and by release
	chunks   []*chunk   // the body, while it fits in memory
	memLen   int64      // bytes in chunks
	file     spoolFile  // the whole body once it did not fit, or nil
	name     string     // the file's name until it is removed
	fileLen  int64
	released bool
	keep     bool // a chunk may still be written by the pump: never pool them
}

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
		e.Dir, trimPrefix(e.Err.Error()))
}

func (e *SpoolError) Unwrap() error { return e.Err }

// fill reads src to its end: up to memLimit bytes into memory, the rest
// into a new file in dir. It reports progress as it goes.
func (s *spool) fill(ctx context.Context, src *source, memLimit int64, dir string, progress func(Progress)) error {
	var scratch *chunk // for the bytes bound for the file
	defer func() {
		if scratch != nil && !src.lostBuffer() {
			chunkBuffers.Put(scratch)
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return err // a source read directly does not watch ctx
		}
		var buf []byte
		inMemory := s.file == nil && s.memLen < memLimit
		if inMemory {
			i, off := int(s.memLen/chunkSize), s.memLen%chunkSize
			if i == len(s.chunks) {
				s.chunks = append(s.chunks, chunkBuffers.Get().(*chunk))
			}
			buf = s.chunks[i][off:min(chunkSize, off+memLimit-s.memLen)]
		} else {
			if scratch == nil {
				scratch = chunkBuffers.Get().(*chunk)
			}
			buf = scratch[:]
		}
		n, err := src.read(ctx, buf)
		if src.lostBuffer() {
			s.keep = true
		}
		if n > 0 {
			if inMemory {
				s.memLen += int64(n)
			} else if werr := s.write(dir, buf[:n]); werr != nil {
				return werr
			}
			if progress != nil {
				progress(Progress{Spooled: s.size(), Total: -1})
			}
		}
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		}
	}
}

// write appends p to the file. The first time, it creates the file and
// moves the head held in memory into it, so that the file holds the whole
// body: net/http can then send it straight from the file (sendfile).
func (s *spool) write(dir string, p []byte) error {
	if s.file == nil {
		f, err := createSpoolFile(dir)
		if err != nil {
			return &SpoolError{Dir: dir, Err: err}
		}
		s.file, s.name = f, f.Name()
		if unlinkAtOnce && os.Remove(s.name) == nil {
			s.name = ""
		}
		for i, c := range s.chunks {
			head := c[:min(chunkSize, s.memLen-int64(i)*chunkSize)]
			if err := s.append(dir, head); err != nil {
				return err
			}
		}
		if !s.keep {
			for _, c := range s.chunks {
				chunkBuffers.Put(c)
			}
		}
		s.chunks, s.memLen = nil, 0
	}
	return s.append(dir, p)
}

func (s *spool) append(dir string, p []byte) error {
	n, err := s.file.Write(p)
	s.fileLen += int64(n)
	if err != nil {
		return &SpoolError{Dir: dir, Err: err}
	}
	return nil
}

func (s *spool) size() int64 { return s.memLen + s.fileLen }

// release closes and removes the file and gives the memory back. Reads
// after it fail.
func (s *spool) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.released {
		return
	}
	s.released = true
	if s.file != nil {
		s.file.Close()
		if s.name != "" {
			os.Remove(s.name)
		}
	}
	if !s.keep {
		for _, c := range s.chunks {
			chunkBuffers.Put(c)
		}
	}
	s.chunks = nil
}

// spoolReader reads a filled spool from pos; Seek rewinds it for a retry.
type spoolReader struct {
	s   *spool
	pos int64
}

func (r *spoolReader) Read(p []byte) (int, error) {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	switch size := s.memLen + s.fileLen; {
	case s.released:
		return 0, errWriteReturned
	case r.pos >= size:
		return 0, io.EOF
	case len(p) == 0:
		return 0, nil
	case r.pos < s.memLen:
		i, off := r.pos/chunkSize, r.pos%chunkSize
		end := min(chunkSize, s.memLen-i*chunkSize)
		n := copy(p, s.chunks[i][off:end])
		r.pos += int64(n)
		return n, nil
	default:
		p = p[:min(int64(len(p)), size-r.pos)]
		n, err := s.file.ReadAt(p, r.pos-s.memLen)
		r.pos += int64(n)
		if n > 0 {
			return n, nil
		}
		if err == nil || err == io.EOF {
			err = errors.New("wgor: the spool file ended early: was it changed by another program?")
		}
		return 0, err
	}
}

func (r *spoolReader) Seek(offset int64, whence int) (int64, error) {
	if whence != io.SeekStart || offset < 0 {
		return r.pos, errors.New("wgor: a spool seeks only from its start")
	}
	r.s.mu.Lock()
	r.pos = offset
	r.s.mu.Unlock()
	return offset, nil
}
