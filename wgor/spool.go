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

	budget       *SpoolBudget // the process's, shared with every other spool
	memory, disk int64        // taken from budget
	growing      bool         // this spool holds budget's turn to grow on disk
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
// memory while budget has them, and the whole of it in a file in dir beyond
// that, waiting for budget's disk as long as ctx allows; the spool is then
// what is sent, with its length.
func (b *body) fillSpool(ctx context.Context, budget *SpoolBudget, memory int64, dir string) error {
	s := &spool{budget: budget}
	b.spool = s
	defer s.stopGrowing()
	defer b.src.watch(ctx)()
	buf := make([]byte, spoolReadSize)
	for {
		if err := ctx.Err(); err != nil {
			return err // a body read directly does not watch ctx
		}
		n, err := b.src.read(ctx, buf)
		if n > 0 {
			if werr := s.write(ctx, buf[:n], memory, dir); werr != nil {
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
// the body outgrows memory, or the budget's memory, so that the file holds
// the whole body.
func (s *spool) write(ctx context.Context, p []byte, memory int64, dir string) error {
	if s.file == nil && s.fitsMemory(s.size+int64(len(p)), memory) {
		s.mem = append(s.mem, p...)
		s.size += int64(len(p))
		return nil
	}
	if s.file == nil {
		if err := s.toFile(ctx, dir); err != nil {
			return err
		}
	}
	return s.append(ctx, p, dir)
}

// fitsMemory reports whether need bytes can be held in memory, growing the
// buffer, one chunk for a small body and then all of memory, with what the
// budget gives.
func (s *spool) fitsMemory(need, memory int64) bool {
	if need > memory {
		return false
	}
	if need <= int64(cap(s.mem)) {
		return true
	}
	size := memory
	if s.mem == nil {
		size = min(memory, max(need, chunkSize))
	}
	if !s.budget.takeMemory(size - int64(cap(s.mem))) {
		return false
	}
	s.memory += size - int64(cap(s.mem))
	grown := make([]byte, s.size, size)
	copy(grown, s.mem)
	s.mem = grown
	return true
}

// toFile moves what memory holds to a new file, once the spool has the
// budget's turn to grow on disk.
func (s *spool) toFile(ctx context.Context, dir string) error {
	if err := s.budget.startGrowing(ctx); err != nil {
		return err
	}
	s.growing = true
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
	defer s.releaseMemory()
	return s.append(ctx, head, dir)
}

func (s *spool) append(ctx context.Context, p []byte, dir string) error {
	if err := s.budget.takeDisk(ctx, s.disk, int64(len(p))); err != nil {
		return err
	}
	s.disk += int64(len(p))
	n, err := s.file.Write(p)
	s.size += int64(n)
	if err != nil {
		return &SpoolError{Dir: dir, Err: err}
	}
	return nil
}

// stopGrowing gives the budget's turn to grow on disk to the next spool.
func (s *spool) stopGrowing() {
	if s.growing {
		s.growing = false
		s.budget.stopGrowing()
	}
}

func (s *spool) releaseMemory() {
	s.budget.release(s.memory, 0)
	s.memory = 0
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
	s.stopGrowing()
	s.budget.release(s.memory, s.disk)
	s.memory, s.disk = 0, 0
}
