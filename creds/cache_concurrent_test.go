package creds

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCacheSharesOneFetchAmongConcurrentCallers(t *testing.T) {
	clock := newFakeClock()
	started := make(chan struct{})
	release := make(chan struct{})
	src := &source{respond: func(_ context.Context, n int) (Credentials, error) {
		close(started)
		<-release
		return Credentials{AccessKeyID: fmt.Sprintf("id-%d", n), AccessKeySecret: testSecret}, nil
	}}
	c := NewCache(src, CacheOptions{Now: clock.Now})

	const callers = 100
	var wg sync.WaitGroup
	ids := make([]string, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Go(func() {
			var got Credentials
			got, errs[i] = c.Credentials(context.Background())
			ids[i] = got.AccessKeyID
		})
	}
	<-started
	time.Sleep(20 * time.Millisecond) // let the callers pile up behind the fetch
	close(release)
	wg.Wait()
	for i := range callers {
		assert.NoError(t, errs[i])
		assert.Equal(t, "id-1", ids[i])
	}
	assert.EqualValues(t, 1, src.calls.Load())
}

type ctxKey struct{}

func TestCacheCallerContextEndsWhileWaiting(t *testing.T) {
	clock := newFakeClock()
	release := make(chan struct{})
	fetchCtxErr := make(chan error, 1)
	src := &source{respond: func(ctx context.Context, n int) (Credentials, error) {
		<-release
		fetchCtxErr <- ctx.Err()
		return Credentials{AccessKeyID: "id", AccessKeySecret: testSecret}, nil
	}}
	c := NewCache(src, CacheOptions{Now: clock.Now})

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Credentials(ctx)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second, "returns promptly, not when the fetch ends")

	close(release)
	assert.NoError(t, <-fetchCtxErr, "the shared fetch is not cancelled with its first caller")
	c.waitIdle()
	assert.Equal(t, "id", get(t, c), "the shared fetch's result is cached for later callers")
	assert.EqualValues(t, 1, src.calls.Load())
}

func TestCacheFetchContext(t *testing.T) {
	clock := newFakeClock()
	type seen struct {
		value       any
		hasDeadline bool
		deadline    time.Time
	}
	got := make(chan seen, 1)
	src := &source{respond: func(ctx context.Context, n int) (Credentials, error) {
		d, ok := ctx.Deadline()
		got <- seen{ctx.Value(ctxKey{}), ok, d}
		return Credentials{AccessKeyID: "id", AccessKeySecret: testSecret}, nil
	}}
	c := NewCache(src, CacheOptions{FetchTimeout: 3 * time.Second, Now: clock.Now})
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "trace-1"))
	defer cancel()
	before := time.Now()
	_, err := c.Credentials(ctx)
	require.NoError(t, err)
	s := <-got
	assert.Equal(t, "trace-1", s.value, "values of the starting caller's context are kept")
	require.True(t, s.hasDeadline, "the fetch is bounded by FetchTimeout")
	assert.WithinDuration(t, before.Add(3*time.Second), s.deadline, time.Second)
}

func TestCacheFetchTimeoutEndsAHungSource(t *testing.T) {
	clock := newFakeClock()
	src := &source{respond: func(ctx context.Context, n int) (Credentials, error) {
		if n == 1 {
			<-ctx.Done()
			return Credentials{}, ctx.Err()
		}
		return Credentials{AccessKeyID: "id", AccessKeySecret: testSecret}, nil
	}}
	c := NewCache(src, CacheOptions{FetchTimeout: 20 * time.Millisecond, Now: clock.Now})
	_, err := c.Credentials(context.Background())
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, "id", get(t, c))
}

func TestNewCacheDefaults(t *testing.T) {
	c := NewCache(Static(Credentials{}), CacheOptions{Margin: -1})
	assert.Equal(t, DefaultMargin, c.opts.Margin)
	assert.Equal(t, DefaultMaxAge, c.opts.MaxAge)
	assert.Equal(t, DefaultRetryAfter, c.opts.RetryAfter)
	assert.Equal(t, DefaultFetchTimeout, c.opts.FetchTimeout)
	assert.NotNil(t, c.opts.Now)
}
