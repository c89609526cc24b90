package wgor

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
)

// SpoolBudget bounds what the spooled bodies of one process hold at once,
// in memory and on disk. Function Compute lets one instance serve up to 200
// invocations at once ("Configure instance concurrency"), all sharing its
// memory and its temporary disk (512 MB by default), so the budget is the
// process's, shared by every Client and every invocation of wgor/fcrt.
//
// Memory is a cache: a body takes memory from the budget while there is
// some, up to its Client's SpoolMemory, and otherwise goes to disk. Disk is
// a bound: a body that needs more disk than is free waits, for as long as
// its context allows, and then fails with ErrNotSent, nothing of it sent.
// A body longer than the whole disk budget fails at once. Bodies grow on
// disk one at a time, so that two never wait for each other's room: a body
// that stalls while it grows on disk holds up the others' growing until it
// ends or its context does (an invocation's deadline, under fcrt). A
// SpoolBudget is safe for concurrent use.
type SpoolBudget struct {
	memory, disk int64

	grow chan struct{} // holds the one body growing on disk

	mu       sync.Mutex
	memUsed  int64
	diskUsed int64
	freed    chan struct{} // closed when disk is freed
}

// NewSpoolBudget returns a budget of memory and disk bytes. Zero memory
// keeps every spooled body on disk.
func NewSpoolBudget(memory, disk int64) *SpoolBudget {
	return &SpoolBudget{memory: max(memory, 0), disk: max(disk, 0),
		grow: make(chan struct{}, 1), freed: make(chan struct{})}
}

// DefaultSpoolBudget is the budget of every Client whose SpoolBudget is nil:
// 16 MiB of memory and 256 MiB of disk, which fit Function Compute's
// smallest instance (512 MB of memory, 512 MB of disk) with room left for
// the function itself. The environment variables WGOR_SPOOL_MEMORY and
// WGOR_SPOOL_DISK (bytes) set them when the program starts, for an instance
// configured with more (Function Compute's disk goes up to 10 GB); or
// replace it before the first Write.
var DefaultSpoolBudget = NewSpoolBudget(envBytes("WGOR_SPOOL_MEMORY", 16<<20), envBytes("WGOR_SPOOL_DISK", 256<<20))

// envBytes reads a size in bytes from the environment, or returns def.
func envBytes(name string, def int64) int64 {
	if n, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil && n >= 0 {
		return n
	}
	return def
}

// ErrSpoolTooLarge: a body of unknown length is longer than the whole disk
// budget, so it can never be spooled; declare its length, or send it
// chunked. It wraps ErrNotSent.
var ErrSpoolTooLarge = fmt.Errorf("%w: the body is longer than the spool's disk budget (SpoolBudget)", ErrNotSent)

// takeMemory takes n bytes of memory if the budget has them.
func (b *SpoolBudget) takeMemory(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.memory-b.memUsed { // no sum to overflow
		return false
	}
	b.memUsed += n
	return true
}

// startGrowing waits until no other body grows on disk, unless the need
// bytes the body has reached are more than the whole disk budget: then it
// fails at once, for no turn can make room for them.
func (b *SpoolBudget) startGrowing(ctx context.Context, need int64) error {
	if need > b.disk {
		return ErrSpoolTooLarge
	}
	select {
	case b.grow <- struct{}{}:
		return nil
	case <-ctx.Done():
		return waitError(ctx)
	}
}

// stopGrowing lets the next body grow on disk.
func (b *SpoolBudget) stopGrowing() { <-b.grow }

// takeDisk takes n more bytes of disk for a body that holds held already,
// waiting for room. Only the growing body calls it.
func (b *SpoolBudget) takeDisk(ctx context.Context, held, n int64) error {
	if held+n > b.disk {
		return ErrSpoolTooLarge // checked before the turn too: see startGrowing
	}
	for {
		b.mu.Lock()
		if b.diskUsed+n <= b.disk {
			b.diskUsed += n
			b.mu.Unlock()
			return nil
		}
		freed := b.freed
		b.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return waitError(ctx)
		}
	}
}

// release gives back what a body held.
func (b *SpoolBudget) release(memory, disk int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.memUsed -= memory
	if disk > 0 {
		b.diskUsed -= disk
		close(b.freed)
		b.freed = make(chan struct{})
	}
}

func waitError(ctx context.Context) error {
	return fmt.Errorf("%w: waiting for room in the spool's budget: %w", ErrNotSent, ctx.Err())
}
