package fcrt_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor"
	"github.com/wgor-dev/wgor/wgor/fcrt"
	"github.com/wgor-dev/wgor/wgor/wgortest"
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

// loadBody is what the handler of key answers: the key, many times.
func loadBody(key string) string { return strings.Repeat(key+";", 4000) }

// A thousand invocations, up to 200 at once on one runtime, of every kind
// (a declared body, a spooled one, a panic, a failure midway): each caller
// gets its own object or a failure, never another's; and no goroutine or
// file descriptor outlives them.
func TestManyInvocationsAtOnceEachGetTheirOwnAnswer(t *testing.T) {
	h := handler(func(_ context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
		u, err := url.Parse(inv.Event.GetObjectContext.InputOSSURL)
		require.NoError(t, err)
		key := path.Base(u.Path)
		body := loadBody(key)
		switch key[0] {
		case 'd':
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		case 'p':
			panic("boom " + key)
		case 'f':
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.Write([]byte(body[:len(body)/2]))
			return errors.New("failed midway")
		}
		for i := 0; i < len(body); i += 1000 {
			if _, err := w.Write([]byte(body[i:min(i+1000, len(body))])); err != nil {
				return err
			}
		}
		return nil
	})
	defer func(b *wgor.SpoolBudget) { wgor.DefaultSpoolBudget = b }(wgor.DefaultSpoolBudget)
	wgor.DefaultSpoolBudget = wgor.NewSpoolBudget(64<<10, 1<<20) // small: bodies wait for room
	dir := t.TempDir()
	ap := wgortest.Start(t, h, &wgortest.Config{Logger: slog.New(slog.DiscardHandler), Timeout: time.Minute,
		Runtime: &fcrt.Options{SpoolDir: dir, SpoolMemory: 8 << 10}})
	get := func(i int) {
		key := fmt.Sprintf("%c%04d", "dspf"[i%4], i)
		resp, err := ap.GetObject(context.Background(), key, nil)
		switch key[0] {
		case 'd', 's':
			if assert.NoError(t, err, key) {
				assert.Equal(t, 200, resp.StatusCode, key)
				assert.Equal(t, loadBody(key), string(resp.Body), key)
			}
		case 'p':
			if assert.NoError(t, err, key) {
				assert.Equal(t, 500, resp.StatusCode, key)
			}
		case 'f':
			assert.Error(t, err, key)
		}
	}
	for i := range 8 { // the connections and goroutines that stay
		get(i)
	}
	goroutines, fds := runtime.NumGoroutine(), openFiles(t)
	sem := make(chan struct{}, 200)
	var wg sync.WaitGroup
	for i := range 1000 {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			get(i)
		})
	}
	wg.Wait()
	ap.Client().CloseIdleConnections()
	assert.Eventually(t, func() bool { return runtime.NumGoroutine() <= goroutines && openFiles(t) <= fds },
		10*time.Second, 10*time.Millisecond)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "spool files left")
	t.Logf("goroutines %d (before %d), files %d (before %d)", runtime.NumGoroutine(), goroutines, openFiles(t), fds)
}
