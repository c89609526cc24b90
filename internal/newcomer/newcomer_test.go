package newcomer

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNewcomerWalk runs the README's walk from an empty folder as printed:
// a module of one's own that requires wgor through a replace, the function
// and its test from the README, go test, the function under wgor emulate
// --exec with curl, and wgor package. Every other Go snippet of the README
// is compiled with it and run: the signer's, and each function's behind
// wgor emulate. Nothing is fetched: the module cache serves the new module.
func TestNewcomerWalk(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI and a module of its own")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	s, err := Parse(string(readme))
	require.NoError(t, err)
	require.Len(t, s.Walk, 2, "the walk is two bash blocks: the module, then test, run and package")
	require.Contains(t, s.Files, "myfn/main.go")
	require.Contains(t, s.Files, "myfn/main_test.go")

	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(bin, "wgor"), "./cmd/wgor")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	// Offline: modules come from the module cache only, and the walk's
	// go mod tidy writes go.sum from it, unchecked by the checksum
	// database, which is online. Otherwise go runs as a newcomer's does.
	env := append(os.Environ(), "WGOR="+root, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GOPROXY=off", "GOSUMDB=off")
	bash(ctx, t, dir, env, s.Walk[0])
	fn := filepath.Join(dir, "myfn")
	require.FileExists(t, filepath.Join(fn, "go.mod"), "the first block makes the module")
	for name, text := range s.Files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if !strings.HasPrefix(name, "myfn/") {
			path = filepath.Join(fn, "snippets", filepath.FromSlash(name))
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	}

	port := freePort(t)
	walk := strings.ReplaceAll(s.Walk[1], "wgor emulate", "wgor emulate --listen 127.0.0.1:"+port)
	walk = strings.ReplaceAll(walk, "127.0.0.1:8080", "127.0.0.1:"+port)
	got := bash(ctx, t, fn, env, walk)
	assert.Contains(t, got, "HELLO, WORLD", "curl printed the upper-cased original")
	for _, f := range []string{"myfn.zip", "s.yaml", "policy.json"} {
		assert.FileExists(t, filepath.Join(fn, "dist", "myfn", f), "wgor package wrote it")
	}

	signed := bash(ctx, t, fn, env, "go run ./snippets/signdemo")
	assert.Contains(t, signed, "OSS4-HMAC-SHA256 Credential=LTAI-EXAMPLE/", "the signer's snippet signs")
	assert.NotContains(t, signed, "example-secret")

	// The README's other functions do what it says they do, behind the
	// emulator as the walk runs myfn.
	objects := filepath.Join(dir, "objects")
	require.NoError(t, os.Mkdir(objects, 0o755))
	for name, text := range map[string]string{"public.txt": "public\n", "private.txt": "private\n"} {
		require.NoError(t, os.WriteFile(filepath.Join(objects, name), []byte(text), 0o644))
	}
	for _, tc := range []struct{ snippet, key, want string }{
		{"hello", "any.txt", "hello from the function\n"},
		{"passthrough", "public.txt", "public\n"},
		{"passthrough", "private.txt", "<Code>AccessDenied</Code><Message>this object is not served</Message>"},
	} {
		got := serve(ctx, t, fn, env, tc.snippet, objects, tc.key)
		assert.Contains(t, got, tc.want, "%s answering GetObject %s", tc.snippet, tc.key)
	}
}

// serve builds the README's function snippet, runs it under wgor emulate
// --exec on a free port, and returns what curl printed of GetObject key.
func serve(ctx context.Context, t *testing.T, dir string, env []string, snippet, objects, key string) string {
	script := `go build -o "$SNIPPET.bin" "./snippets/$SNIPPET"
wgor emulate --listen "127.0.0.1:$PORT" --exec "./$SNIPPET.bin" --objects "$OBJECTS" &
curl -sS --retry 20 --retry-connrefused --retry-delay 1 "http://127.0.0.1:$PORT/$KEY"
kill %1`
	return bash(ctx, t, dir, append(env, "SNIPPET="+snippet, "PORT="+freePort(t), "OBJECTS="+objects, "KEY="+key), script)
}

// bash runs script with bash -e in dir and returns what it printed.
func bash(ctx context.Context, t *testing.T, dir string, env []string, script string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, "bash", "-e", "-c", script)
	cmd.Dir, cmd.Env = dir, env
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "in %s:\n%s\n---\n%s", dir, script, out)
	return string(out)
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}
