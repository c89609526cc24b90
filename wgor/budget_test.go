package wgor

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSpoolBudgetMemoryIsACache(t *testing.T) {
	b := NewSpoolBudget(10, 100)
	assert.True(t, b.takeMemory(6))
	assert.False(t, b.takeMemory(6), "over the memory budget: the body goes to disk instead")
	b.release(6, 0)
	assert.True(t, b.takeMemory(10))
}

func TestSpoolBudgetRefusesABodyLongerThanTheDisk(t *testing.T) {
	b := NewSpoolBudget(0, 100)
	require.NoError(t, b.startGrowing(t.Context(), 0))
	defer b.stopGrowing()
	require.NoError(t, b.takeDisk(t.Context(), 0, 60))
	err := b.takeDisk(t.Context(), 60, 41)
	assert.ErrorIs(t, err, ErrSpoolTooLarge)
	assert.ErrorIs(t, err, ErrNotSent)
}

func TestSpoolBudgetWaitsForRoomThenFailsAtTheDeadline(t *testing.T) {
	b := NewSpoolBudget(0, 100)
	require.NoError(t, b.takeDisk(t.Context(), 0, 80)) // a body spooled earlier, being sent

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	err := b.takeDisk(ctx, 0, 30)
	assert.ErrorIs(t, err, ErrNotSent)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	got := make(chan error, 1)
	go func() { got <- b.takeDisk(t.Context(), 0, 30) }()
	select {
	case err := <-got:
		t.Fatalf("took disk the budget does not have: %v", err)
	case <-time.After(10 * time.Millisecond):
	}
	b.release(0, 80) // the earlier body was sent
	require.NoError(t, <-got)
}

func TestSpoolBudgetGrowsOneBodyAtATime(t *testing.T) {
	b := NewSpoolBudget(0, 100)
	require.NoError(t, b.startGrowing(t.Context(), 0))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, b.startGrowing(ctx, 0), ErrNotSent, "a second body waits for the first")
	b.stopGrowing()
	require.NoError(t, b.startGrowing(t.Context(), 0))
	b.stopGrowing()
}

// Many bodies, more than the disk holds at once, all get through one after
// another: none waits for another's room while holding its own.
func TestSpoolBudgetManyBodiesAllGetThrough(t *testing.T) {
	b := NewSpoolBudget(0, 64)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			if err := b.startGrowing(t.Context(), 0); err != nil {
				errs <- err
				return
			}
			var held int64
			for range 4 { // a body of 40 bytes, spooled 10 at a time
				if err := b.takeDisk(t.Context(), held, 10); err != nil {
					b.stopGrowing()
					errs <- err
					return
				}
				held += 10
			}
			b.stopGrowing()
			time.Sleep(time.Millisecond) // sent
			b.release(0, held)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Zero(t, b.diskUsed)
}

func TestEnvBytesReadsASizeOrKeepsTheDefault(t *testing.T) {
	t.Setenv("WGOR_TEST_SIZE", "1073741824")
	assert.Equal(t, int64(1<<30), envBytes("WGOR_TEST_SIZE", 5))
	for _, bad := range []string{"", "1GiB", "-1", "x"} {
		t.Setenv("WGOR_TEST_SIZE", bad)
		assert.Equal(t, int64(5), envBytes("WGOR_TEST_SIZE", 5), "%q", bad)
	}
}

// A body that outgrows memory already longer than the whole disk budget
// fails at once: it does not wait for another body's turn to grow on disk
// to learn that it can never be spooled.
func TestSpoolTooLargeForTheDiskFailsWithoutWaitingForItsTurn(t *testing.T) {
	for _, disk := range []int64{0, 500} {
		srv, _ := spoolServer(t, true)
		c := spoolClient(t.TempDir()) // SpoolMemory 1000
		c.SpoolBudget = NewSpoolBudget(1<<20, disk)
		require.NoError(t, c.SpoolBudget.startGrowing(t.Context(), 0)) // another body, stalled, grows on disk
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		_, err := c.Write(ctx, &Response{Route: srv.URL, Token: "OSSV1#t", Status: 200, Body: onlyRead{bytes.NewReader(make([]byte, 2000))}})
		cancel()
		c.SpoolBudget.stopGrowing()
		assert.ErrorIs(t, err, ErrSpoolTooLarge, "disk %d", disk)
		assert.NotErrorIs(t, err, context.DeadlineExceeded, "disk %d", disk)
	}
}
