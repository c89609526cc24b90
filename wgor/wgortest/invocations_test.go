package wgortest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor/fcrt"
	"github.com/wgor-dev/wgor/wgor/wgortest"
)

var errDatabase = errors.New("the database is down")

// TestInvocationErrNamesWhatTheHandlerDid (issue 22, item 4): the error a
// test sees says what the handler did, not the protocol's status code.
func TestInvocationErrNamesWhatTheHandlerDid(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    fcrt.HandlerFunc
		want string
	}{
		{"returned", func(context.Context, fcrt.ResponseWriter, *fcrt.Invocation) error {
			return fmt.Errorf("lookup: %w", errDatabase)
		}, "fcrt: the handler returned: lookup: the database is down"},
		{"panicked", func(context.Context, fcrt.ResponseWriter, *fcrt.Invocation) error {
			panic("assignment to entry in nil map")
		}, "fcrt: the handler panicked: assignment to entry in nil map"},
		{"wrote short", func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
			w.Header().Set("Content-Length", "10")
			_, err := io.WriteString(w, "short")
			return err
		}, "the handler wrote 5 bytes of its Content-Length 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ap := wgortest.Start(t, tc.h, nil)
			_, _ = ap.GetObject(context.Background(), "k", nil)
			invs := ap.Invocations()
			require.Len(t, invs, 1)
			require.Error(t, invs[0].Err)
			assert.Contains(t, invs[0].Err.Error(), tc.want)
			assert.NotContains(t, invs[0].Err.Error(), "404")
			if tc.name == "returned" {
				assert.ErrorIs(t, invs[0].Err, errDatabase, "the handler's error is wrapped")
			}
		})
	}
}

// TestStartShowsAHandlersFailureInTheTestOutput (issue 22, item 4): with no
// Logger configured, Start puts the runtime's record of a failure in the
// test's output. It runs a test of its own in a child process and reads
// that output.
func TestStartShowsAHandlersFailureInTheTestOutput(t *testing.T) {
	if os.Getenv("WGORTEST_CHILD") == "1" {
		ap := wgortest.Start(t, fcrt.HandlerFunc(func(context.Context, fcrt.ResponseWriter, *fcrt.Invocation) error {
			panic("the thumbnailer broke")
		}), nil)
		_, _ = ap.GetObject(context.Background(), "k", nil)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestStartShowsAHandlersFailureInTheTestOutput$", "-test.v")
	cmd.Env = append(os.Environ(), "WGORTEST_CHILD=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "fcrt: invocation failed")
	assert.Contains(t, string(out), "the handler panicked: the thumbnailer broke")
	assert.Contains(t, string(out), "goroutine", "the stack is shown too")
}

// TestClientReachesTheAccessPointWithoutFollowingRedirects: Server.Client
// makes requests of one's own, streamed, and shows a redirect as answered.
func TestClientReachesTheAccessPointWithoutFollowingRedirects(t *testing.T) {
	ap := wgortest.Start(t, fcrt.HandlerFunc(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
		w.Header().Set("Location", "/moved.txt")
		w.WriteHeader(http.StatusFound)
		return nil
	}), nil)
	resp, err := ap.Client().Get(ap.URL() + "/k.txt")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "/moved.txt", resp.Header.Get("Location"))
}

func TestGetObjectParsesTheErrorDocument(t *testing.T) {
	denied := fcrt.HandlerFunc(func(context.Context, fcrt.ResponseWriter, *fcrt.Invocation) error {
		return fcrt.Error(http.StatusForbidden, "AccessDenied", "not for you")
	})
	ap := wgortest.Start(t, denied, nil)
	resp, err := ap.GetObject(context.Background(), "any.txt", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, "AccessDenied", resp.Code)
	assert.Equal(t, "not for you", resp.Message)
	assert.NotEmpty(t, resp.RequestID)

	resp, err = wgortest.Start(t, hello, nil).GetObject(context.Background(), "any.txt", nil)
	require.NoError(t, err)
	assert.Empty(t, resp.Code+resp.Message, "a success has no error document")
}

func TestHeadersSetTheOriginalsHeaders(t *testing.T) {
	var got http.Header
	h := fcrt.HandlerFunc(func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
		orig, err := fcrt.OpenOriginal(ctx, inv, nil)
		if err != nil {
			return err
		}
		got = orig.Header
		orig.Body.Close()
		return nil
	})
	ap := wgortest.Start(t, h, &wgortest.Config{
		ObjectMap: map[string][]byte{"a.txt": []byte("a"), "b.txt": []byte("b")},
		Headers:   map[string]http.Header{"a.txt": {"Content-Type": {"text/csv"}, "content-encoding": {"gzip"}, "Etag": {`"v1"`}}},
	})
	_, err := ap.GetObject(context.Background(), "a.txt", nil)
	require.NoError(t, err)
	assert.Equal(t, "text/csv", got.Get("Content-Type"))
	assert.Equal(t, "gzip", got.Get("Content-Encoding"))
	assert.Equal(t, `"v1"`, got.Get("Etag"))
	_, err = ap.GetObject(context.Background(), "b.txt", nil)
	require.NoError(t, err)
	assert.Empty(t, got.Get("Content-Encoding"), "another key keeps the emulator's headers")
	assert.Equal(t, `"92EB5FFEE6AE2FEC3AD71C777531578F"`, got.Get("Etag"), "the MD5 of \"b\"")
}
