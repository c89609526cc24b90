package wgor_test

import (
	"bytes"
	"context"
	"math"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor"
)

// Many bodies of unknown length, more than the disk budget holds at once,
// are all sent, whole: each waits for room instead of failing.
func TestSpoolBudgetFullMeansWaitingNotFailing(t *testing.T) {
	f := newFakeOSS(t)
	budget := wgor.NewSpoolBudget(0, 3<<20) // no memory: every spool goes to disk
	const n, size = 12, 1 << 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			c := f.client()
			c.SpoolBudget = budget
			body := bytes.Repeat([]byte{byte('a' + i)}, size)
			_, err := c.Write(t.Context(), f.response(onlyReader{bytes.NewReader(body)}))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	reqs := f.requests()
	require.Len(t, reqs, n)
	for _, r := range reqs {
		assert.Equal(t, int64(size), r.ContentLength)
		assert.Len(t, r.Body, size)
	}
}

// A body longer than the whole disk budget fails at once, before anything
// is sent; one that finds no room before its deadline fails then, with
// ErrNotSent, and nothing of it is sent either.
func TestSpoolBudgetRefusals(t *testing.T) {
	f := newFakeOSS(t)
	budget := wgor.NewSpoolBudget(0, 1<<20)
	c := f.client()
	c.SpoolBudget = budget

	start := time.Now()
	_, err := c.Write(t.Context(), f.response(onlyReader{bytes.NewReader(make([]byte, 2<<20))}))
	assert.ErrorIs(t, err, wgor.ErrSpoolTooLarge)
	assert.ErrorIs(t, err, wgor.ErrNotSent)
	assert.Less(t, time.Since(start), 5*time.Second, "at once, not at a deadline")

	// A body that holds the whole disk, while its send is held up.
	release := make(chan struct{})
	f.respond = func(w http.ResponseWriter, r *http.Request, got received) { <-release }
	first := make(chan error, 1)
	go func() {
		_, err := c.Write(t.Context(), f.response(onlyReader{bytes.NewReader(make([]byte, 1<<20))}))
		first <- err
	}()
	require.Eventually(t, func() bool { return len(f.requests()) == 1 }, 10*time.Second, 5*time.Millisecond)

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Write(ctx, f.response(onlyReader{bytes.NewReader(make([]byte, 10))}))
	assert.ErrorIs(t, err, wgor.ErrNotSent)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	close(release)
	require.NoError(t, <-first)
	assert.Len(t, f.requests(), 1, "the body that found no room was never sent")
}

// A memory budget and a SpoolMemory as large as an int64 holds mean "keep it
// in memory": the spool grows as the body does, never by the whole limit at
// once (which no allocation can hold).
func TestSpoolMemoryWithoutALimitGrowsAsTheBodyDoes(t *testing.T) {
	f := newFakeOSS(t)
	c := f.client()
	c.SpoolBudget, c.SpoolMemory = wgor.NewSpoolBudget(math.MaxInt64, 0), math.MaxInt64
	body := bytes.Repeat([]byte("m"), 3<<20)
	var err error
	require.NotPanics(t, func() { _, err = c.Write(t.Context(), f.response(onlyReader{bytes.NewReader(body)})) })
	require.NoError(t, err)
	assert.Equal(t, body, f.last().Body)
}
