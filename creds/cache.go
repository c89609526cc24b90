package creds

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Defaults for [CacheOptions].
const (
	// DefaultMargin is how long before their expiry credentials are
	// refreshed: long enough for a request in flight and modest clock skew.
	DefaultMargin = time.Minute

	// DefaultMaxAge is how long credentials without a known expiry are
	// trusted. credentials-go hands out STS credentials with at least three
	// minutes left, so two minutes of trust leaves at least one to spare.
	DefaultMaxAge = 2 * time.Minute

	// DefaultRetryAfter is how long to wait after a failed refresh before
	// the next attempt, while the old credentials are still valid.
	DefaultRetryAfter = 5 * time.Second

	// DefaultFetchTimeout bounds one fetch from the wrapped provider.
	DefaultFetchTimeout = 30 * time.Second
)

// CacheOptions configure a [Cache]. A zero or negative field selects its default.
type CacheOptions struct {
	// Margin: credentials are refreshed once they expire within Margin
	// (default [DefaultMargin]).
	Margin time.Duration

	// MaxAge: credentials without a known Expiration are treated as if they
	// expired MaxAge after they were fetched (default [DefaultMaxAge]).
	MaxAge time.Duration

	// RetryAfter: after a failed refresh, or when the source gives
	// credentials already within Margin of their expiry, the source is asked
	// again RetryAfter later, not on every call (default [DefaultRetryAfter]).
	RetryAfter time.Duration

	// FetchTimeout bounds the context of one fetch from the wrapped
	// provider (default [DefaultFetchTimeout]).
	FetchTimeout time.Duration

	// Now returns the current time (default [time.Now]). Tests set it.
	Now func() time.Time
}

// Cache is a [Provider] that wraps another and returns its credentials until
// Margin before they expire, as golang.org/x/oauth2's ReuseTokenSource does
// for tokens. Create it with [NewCache]; it is safe for concurrent use.
//
// Once the credentials are within Margin of their expiry, one refresh starts
// and every caller shares it. While the old credentials have not expired,
// callers get them at once and the refresh runs in the background; if it
// fails, they are kept until they expire, and the source is asked again
// RetryAfter later. With no valid credentials, callers wait for the refresh,
// each until its ctx ends; a failed refresh is every waiting caller's error,
// and the next call starts another.
//
// The refresh does not run under any one caller's cancellation: it gets the
// context of the caller that started it without its cancellation
// ([context.WithoutCancel], so that its values remain), bounded by
// FetchTimeout. A source that returns incomplete or expired credentials
// without an error is treated as failing.
type Cache struct {
	p                                        Provider
	margin, maxAge, retryAfter, fetchTimeout time.Duration
	now                                      func() time.Time

	mu        sync.Mutex
	cur       Credentials
	refreshAt time.Time // serve cur without asking the source until then
	expiresAt time.Time // serve cur until then (Expiration, or fetch + MaxAge)
	inflight  *call     // the refresh in progress, nil when none
}

// call is one shared refresh; done is closed once creds and err are set.
type call struct {
	done  chan struct{}
	creds Credentials
	err   error
}

// NewCache returns a Cache that wraps p. See [CacheOptions] for the settings.
func NewCache(p Provider, opts CacheOptions) *Cache {
	c := &Cache{
		p:            p,
		margin:       orDefault(opts.Margin, DefaultMargin),
		maxAge:       orDefault(opts.MaxAge, DefaultMaxAge),
		retryAfter:   orDefault(opts.RetryAfter, DefaultRetryAfter),
		fetchTimeout: orDefault(opts.FetchTimeout, DefaultFetchTimeout),
		now:          opts.Now,
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Credentials returns the cached credentials, refreshing them as the [Cache]
// documentation describes.
func (c *Cache) Credentials(ctx context.Context) (Credentials, error) {
	c.mu.Lock()
	now := c.now()
	if now.Before(c.refreshAt) {
		defer c.mu.Unlock()
		return c.cur, nil
	}
	if c.inflight == nil {
		c.inflight = &call{done: make(chan struct{})}
		go c.refresh(context.WithoutCancel(ctx), c.inflight)
	}
	cl, cur, valid := c.inflight, c.cur, now.Before(c.expiresAt)
	c.mu.Unlock()
	if valid {
		return cur, nil
	}
	select {
	case <-cl.done:
		return cl.creds, cl.err
	case <-ctx.Done():
		return Credentials{}, fmt.Errorf("creds: gave up waiting for credentials: %w", ctx.Err())
	}
}

// refresh asks the wrapped provider once, keeps the outcome and wakes the
// callers waiting on cl.
func (c *Cache) refresh(ctx context.Context, cl *call) {
	ctx, cancel := context.WithTimeout(ctx, c.fetchTimeout)
	creds, err := c.p.Credentials(ctx)
	cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if err == nil {
		err = checkFetched(creds, now)
	}
	cl.creds, cl.err = c.keep(creds, err, now)
	c.inflight = nil
	close(cl.done)
}

// keep records the outcome of a fetch at now and returns what the waiting
// callers get. c.mu is held.
func (c *Cache) keep(creds Credentials, err error, now time.Time) (Credentials, error) {
	switch {
	case err == nil:
		c.cur, c.expiresAt = creds, creds.Expiration
		if c.expiresAt.IsZero() {
			c.expiresAt = now.Add(c.maxAge)
		}
		c.refreshAt = c.expiresAt.Add(-c.margin)
		if !c.refreshAt.After(now) { // within the margin already: ask again later, not on every call
			c.refreshAt = earliest(now.Add(c.retryAfter), c.expiresAt)
		}
		return creds, nil
	case now.Before(c.expiresAt): // keep serving what still works; ask again later
		c.refreshAt = earliest(now.Add(c.retryAfter), c.expiresAt)
		return c.cur, nil
	case !c.expiresAt.IsZero():
		return Credentials{}, fmt.Errorf("creds: refreshing credentials failed and the cached ones expired at %s: %w",
			c.expiresAt.UTC().Format(time.RFC3339), err)
	}
	return Credentials{}, err
}

// checkFetched rejects what a provider should not have returned without an
// error: credentials that are incomplete or already expired.
func checkFetched(creds Credentials, now time.Time) error {
	if err := check(creds, "access key ID", "access key secret",
		"the wrapped provider returned incomplete credentials; fix the source"); err != nil {
		return err
	}
	if creds.Expired(now, 0) {
		return fmt.Errorf("creds: the wrapped provider returned credentials that expired at %s: check the source and the local clock",
			creds.Expiration.UTC().Format(time.RFC3339))
	}
	return nil
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
