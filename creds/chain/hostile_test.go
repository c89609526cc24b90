package chain

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/creds"
)

// credentials-go v1.4.14 dereferences a null profile of the aliyun CLI's
// config file (cli_profile.go, getProfile): the chain turns that panic into
// an error, and tries every source again once the file is fixed.
func TestDefaultChainOutlivesAPanicOfCredentialsGo(t *testing.T) {
	isolateEnv(t)
	file := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"current":"a","profiles":[null]}`), 0o600))
	t.Setenv("ALIBABA_CLOUD_CONFIG_FILE", file)
	p := New()
	_, err := p.Credentials(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "panicked")

	require.NoError(t, os.Remove(file))
	t.Setenv(creds.EnvAccessKeyID, "id")
	t.Setenv(creds.EnvAccessKeySecret, testSecret)
	got, err := p.Credentials(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "id", got.AccessKeyID)
}
