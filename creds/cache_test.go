package creds

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// source is a scripted Provider: it counts its calls and returns what
// respond says for call n (1-based).
type source struct {
	calls   atomic.Int32
	respond func(ctx context.Context, n int) (Credentials, error)
}

func (s *source) Credentials(ctx context.Context) (Credentials, error) {
	return s.respond(ctx, int(s.calls.Add(1)))
}

// rotating issues credentials "id-<n>" expiring lifetime after clock's now;
// lifetime 0 issues credentials without an expiry.
func rotating(clock *fakeClock, lifetime time.Duration) *source {
	return &source{respond: func(_ context.Context, n int) (Credentials, error) {
		c := Credentials{AccessKeyID: fmt.Sprintf("id-%d", n), AccessKeySecret: testSecret, SecurityToken: testToken}
		if lifetime > 0 {
			c.Expiration = clock.Now().Add(lifetime)
		}
		return c, nil
	}}
}

// get calls c.Credentials, failing the test on error, and returns the ID.
func get(t *testing.T, c *Cache) string {
	t.Helper()
	got, err := c.Credentials(context.Background())
	require.NoError(t, err)
	return got.AccessKeyID
}

func TestCacheServesFreshCredentialsWithoutFetching(t *testing.T) {
	clock := newFakeClock()
	src := rotating(clock, time.Hour)
	c := NewCache(src, CacheOptions{Margin: time.Minute, Now: clock.Now})
	for i := 0; i < 10; i++ {
		assert.Equal(t, "id-1", get(t, c))
		clock.Advance(5 * time.Minute) // up to 45 min: still outside the margin
	}
	assert.EqualValues(t, 1, src.calls.Load())
}

func TestCacheRefreshesWithinMarginBeforeExpiry(t *testing.T) {
	tests := []struct {
		name     string
		lifetime time.Duration // 0: no expiry, MaxAge applies
		opts     CacheOptions
		fresh    time.Duration // still served without a fetch at this age
		stale    time.Duration // refreshed in the background at this age
	}{
		{"known expiry", time.Hour, CacheOptions{Margin: 5 * time.Minute}, 54 * time.Minute, 55 * time.Minute},
		{"unknown expiry uses MaxAge", 0, CacheOptions{Margin: time.Minute, MaxAge: 10 * time.Minute}, 8 * time.Minute, 9 * time.Minute},
		{"defaults with unknown expiry", 0, CacheOptions{}, DefaultMaxAge - DefaultMargin - time.Second, DefaultMaxAge - DefaultMargin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			src := rotating(clock, tt.lifetime)
			tt.opts.Now = clock.Now
			c := NewCache(src, tt.opts)

			assert.Equal(t, "id-1", get(t, c))
			clock.Advance(tt.fresh)
			assert.Equal(t, "id-1", get(t, c))
			assert.EqualValues(t, 1, src.calls.Load(), "fresh credentials are not fetched again")

			clock.Advance(tt.stale - tt.fresh)
			assert.Equal(t, "id-1", get(t, c), "still-valid credentials are returned while the refresh runs")
			c.waitIdle()
			assert.EqualValues(t, 2, src.calls.Load(), "one refresh within the margin")
			assert.Equal(t, "id-2", get(t, c))
			assert.EqualValues(t, 2, src.calls.Load())
		})
	}
}

func TestCacheWaitsForCredentialsWhenNoneAreValid(t *testing.T) {
	clock := newFakeClock()
	src := rotating(clock, 10*time.Minute)
	c := NewCache(src, CacheOptions{Margin: time.Minute, Now: clock.Now})
	assert.Equal(t, "id-1", get(t, c), "the first call waits for the first fetch")
	clock.Advance(10 * time.Minute) // expired: nothing valid to return meanwhile
	assert.Equal(t, "id-2", get(t, c), "a call after expiry waits for the refresh")
	assert.EqualValues(t, 2, src.calls.Load())
}

