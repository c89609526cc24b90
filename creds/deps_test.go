package creds

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// heavy are the packages (or, ending in "/", the module path prefixes) that
// a function signing with each invocation's credentials must neither link
// nor initialise: the default chain, credentials-go and its dependencies,
// and the standard packages tea's utils import.
var heavy = []string{
	"github.com/wgor-dev/wgor/creds/chain",
	"github.com/aliyun/credentials-go/",
	"github.com/alibabacloud-go/",
	"github.com/json-iterator/",
	"github.com/modern-go/",
	"gopkg.in/ini.v1",
	"testing",
	"flag",
}

// deps returns what `go list -deps` says pkgs link (tests excluded).
func deps(t *testing.T, pkgs ...string) []string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	require.NoError(t, err, "this test runs the go command: put it on PATH")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, gobin, append([]string{"list", "-deps"}, pkgs...)...)
	out, err := cmd.Output()
	require.NoError(t, err, "go list -deps %s", strings.Join(pkgs, " "))
	return strings.Fields(string(out))
}

func heavyIn(list []string) []string {
	var found []string
	for _, p := range list {
		for _, h := range heavy {
			module, isModule := strings.CutSuffix(h, "/")
			if p == h || isModule && (p == module || strings.HasPrefix(p, h)) {
				found = append(found, p)
				break
			}
		}
	}
	return found
}

// TestWhatAFunctionLinks guards the cold start of a function: package creds,
// the client (package wgor), the signer, the function runtime and the
// example function built on it link none of the default chain's
// dependencies. Only github.com/wgor-dev/wgor/creds/chain may.
func TestWhatAFunctionLinks(t *testing.T) {
	light := deps(t,
		"github.com/wgor-dev/wgor/creds",
		"github.com/wgor-dev/wgor/wgor",
		"github.com/wgor-dev/wgor/sign",
		"github.com/wgor-dev/wgor/wgor/fcrt",
		"github.com/wgor-dev/wgor/cmd/redpng")
	assert.Contains(t, light, "github.com/wgor-dev/wgor/creds", "go list listed the packages asked for")
	assert.Empty(t, heavyIn(light), "a package a function links imports the default chain's dependencies: import github.com/wgor-dev/wgor/creds/chain only where the chain is used")

	// The check itself: the chain's own package does link them.
	chain := deps(t, "github.com/wgor-dev/wgor/creds/chain")
	assert.Contains(t, heavyIn(chain), "github.com/aliyun/credentials-go/credentials")
	assert.Contains(t, heavyIn(chain), "github.com/json-iterator/go")
}
