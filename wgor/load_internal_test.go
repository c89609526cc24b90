package wgor

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// openFiles counts this process's file descriptors, or is -1 where
// /proc/self/fd does not exist (not Linux), so that they are not counted.
func openFiles(*testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}

// Many Writes at once on one small budget, with every kind of ending (sent,
// too large for the disk, a failing Read, a panicking Read, a context
// ended mid-spool, OSS refusing after the body, a spool file that cannot
// be created): every byte of the budget
// comes back, no file is left, no goroutine nor descriptor outlives them.
func TestSpoolBudgetComesBackWhateverTheEnding(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.Header.Get("x-oss-fwd-header-X-Refuse") != "" {
			w.WriteHeader(http.StatusForbidden)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	budget := NewSpoolBudget(64<<10, 1<<20)
	c := spoolClient(dir)
	c.SpoolBudget, c.SpoolMemory = budget, 16<<10
	defer c.HTTPClient.CloseIdleConnections()
	unwritable := *c
	unwritable.SpoolDir = filepath.Join(dir, "missing")
	write := func(i int) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // a lost budget fails, not hangs, the test
		defer cancel()
		r := &Response{Route: srv.URL, Token: "OSSV1#load", Status: 200}
		c := c
		switch i % 7 {
		case 0:
			r.Body = onlyRead{bytes.NewReader(make([]byte, 1000*i%(300<<10)))}
		case 1:
			r.Body = onlyRead{bytes.NewReader(make([]byte, 2<<20))}
		case 2:
			r.Body = onlyRead{io.MultiReader(bytes.NewReader(make([]byte, 100<<10)), errReader{io.ErrUnexpectedEOF})}
		case 3:
			r.Body = &panicAfter{n: 50 << 10}
		case 4:
			pr, pw := io.Pipe()
			go func() { pw.Write(make([]byte, 40<<10)); cancel() }()
			r.Body = pr
		case 5:
			r.Header = http.Header{"X-Refuse": {"1"}}
			r.Body = onlyRead{bytes.NewReader(make([]byte, 200<<10))}
		case 6:
			c = &unwritable
			r.Body = onlyRead{bytes.NewReader(make([]byte, 100<<10))}
		}
		defer func() { recover() }()
		c.Write(ctx, r)
	}
	write(0) // the transport's own goroutines
	goroutines, fds := runtime.NumGoroutine(), openFiles(t)
	var wg sync.WaitGroup
	for i := range 700 {
		wg.Go(func() { write(i) })
	}
	wg.Wait()
	c.HTTPClient.CloseIdleConnections()
	assert.Zero(t, budget.memUsed, "memory")
	assert.Zero(t, budget.diskUsed, "disk")
	assertEmptyDir(t, dir)
	assert.Eventually(t, func() bool { return runtime.NumGoroutine() <= goroutines && openFiles(t) <= fds },
		5*time.Second, 10*time.Millisecond, "goroutines %d (before %d), files %d (before %d)",
		runtime.NumGoroutine(), goroutines, openFiles(t), fds)
}
