package creds

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/wgor-dev/wgor/internal/redact"
)

// The defaults of [CacheOptions]' fields.
const (
	DefaultMargin       = time.Minute
	DefaultMaxAge       = 2 * time.Minute
	DefaultRetryAfter   = 5 * time.Second
	DefaultFetchTimeout = 30 * time.Second
)

// CacheOptions configure a [Cache]. A zero or negative field selects its default.
type CacheOptions struct {
	// Margin: credentials are refreshed once they expire within Margin,
	// long enough for a request in flight and modest clock skew.
	Margin time.Duration

	// MaxAge: credentials without a known Expiration are treated as if they
	// expired MaxAge after they were fetched. credentials-go hands out STS
	// credentials with at least three minutes left: two leave one to spare.
	MaxAge time.Duration

	// RetryAfter: after a failed refresh, or when the source gives
	// credentials already within Margin of their expiry, the source is asked
	// again RetryAfter later, not on every call.
	RetryAfter time.Duration

	// FetchTimeout bounds one fetch from the wrapped provider.
	FetchTimeout time.Duration

	// Now returns the current time (default [time.Now]). Tests set it.
	Now func() time.Time
}

// Cache is a [Provider] that wraps another and returns its credentials until
// Margin before they expire, as golang.org/x/oauth2's ReuseTokenSource does
// for tokens. Create it with [NewCache]; it is safe for concurrent use.
//
// Then one refresh starts, shared by every caller. Callers get the old
// credentials until they expire, even if it fails (the source is then asked
// again RetryAfter later); after that they wait for the refresh, each until
// its ctx ends. Incomplete or expired credentials from the source count as a
// failure. The refresh keeps the values of its first caller's context, not
// its cancellation ([context.WithoutCancel]), and ends after FetchTimeout,
// even when the source does not return; a source that panics fails it.
type Cache struct {
	src  Provider
	opts CacheOptions

	mu        sync.Mutex
	cur       Credentials
	refreshAt time.Time // cur is served without asking the source until then
	expiresAt time.Time // cur is served until then (Expiration, or fetch + MaxAge)
	inflight  *refresh  // nil when none runs
}

// refresh is one fetch from the source, shared by its callers; done is
// closed once creds and err are set.
type refresh struct {
	done  chan struct{}
	creds Credentials
	err   error
}

// NewCache returns a Cache that wraps p. See [CacheOptions] for the settings.
func NewCache(p Provider, opts CacheOptions) *Cache {
	opts.Margin = cmp.Or(max(opts.Margin, 0), DefaultMargin)
	opts.MaxAge = cmp.Or(max(opts.MaxAge, 0), DefaultMaxAge)
	opts.RetryAfter = cmp.Or(max(opts.RetryAfter, 0), DefaultRetryAfter)
	opts.FetchTimeout = cmp.Or(max(opts.FetchTimeout, 0), DefaultFetchTimeout)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Cache{src: p, opts: opts}
}

// Credentials returns the cached credentials, refreshed as [Cache] describes.
func (c *Cache) Credentials(ctx context.Context) (Credentials, error) {
	c.mu.Lock()
	now := c.opts.Now()
	if now.Before(c.refreshAt) {
		defer c.mu.Unlock()
		return c.cur, nil
	}
	if c.inflight == nil {
		c.inflight = &refresh{done: make(chan struct{})}
		go c.fetch(context.WithoutCancel(ctx), c.inflight)
	}
	r, cur, valid := c.inflight, c.cur, now.Before(c.expiresAt)
	c.mu.Unlock()
	if valid {
		return cur, nil
	}
	select {
	case <-r.done:
		return r.creds, r.err
	case <-ctx.Done():
		return Credentials{}, fmt.Errorf("creds: gave up waiting for credentials: %w", ctx.Err())
	}
}

// fetch asks the source once, keeps what it gave, and hands the outcome to
// the callers waiting on r.
func (c *Cache) fetch(ctx context.Context, r *refresh) {
	got, err := c.ask(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.opts.Now()
	if err == nil {
		err = check(got, "access key ID", "access key secret", "the wrapped provider returned incomplete credentials; fix the source")
	}
	if err == nil && got.Expired(now, 0) {
		err = fmt.Errorf("creds: the wrapped provider returned credentials that expired at %s: check the source and the local clock",
			got.Expiration.UTC().Format(time.RFC3339))
	}
	switch {
	case err == nil:
		c.cur, c.expiresAt = got, got.Expiration
		if got.Expiration.IsZero() {
			c.expiresAt = now.Add(c.opts.MaxAge)
		}
		c.refreshAt = c.expiresAt.Add(-c.opts.Margin)
		r.creds = got
	case now.Before(c.expiresAt): // keep serving what still works
		r.creds, err = c.cur, nil
	case !c.expiresAt.IsZero():
		err = fmt.Errorf("creds: refreshing credentials failed and the cached ones expired at %s: %w",
			c.expiresAt.UTC().Format(time.RFC3339), err)
	}
	if !c.refreshAt.After(now) { // failed, or within the margin already: ask again later, not on every call
		c.refreshAt = now.Add(c.opts.RetryAfter)
		if c.expiresAt.Before(c.refreshAt) {
			c.refreshAt = c.expiresAt
		}
	}
	r.err = err
	c.inflight = nil
	close(r.done)
}

// ask asks the source, on a goroutine of its own, so that a source that
// ignores its context still ends the refresh after FetchTimeout and one
// that panics fails it rather than the program; the panic's value may hold
// a secret, so it is not shown.
func (c *Cache) ask(ctx context.Context) (Credentials, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.FetchTimeout)
	defer cancel()
	type answer struct {
		creds Credentials
		err   error
	}
	got := make(chan answer, 1)
	go func() {
		defer func() {
			if recover() != nil {
				got <- answer{err: errors.New("creds: the wrapped provider panicked: fix the source")}
			}
		}()
		cr, err := c.src.Credentials(ctx)
		got <- answer{cr, err}
	}()
	select {
	case a := <-got:
		return a.creds, a.err
	case <-ctx.Done():
		return Credentials{}, fmt.Errorf("creds: the wrapped provider gave nothing within FetchTimeout: %w", ctx.Err())
	}
}

// Format prints "creds.Cache" for every verb, never the credentials held.
func (c *Cache) Format(f fmt.State, verb rune) { redact.Format(f, verb, "creds.Cache") }
