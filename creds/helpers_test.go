package creds

import (
	"strings"
	"sync"
	"time"
)

// Recognisable secrets: no error or printed value may ever contain them.
const (
	testSecret = "SECRET-6f1d2c"
	testToken  = "TOKEN-9a8b7c"
)

// secretsIn returns the test secrets that s contains.
func secretsIn(s string) []string {
	var found []string
	for _, secret := range []string{testSecret, testToken} {
		if strings.Contains(s, secret) {
			found = append(found, secret)
		}
	}
	return found
}

// fakeClock is a settable clock, safe for the cache's background refresh.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// waitIdle waits for the refresh in progress, if any, to finish.
func (c *Cache) waitIdle() {
	c.mu.Lock()
	r := c.inflight
	c.mu.Unlock()
	if r != nil {
		<-r.done
	}
}
