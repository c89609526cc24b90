package creds

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
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

// CacheOptions configure a [Cache]. The zero value of each field selects its
// default.
type CacheOptions struct {
	// Margin: credentials are refreshed once they expire within Margin
	// (default [DefaultMargin]).
	Margin time.Duration

	// MaxAge: credentials without a known Expiration are treated as if they
	// expired MaxAge after they were fetched (default [DefaultMaxAge]), so
	// they are refreshed MaxAge-Margin after the fetch and, while the source
	// fails, served for at most MaxAge.
	MaxAge time.Duration

	// RetryAfter: after a failed refresh, while the old credentials have not
	// expired, they are served without asking the source again for
	// RetryAfter (default [DefaultRetryAfter]).
	RetryAfter time.Duration

	// FetchTimeout bounds the context of one fetch from the wrapped
	// provider (default [DefaultFetchTimeout]).
	FetchTimeout time.Duration

	// Now returns the current time (default [time.Now]). Tests set it.
	Now func() time.Time
}

// Cache is a [Provider] that wraps another and returns its credentials until
// shortly before they expire. It is safe for concurrent use; create it with
// [NewCache].
//
// While the cached credentials are fresh, Credentials returns them without
// locking, allocating or looking at ctx. Once they are within Margin of their
// expiry, one refresh starts and every caller shares it:
//
//   - While the old credentials have not expired, callers get them at once
//     and the refresh runs in the background, so a slow or failing source
//     never delays a caller. If the refresh fails, the old credentials are
//     kept and the source is asked again RetryAfter later.
//   - With no credentials yet, or once they have expired, callers wait for
//     the shared refresh. A caller whose ctx ends while waiting returns at
//     once with an error wrapping ctx's error; the refresh carries on for the
//     others. If the refresh fails, every waiting caller gets its error, and
//     the next caller starts a new refresh.
//
// Credentials that arrive already within Margin of their expiry are used,
// and the source is asked again RetryAfter later rather than on every call.
// A source that returns incomplete or expired credentials without an error
// is treated as failing.
//
// The shared refresh does not run under any one caller's cancellation: it
// gets the context of the caller that started it with cancellation removed
// ([context.WithoutCancel], so its values such as trace IDs remain) and a
// timeout of FetchTimeout.
type Cache struct {
	p            Provider
	margin       time.Duration
	maxAge       time.Duration
	retryAfter   time.Duration
	fetchTimeout time.Duration
	now          func() time.Time

	cur atomic.Pointer[entry] // nil until the first successful fetch

	mu       sync.Mutex
	inflight *call // the refresh in progress, nil when none
}

// entry is one immutable cached result.
type entry struct {
	creds     Credentials
	refreshAt time.Time // serve without asking the source until then
	expiresAt time.Time // usable until then (Expiration, or fetch + MaxAge)
}

// call is one shared refresh; done is closed when creds and err are set.
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
	if e := c.cur.Load(); e != nil && c.now().Before(e.refreshAt) {
		return e.creds, nil
	}
	return c.refresh(ctx)
}

// refresh is the slow path: start or join the shared refresh, and wait for
// it only when there is nothing valid to return meanwhile.
func (c *Cache) refresh(ctx context.Context) (Credentials, error) {
	c.mu.Lock()
	now := c.now()
	e := c.cur.Load()
	if e != nil && now.Before(e.refreshAt) { // another caller just refreshed
		c.mu.Unlock()
		return e.creds, nil
	}
	cl := c.inflight
	if cl == nil {
		cl = &call{done: make(chan struct{})}
		c.inflight = cl
		go c.fetch(context.WithoutCancel(ctx), cl)
	}
	c.mu.Unlock()

	if e != nil && now.Before(e.expiresAt) {
		return e.creds, nil
	}
	select {
	case <-cl.done:
		return cl.creds, cl.err
	case <-ctx.Done():
		return Credentials{}, fmt.Errorf("creds: gave up waiting for credentials: %w", ctx.Err())
	}
}

// fetch asks the wrapped provider once, stores the outcome and wakes the
// callers waiting on cl.
func (c *Cache) fetch(ctx context.Context, cl *call) {
	ctx, cancel := context.WithTimeout(ctx, c.fetchTimeout)
	creds, err := c.p.Credentials(ctx)
	cancel()
	now := c.now()
	if err == nil {
		err = checkFetched(creds, now)
	}

	c.mu.Lock()
	old := c.cur.Load()
	switch {
	case err == nil:
		c.cur.Store(c.newEntry(creds, now))
		cl.creds = creds
	case old != nil && now.Before(old.expiresAt):
		// Keep serving what still works; ask again later.
		kept := *old
		kept.refreshAt = earliest(now.Add(c.retryAfter), old.expiresAt)
		c.cur.Store(&kept)
		cl.creds = old.creds
	case old != nil:
		cl.err = fmt.Errorf("creds: refreshing credentials failed and the cached ones expired at %s: %w",
			old.expiresAt.UTC().Format(time.RFC3339), err)
	default:
		cl.err = err
	}
	c.inflight = nil
	c.mu.Unlock()
	close(cl.done)
}

// newEntry decides when creds fetched at now are refreshed and until when
// they are served.
func (c *Cache) newEntry(creds Credentials, now time.Time) *entry {
	exp := creds.Expiration
	if exp.IsZero() {
		exp = now.Add(c.maxAge)
	}
	refreshAt := exp.Add(-c.margin)
	if !refreshAt.After(now) {
		// Already within the margin: the source has nothing fresher, so do
		// not ask it on every call; ask again after RetryAfter.
		refreshAt = earliest(now.Add(c.retryAfter), exp)
	}
	return &entry{creds: creds, refreshAt: refreshAt, expiresAt: exp}
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
