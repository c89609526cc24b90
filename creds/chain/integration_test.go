package chain

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/creds"
)

// These tests run credentials-go's real default chain against a local
// server that speaks the credentials-URI protocol. credentials-go refetches
// URI credentials whenever they expire within three minutes, so with
// lifetimes of seconds every call into the chain reaches the server: the
// server's fetch count is the cache's refresh count. credentials-go does not
// expose the expiry, so the cache refreshes on its MaxAge.

// uriChain points the default chain at srv and wraps it in a cache. The
// returned counter holds the calls into the chain in progress.
func uriChain(t *testing.T, srv *uriServer, opts creds.CacheOptions) (*creds.Cache, *atomic.Int32) {
	t.Helper()
	isolateEnv(t)
	t.Setenv(envCredentialsURI, srv.URL+"/?auth=SECRET-in-url")
	p := New()
	var inflight atomic.Int32
	counted := creds.ProviderFunc(func(ctx context.Context) (creds.Credentials, error) {
		inflight.Add(1)
		defer inflight.Add(-1)
		return p.Credentials(ctx)
	})
	return creds.NewCache(counted, opts), &inflight
}

// settle waits until no call into the chain is in progress and c serves
// the credentials srv issued last (so the refresh a call may have started in
// the background is over), and returns their ID.
func settle(t *testing.T, c *creds.Cache, inflight *atomic.Int32, srv *uriServer) string {
	t.Helper()
	var id string
	require.Eventually(t, func() bool {
		if inflight.Load() != 0 {
			return false
		}
		id = get(t, c)
		return id == fmt.Sprintf("STS.uri-%d", srv.fetches.Load())
	}, 5*time.Second, 20*time.Millisecond, "the cache serves the last credentials fetched")
	return id
}

func TestIntegrationCacheRefreshesBeforeExpiry(t *testing.T) {
	srv := newURIServer(t, 3*time.Second, 0)
	c, inflight := uriChain(t, srv, creds.CacheOptions{MaxAge: 2 * time.Second, Margin: time.Second, RetryAfter: 100 * time.Millisecond})

	ctx := context.Background()
	seen := map[string]bool{}
	calls := 0
	for end := time.Now().Add(3500 * time.Millisecond); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		got, err := c.Credentials(ctx)
		require.NoError(t, err)
		calls++
		exp, ok := srv.expiration(got.AccessKeyID)
		require.True(t, ok, "credentials %s came from the server", got.AccessKeyID)
		assert.Greater(t, time.Until(exp), 500*time.Millisecond, "never served close to expiry: %v", got)
		assert.Contains(t, got.AccessKeySecret, "uri-secret-")
		assert.Contains(t, got.SecurityToken, "uri-token-")
		seen[got.AccessKeyID] = true
	}
	seen[settle(t, c, inflight, srv)] = true // after the refresh the last call may have started
	fetches := int(srv.fetches.Load())
	t.Logf("%d calls, %d fetches, %d distinct credentials", calls, fetches, len(seen))
	assert.GreaterOrEqual(t, len(seen), 3, "credentials were refreshed before the first ones expired")
	assert.Equal(t, len(seen), fetches, "every fetch produced credentials that were served")
	assert.LessOrEqual(t, fetches, 6, "fetches follow the refresh schedule, not the calls")
}

func TestIntegrationConcurrentCallersShareOneFetchPerRefresh(t *testing.T) {
	srv := newURIServer(t, time.Minute, 100*time.Millisecond)
	const maxAge = 600 * time.Millisecond
	c, _ := uriChain(t, srv, creds.CacheOptions{MaxAge: maxAge, Margin: 400 * time.Millisecond})

	burst := func() []string {
		const callers = 100
		start := make(chan struct{})
		ids := make([]string, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				<-start
				got, err := c.Credentials(context.Background())
				assert.NoError(t, err)
				ids[i] = got.AccessKeyID
			})
		}
		close(start)
		wg.Wait()
		return ids
	}
	same := func(t *testing.T, ids []string, want string) {
		for _, id := range ids {
			if !assert.Equal(t, want, id) {
				return
			}
		}
	}

	same(t, burst(), "STS.uri-1") // cold: all wait for one fetch
	assert.EqualValues(t, 1, srv.fetches.Load())

	time.Sleep(maxAge) // expired: all wait for one refresh
	same(t, burst(), "STS.uri-2")
	assert.EqualValues(t, 2, srv.fetches.Load())

	time.Sleep(350 * time.Millisecond) // within the margin: old ones served, one refresh behind
	same(t, burst(), "STS.uri-2")
	require.Eventually(t, func() bool { return get(t, c) == "STS.uri-3" }, 5*time.Second, 20*time.Millisecond,
		"the refresh behind the burst is served")
	assert.EqualValues(t, 3, srv.fetches.Load())
}

func TestIntegrationOutageSurvivedUntilExpiry(t *testing.T) {
	srv := newURIServer(t, time.Minute, 0)
	const (
		maxAge     = 1500 * time.Millisecond
		margin     = time.Second
		retryAfter = 200 * time.Millisecond
	)
	c, _ := uriChain(t, srv, creds.CacheOptions{MaxAge: maxAge, Margin: margin, RetryAfter: retryAfter})
	ctx := context.Background()

	fetched := time.Now()
	assert.Equal(t, "STS.uri-1", get(t, c))
	srv.down.Store(true)

	// Until the credentials' (assumed) expiry, every call still succeeds.
	var served int
	for time.Since(fetched) < maxAge-150*time.Millisecond {
		got, err := c.Credentials(ctx)
		require.NoError(t, err, "served through the outage at %v", time.Since(fetched))
		assert.Equal(t, "STS.uri-1", got.AccessKeyID)
		served++
		time.Sleep(10 * time.Millisecond)
	}
	attempts := int(srv.fetches.Load()) - 1
	t.Logf("%d calls served during the outage, %d failed fetches", served, attempts)
	assert.GreaterOrEqual(t, attempts, 2, "the cache kept retrying")
	assert.LessOrEqual(t, attempts, 7, "retries are spaced by RetryAfter, not made per call")

	// After it, the error, safe to show and saying where it came from.
	time.Sleep(time.Until(fetched.Add(maxAge + 100*time.Millisecond)))
	_, err := c.Credentials(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI): the server answered with an error status")
	assert.Contains(t, err.Error(), "cached ones expired")
	assert.Empty(t, secretsIn(err.Error()), err.Error())

	// The server recovers: so does the cache.
	srv.down.Store(false)
	got, err := c.Credentials(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, "STS.uri-1", got.AccessKeyID)
}
