//go:build unix

package accesspoint

import (
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostileDir is an objects directory with a file, and with links and
// special files that must never be served: a link to a file outside the
// directory by absolute and by relative path, a link to a directory
// outside, a FIFO and a link inside the directory that is fine.
func hostileDir(t *testing.T) (dir string) {
	t.Helper()
	outside := t.TempDir()
	secretFile := filepath.Join(outside, "secret.txt")
	require.NoError(t, os.WriteFile(secretFile, []byte("outside the objects directory"), 0o600))
	dir = filepath.Join(t.TempDir(), "objects")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "in.txt"), []byte("inside"), 0o644))
	require.NoError(t, os.Symlink(secretFile, filepath.Join(dir, "absolute-link")))
	rel, err := filepath.Rel(dir, secretFile)
	require.NoError(t, err)
	require.NoError(t, os.Symlink(rel, filepath.Join(dir, "relative-link")))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "dir-link")))
	require.NoError(t, os.Symlink("in.txt", filepath.Join(dir, "inside-link")))
	require.NoError(t, os.Symlink("/dev/zero", filepath.Join(dir, "device-link")))
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
	return dir
}

func TestObjectsDirServesOnlyRegularFilesInsideIt(t *testing.T) {
	dir := hostileDir(t)
	tests := []struct {
		key        string
		wantStatus int
		wantBody   string
	}{
		{"in.txt", 200, "inside"},
		{"inside-link", 200, "inside"},
		{"absolute-link", 404, ""},
		{"relative-link", 404, ""},
		{"dir-link/secret.txt", 404, ""},
		{"device-link", 404, ""},
		{"fifo", 404, ""},
		{"sub", 404, ""},
		{"sub/../relative-link", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got := make(chan fetched, 1)
			s := start(t, Config{ObjectsDir: dir, Timeout: 5 * time.Second, Function: fetching(t, nil, got, nil)})

			resp, body, err := get(t, s, tt.key, nil)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode, "GetObject: %s", body)
			f := receive(t, got)
			assert.Equal(t, tt.wantStatus, f.status)
			if tt.wantStatus == 200 {
				assert.Equal(t, tt.wantBody, f.body)
			} else {
				assert.Equal(t, CodeNoSuchKey, parseXMLError(t, f.body).Code)
				assert.NotContains(t, f.body, "outside the objects directory")
			}
		})
	}
}

func TestAFIFOInAnFSIsNotOpened(t *testing.T) {
	// os.DirFS can stat without opening: a FIFO is refused, not opened
	// (which would block until a writer came).
	dir := hostileDir(t)
	got := make(chan fetched, 1)
	s := start(t, Config{Objects: os.DirFS(dir), Timeout: 5 * time.Second, Function: fetching(t, nil, got, nil)})
	for range 20 {
		resp, _, err := get(t, s, "fifo", nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, http.StatusNotFound, receive(t, got).status)
	}
}
