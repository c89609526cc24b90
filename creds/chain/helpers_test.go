package chain

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/creds"
)

// envCredentialsURI is the variable credentials-go's URI source reads.
const envCredentialsURI = "ALIBABA_CLOUD_CREDENTIALS_URI"

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
		creds.EnvAccessKeyID, creds.EnvAccessKeySecret, creds.EnvSecurityToken,
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

// get calls c.Credentials, failing the test on error, and returns the ID.
func get(t *testing.T, c *creds.Cache) string {
	t.Helper()
	got, err := c.Credentials(context.Background())
	require.NoError(t, err)
	return got.AccessKeyID
}
