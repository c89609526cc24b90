package creds

import (
	"context"
	"testing"
	"time"
)

// warmCache returns a cache holding fresh credentials.
func warmCache(b *testing.B) *Cache {
	b.Helper()
	c := NewCache(Static(Credentials{AccessKeyID: "id", AccessKeySecret: "secret", SecurityToken: "token",
		Expiration: time.Now().Add(time.Hour)}), CacheOptions{})
	if _, err := c.Credentials(context.Background()); err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkCachedHit measures the hot path that runs once per
// WriteGetObjectResponse: fresh credentials from the cache.
func BenchmarkCachedHit(b *testing.B) {
	c := warmCache(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Credentials(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
