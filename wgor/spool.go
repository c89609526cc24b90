package wgor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
)

// spoolReadSize is the buffer a spool is filled with: the buffer net/http
// copies a request body with. With many invocations at once (Function
// Compute: up to 200 an instance), a buffer per body is what memory grows
// by.
const spoolReadSize = 32 << 10

// spool holds a body of unknown length, so that OSS gets it with the
// Content-Length its API reference ("WriteGetObjectResponse") requires. A
// body that fits in memory stays there; a longer one goes, whole, to a
// temporary file, so memory is bounded whatever the size, and the file is
// read back as it is sent, never whole.
type spool struct {
	budget *SpoolBudget // the process's, shared with every other spool
	limit  int64        // the memory a body may hold (Client.SpoolMemory)
	dir    string

	mem  []byte
	file spoolFile // the whole body once it did not fit, or nil
	name string    // the file's name until it is removed
	size int64

	memory, disk int64 // taken from budget
	growing      bool  // this spool holds budget's turn to grow on disk
}

// spoolFile is the part of *os.File a spool uses; tests replace it to fail
// as a full disk does.
type spoolFile interface {
	io.ReadWriteSeeker
	io.Closer
	Name() string
}

// createSpoolFile creates the file a spool holds a body in.
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

// Error names the directory and what to do.
func (e *SpoolError) Error() string {
	return fmt.Sprintf("cannot spool the body of unknown length to %q: %s: make room there, set Client.SpoolDir to a writable directory, declare Response.ContentLength, or send it chunked (Client.Chunked)",
		e.Dir, strings.TrimPrefix(e.Err.Error(), "wgor: "))
}

// Unwrap returns Err, so that errors.Is finds, say, syscall.ENOSPC.
func (e *SpoolError) Unwrap() error { return e.Err }

// fill reads the body to its end into s, which is then what is sent, with
// its length: from memory, or from the file.
func (b *body) fill(ctx context.Context, s *spool) error {
	b.spool = s
	defer s.stopGrowing()
	b.watch(ctx)
	buf := make([]byte, spoolReadSize)
	for {
		if err := ctx.Err(); err != nil {
			return err // a body read directly does not watch ctx
		}
		n, err := b.next(buf)
		if n > 0 {
			if werr := s.write(ctx, buf[:n]); werr != nil {
				return werr
			}
			if b.progress != nil {
				b.progress(Progress{Spooled: s.size, Total: -1})
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil && err != errBodyPanicked {
			err = fmt.Errorf("reading the body to spool it failed after %d bytes: %w", s.size, withoutPrefix{err})
		}
		if err != nil {
			return err
		}
	}
	if b.unwatch != nil {
		b.unwatch() // the pump is done
	}
	b.length, b.spooled, b.stop = s.size, s.size, nil
	if s.file == nil {
		b.inMemory(bytes.NewReader(s.mem))
		return nil
	}
	// The file is read through Read, in chunks, not handed to net/http for
	// sendfile: the load program measured sendfile of the pages just
	// written slower (1 GiB: 1.10-1.27 s against 1.04-1.07 s, medians).
	b.src, b.seeker, b.start = s.file, s.file, 0
	return b.rewind()
}

// write appends p, moving what memory held to a new file the first time
// the body outgrows memory, or the budget's memory, so that the file holds
// the whole body.
func (s *spool) write(ctx context.Context, p []byte) error {
	if s.file == nil && s.fitsMemory(s.size+int64(len(p))) {
		s.mem = append(s.mem, p...)
		s.size += int64(len(p))
		return nil
	}
	if s.file == nil {
		if err := s.toFile(ctx, s.size+int64(len(p))); err != nil {
			return err
		}
	}
	return s.append(ctx, p)
}

// toFile moves what memory holds to a new file, once the spool has the
// budget's turn to grow on disk.
func (s *spool) toFile(ctx context.Context, need int64) error {
	if err := s.budget.startGrowing(ctx, need); err != nil {
		return err
	}
	s.growing = true
	f, err := createSpoolFile(s.dir)
	if err != nil {
		return &SpoolError{Dir: s.dir, Err: err}
	}
	if s.file, s.name = f, f.Name(); unlinkAtOnce && os.Remove(s.name) == nil {
		s.name = ""
	}
	head := s.mem
	s.mem, s.size = nil, 0
	err = s.append(ctx, head)
	s.budget.release(s.memory, 0) // once the head is on disk
	s.memory = 0
	return err
}

func (s *spool) append(ctx context.Context, p []byte) error {
	if err := s.budget.takeDisk(ctx, s.disk, int64(len(p))); err != nil {
		return err
	}
	s.disk += int64(len(p))
	n, err := s.file.Write(p)
	if s.size += int64(n); err != nil {
		return &SpoolError{Dir: s.dir, Err: err}
	}
	return nil
}

// fitsMemory reports whether need bytes can be held in memory, growing the
// buffer, one chunk for a small body and then twice as much at each step
// up to the limit, with what the budget gives: never a whole limit too
// large to allocate, nor budget a body does not need, which would send
// other bodies to disk while memory is idle.
func (s *spool) fitsMemory(need int64) bool {
	if need > s.limit {
		return false
	} else if need <= int64(cap(s.mem)) {
		return true
	}
	size := min(s.limit, max(need, chunkSize, 2*int64(cap(s.mem))))
	if !s.budget.takeMemory(size - int64(cap(s.mem))) {
		return false
	}
	s.memory += size - int64(cap(s.mem))
	s.mem = append(make([]byte, 0, size), s.mem...)
	return true
}

// stopGrowing gives the budget's turn to grow on disk to the next spool.
func (s *spool) stopGrowing() {
	if s.growing {
		s.growing = false
		s.budget.stopGrowing()
	}
}

// release closes and removes the file, lets the memory go and gives both
// back to the budget.
func (s *spool) release() {
	if s.file != nil {
		s.file.Close()
		if s.name != "" {
			os.Remove(s.name)
		}
	}
	s.mem = nil
	s.budget.release(s.memory, s.disk)
	s.memory, s.disk = 0, 0
}
