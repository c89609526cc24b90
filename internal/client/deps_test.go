package client

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClientLinksNoXMLOrHTML guards the cold start of every function: the
// client reads OSS's error document with its own parser (xmldoc.go) and
// escapes by hand, so that neither encoding/xml (about 100 KB) nor html
// (whose init builds an escaper) is linked through it.
func TestClientLinksNoXMLOrHTML(t *testing.T) {
	gobin, err := exec.LookPath("go")
	require.NoError(t, err, "this test runs the go command: put it on PATH")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, gobin, "list", "-deps", "github.com/wgor-dev/wgor/internal/client").Output()
	require.NoError(t, err)
	linked := strings.Fields(string(out))
	require.Contains(t, linked, "net/http", "go list listed what the client links")
	assert.NotContains(t, linked, "encoding/xml")
	assert.NotContains(t, linked, "html")
}
