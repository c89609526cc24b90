package fcrt_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAFunctionLinksNoCredentialsChain guards the cold start of a function
// built on fcrt: neither the runtime nor the seed's function links the
// default credentials chain, credentials-go and its dependencies, or the
// testing and flag packages.
func TestAFunctionLinksNoCredentialsChain(t *testing.T) {
	gobin, err := exec.LookPath("go")
	require.NoError(t, err, "this test runs the go command: put it on PATH")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, gobin, "list", "-deps",
		"github.com/wgor-dev/wgor/wgor/fcrt", "github.com/wgor-dev/wgor/cmd/redpng").Output()
	require.NoError(t, err)
	linked := strings.Fields(string(out))
	require.Contains(t, linked, "github.com/wgor-dev/wgor/wgor", "go list listed what the runtime links")
	for _, p := range linked {
		for _, banned := range []string{
			"github.com/wgor-dev/wgor/creds/chain", "testing", "flag",
		} {
			assert.NotEqual(t, banned, p)
		}
		for _, prefix := range []string{"github.com/aliyun/", "github.com/alibabacloud-go/", "github.com/json-iterator/", "gopkg.in/ini"} {
			assert.False(t, strings.HasPrefix(p, prefix), "a function links %s", p)
		}
	}
}
