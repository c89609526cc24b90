package creds

import (
	"strings"
	"sync"
	"testing"
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
	for _, secret := range []string{testSecret, testToken, "uri-secret-", "uri-token-", "SECRET-in-url", "SECRET-in-body", "SECRET-in-file"} {
		if strings.Contains(s, secret) {
			found = append(found, secret)
		}
	}
	return found
}

// isolateEnv clears every variable credentials-go's default chain reads and
// points HOME at an empty directory, so only what a test sets is found. The
// ECS metadata source is disabled: outside ECS it costs seconds of timeouts.
func isolateEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{
		EnvAccessKeyID, EnvAccessKeySecret, EnvSecurityToken,
		"ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE", "ALIBABA_CLOUD_OIDC_TOKEN",
		"ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_CONFIG_FILE", "ALIBABA_CLOUD_PROFILE",
		"ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "ALIBABA_CLOUD_CREDENTIALS_FILE",
		"ALIBABA_CLOUD_ECS_METADATA", envCredentialsURI,
	} {
		t.Setenv(k, "")
	}
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	t.Setenv("HOME", t.TempDir())
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
	cl := c.inflight
	c.mu.Unlock()
	if cl != nil {
		<-cl.done
	}
}
