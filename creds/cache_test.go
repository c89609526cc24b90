package creds

import (
	"context"
	"errors"
	"fmt"
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
