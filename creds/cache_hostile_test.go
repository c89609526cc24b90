package creds

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A source that ignores its context, or panics, must not keep the cache
// from ever refreshing again, nor end the program from the cache's
// goroutine.
func TestCacheOutlivesASourceThatHangsOrPanics(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	cases := map[string]func(ctx context.Context) (Credentials, error){
		"ignores its context": func(context.Context) (Credentials, error) {
			<-release
			return Credentials{}, nil
		},
		"panics": func(context.Context) (Credentials, error) {
			panic("source broke holding " + testSecret)
		},
	}
	for name, first := range cases {
		t.Run(name, func(t *testing.T) {
			src := &source{respond: func(ctx context.Context, n int) (Credentials, error) {
				if n == 1 {
					return first(ctx)
				}
				return Credentials{AccessKeyID: "id", AccessKeySecret: testSecret}, nil
			}}
			c := NewCache(src, CacheOptions{FetchTimeout: 20 * time.Millisecond, RetryAfter: time.Millisecond})
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_, err := c.Credentials(ctx)
			require.Error(t, err)
			assert.Empty(t, secretsIn(err.Error()))
			assert.NotErrorIs(t, err, ctx.Err(), "the refresh ended, not the caller's wait")
			time.Sleep(5 * time.Millisecond) // RetryAfter
			got, err := c.Credentials(ctx)
			require.NoError(t, err, "the next refresh asks the source again")
			assert.Equal(t, "id", got.AccessKeyID)
		})
	}
}