func TestCacheSurvivesFailedRefreshUntilExpiry(t *testing.T) {
	clock := newFakeClock()
	outage := errors.New("source down")
	var down atomic.Bool
	src := &source{respond: func(_ context.Context, n int) (Credentials, error) {
		if down.Load() {
			return Credentials{}, outage
		}
		return Credentials{AccessKeyID: fmt.Sprintf("id-%d", n), AccessKeySecret: testSecret,
			Expiration: clock.Now().Add(10 * time.Minute)}, nil
	}}
	c := NewCache(src, CacheOptions{Margin: 2 * time.Minute, RetryAfter: 10 * time.Second, Now: clock.Now})
	assert.Equal(t, "id-1", get(t, c))

	down.Store(true)
	clock.Advance(8 * time.Minute) // within the margin: refresh, which fails
	assert.Equal(t, "id-1", get(t, c))
	c.waitIdle()
	assert.EqualValues(t, 2, src.calls.Load())

	clock.Advance(9 * time.Second) // before RetryAfter: no new attempt
	for i := 0; i < 5; i++ {
		assert.Equal(t, "id-1", get(t, c))
	}
	c.waitIdle()
	assert.EqualValues(t, 2, src.calls.Load(), "no attempt before RetryAfter")

	clock.Advance(time.Second) // RetryAfter reached: one more attempt
	assert.Equal(t, "id-1", get(t, c))
	c.waitIdle()
	assert.EqualValues(t, 3, src.calls.Load())

	clock.Advance(2 * time.Minute) // past the expiry: the error is returned
	_, err := c.Credentials(context.Background())
	require.Error(t, err)
	assert.ErrorIs(t, err, outage)
	assert.Contains(t, err.Error(), "cached ones expired at 2026-11-24T12:10:00Z")

	down.Store(false) // recovery: the next call fetches again
	assert.Equal(t, "id-5", get(t, c))
}

func TestCacheRetriesAfterFirstFetchFails(t *testing.T) {
	clock := newFakeClock()
	src := &source{respond: func(_ context.Context, n int) (Credentials, error) {
		if n == 1 {
			return Credentials{}, errors.New("not yet")
		}
		return Credentials{AccessKeyID: "id", AccessKeySecret: testSecret}, nil
	}}
	c := NewCache(src, CacheOptions{Now: clock.Now})
	_, err := c.Credentials(context.Background())
	require.EqualError(t, err, "not yet")
	assert.Equal(t, "id", get(t, c), "no credentials: the next call tries again at once")
}

func TestCacheRejectsBadCredentialsFromSource(t *testing.T) {
	clock := newFakeClock()
	tests := []struct {
		name    string
		creds   Credentials
		wantErr string
	}{
		{"empty ID", Credentials{AccessKeySecret: testSecret, SecurityToken: testToken}, "access key ID is empty"},
		{"empty secret", Credentials{AccessKeyID: "id", SecurityToken: testToken}, "access key secret is empty"},
		{"already expired", Credentials{AccessKeyID: "id", AccessKeySecret: testSecret, Expiration: clock.Now().Add(-time.Second)}, "returned credentials that expired at 2026-11-24T11:59:59Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCache(&source{respond: func(context.Context, int) (Credentials, error) { return tt.creds, nil }},
				CacheOptions{Now: clock.Now})
			got, err := c.Credentials(context.Background())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Equal(t, Credentials{}, got)
			assert.Empty(t, secretsIn(err.Error()))
		})
	}
}

func TestCacheDoesNotAskOnEveryCallForCredentialsInsideTheMargin(t *testing.T) {
	clock := newFakeClock()
	src := rotating(clock, 30*time.Second) // shorter than the margin
	c := NewCache(src, CacheOptions{Margin: time.Minute, RetryAfter: 5 * time.Second, Now: clock.Now})
	assert.Equal(t, "id-1", get(t, c))
	clock.Advance(4 * time.Second)
	assert.Equal(t, "id-1", get(t, c))
	assert.EqualValues(t, 1, src.calls.Load())
	clock.Advance(time.Second)
	get(t, c)
	c.waitIdle()
	assert.EqualValues(t, 2, src.calls.Load())
}

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
