package wgor

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/creds"
)

// spoolServer is a route that reads each body whole and answers 200, or
// fails the test if anything reaches it when it must not.
func spoolServer(t *testing.T, forbidden bool) (*httptest.Server, *[]int64) {
	var lengths []int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if forbidden {
			t.Error("a request reached the route, though nothing was to be sent")
		}
		n, _ := io.Copy(io.Discard, r.Body)
		if r.ContentLength != n {
			t.Errorf("Content-Length %d, body %d bytes", r.ContentLength, n)
		}
		lengths = append(lengths, n)
		w.Header().Set("X-Oss-Request-Id", "SPOOL")
	}))
	t.Cleanup(srv.Close)
	return srv, &lengths
}

func spoolClient(dir string) *Client {
	return &Client{
		HTTPClient:  &http.Client{Transport: &http.Transport{}},
		Credentials: creds.Static(creds.Credentials{AccessKeyID: "LTAI-TEST", AccessKeySecret: "SECRET-spool-test"}),
		Region:      "cn-qingdao",
		SpoolDir:    dir,
		SpoolMemory: 1000, // small, so that the tests reach the file
	}
}

// onlyRead hides every method of a reader but Read, so that its length is
// unknown.
type onlyRead struct{ r io.Reader }

func (o onlyRead) Read(p []byte) (int, error) { return o.r.Read(p) }

// panicAfter panics once n bytes were read.
type panicAfter struct{ n int }

func (p *panicAfter) Read(b []byte) (int, error) {
	if p.n <= 0 {
		panic("boom in Read")
	}
	k := min(len(b), p.n)
	clear(b[:k])
	p.n -= k
	return k, nil
}

// fullDisk is a spool file that fails as a full disk does.
type fullDisk struct {
	*os.File
	room int
}

func (f *fullDisk) Write(p []byte) (int, error) {
	if len(p) > f.room {
		n, _ := f.File.Write(p[:f.room])
		f.room = 0
		return n, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	f.room -= len(p)
	return f.File.Write(p)
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Empty(t, names, "files left in the spool directory")
}

func TestSpoolLeavesNoFileOnAnyPath(t *testing.T) {
	big := func() io.Reader { return onlyRead{bytes.NewReader(make([]byte, 3<<20))} }
	tests := []struct {
		name     string
		body     func() io.Reader
		ctx      func() (context.Context, context.CancelFunc)
		full     bool
		wantErr  error
		wantSent int64
		panics   bool
	}{
		{name: "success", body: big, wantSent: 3 << 20},
		{name: "body read fails", body: func() io.Reader {
			return onlyRead{io.MultiReader(bytes.NewReader(make([]byte, 5000)), errReader{io.ErrUnexpectedEOF})}
		}, wantErr: io.ErrUnexpectedEOF},
		{name: "ctx cancelled while spooling", body: func() io.Reader {
			pr, pw := io.Pipe()
			go func() { pw.Write(make([]byte, 5000)) }() // then nothing more
			return pr
		}, ctx: func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, wantErr: context.DeadlineExceeded},
		{name: "ctx cancelled before", body: big, ctx: func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, wantErr: context.Canceled},
		{name: "full disk", body: big, full: true, wantErr: syscall.ENOSPC},
		{name: "body panics", body: func() io.Reader { return &panicAfter{n: 5000} }, panics: true},
	}
	for _, early := range []bool{true, false} {
		for _, tt := range tests {
			name := tt.name
			if !early {
				name += " (name removed at release)"
			}
			t.Run(name, func(t *testing.T) {
				defer func(u bool, c func(string) (spoolFile, error)) { unlinkAtOnce, createSpoolFile = u, c }(unlinkAtOnce, createSpoolFile)
				unlinkAtOnce = early
				var created []string
				createSpoolFile = func(dir string) (spoolFile, error) {
					f, err := os.CreateTemp(dir, "wgor-spool-*")
					if err != nil {
						return nil, err
					}
					created = append(created, f.Name())
					if tt.full {
						return &fullDisk{File: f, room: 4096}, nil
					}
					return f, nil
				}
				dir := t.TempDir()
				srv, lengths := spoolServer(t, tt.wantErr != nil || tt.panics)
				ctx, cancel := context.Background(), context.CancelFunc(func() {})
				if tt.ctx != nil {
					ctx, cancel = tt.ctx()
				}
				defer cancel()
				var res *Result
				var err error
				var panicked any
				func() {
					defer func() { panicked = recover() }()
					res, err = spoolClient(dir).Write(ctx, &Response{Route: srv.URL, Token: "OSSV1#spool-token", Status: 200, Body: tt.body()})
				}()
				assertEmptyDir(t, dir)
				if tt.panics {
					assert.Equal(t, "boom in Read", panicked, "Write panics again with the body's value")
					return
				}
				require.Nil(t, panicked)
				if tt.wantErr != nil {
					require.ErrorIs(t, err, tt.wantErr)
					assert.ErrorIs(t, err, ErrNotSent)
					assert.Contains(t, err.Error(), "the outputToken is still unused")
					assert.Empty(t, *lengths)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, tt.wantSent, res.BytesSent)
				assert.Equal(t, []int64{tt.wantSent}, *lengths)
				assert.Len(t, created, 1, "the part beyond SpoolMemory went to a file")
			})
		}
	}
}

func TestSpoolToAnUnwritableDirectoryFailsBeforeSending(t *testing.T) {
	srv, lengths := spoolServer(t, true)
	dir := filepath.Join(t.TempDir(), "missing")
	_, err := spoolClient(dir).Write(context.Background(), &Response{Route: srv.URL, Token: "OSSV1#spool-token", Status: 200,
		Body: onlyRead{bytes.NewReader(make([]byte, 10_000))}})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNotSent)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), "cannot spool the body of unknown length to \""+dir+"\"")
	assert.Contains(t, err.Error(), "the outputToken is still unused")
	var se *SpoolError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, dir, se.Dir)
	assert.Empty(t, *lengths)
}

// A body that fits in SpoolMemory, and in what the budget's memory has
// left, stays in memory: the spool takes what the body needs, not the
// whole SpoolMemory at once.
func TestSpoolSmallBodyNeedsNoFile(t *testing.T) {
	defer func(c func(string) (spoolFile, error)) { createSpoolFile = c }(createSpoolFile)
	createSpoolFile = func(string) (spoolFile, error) { return nil, errors.New("no file expected") }
	for _, tt := range []struct {
		budget *SpoolBudget
		size   int
	}{{nil, 1 << 20}, {NewSpoolBudget(1<<20, 1<<30), 300_000}} {
		srv, lengths := spoolServer(t, false)
		c := spoolClient(t.TempDir())
		c.SpoolMemory, c.SpoolBudget = 0, tt.budget // the default, 4 MiB
		res, err := c.Write(context.Background(), &Response{Route: srv.URL, Token: "OSSV1#spool-token", Status: 200,
			Body: onlyRead{bytes.NewReader(make([]byte, tt.size))}})
		require.NoError(t, err, "%d bytes", tt.size)
		assert.Equal(t, int64(tt.size), res.BytesSent)
		assert.Equal(t, []int64{int64(tt.size)}, *lengths)
	}
}

func TestSpoolReportsProgress(t *testing.T) {
	srv, _ := spoolServer(t, false)
	c := spoolClient(t.TempDir())
	var seen []Progress
	c.Progress = func(p Progress) { seen = append(seen, p) }
	const size = 2<<20 + 123
	_, err := c.Write(context.Background(), &Response{Route: srv.URL, Token: "OSSV1#spool-token", Status: 200,
		Body: onlyRead{bytes.NewReader(make([]byte, size))}})
	require.NoError(t, err)
	require.NotEmpty(t, seen)
	var spooling, sending int
	for i, p := range seen {
		if p.Total < 0 {
			spooling++
			assert.Zero(t, sending, "spooling comes first")
			if i > 0 {
				assert.GreaterOrEqual(t, p.Spooled, seen[i-1].Spooled)
			}
			continue
		}
		sending++
		assert.Equal(t, int64(size), p.Total)
		assert.Equal(t, int64(size), p.Spooled)
	}
	assert.Positive(t, spooling)
	assert.Positive(t, sending)
	assert.Equal(t, Progress{Spooled: size, Sent: size, Total: size}, seen[len(seen)-1])
}

func TestSpooledBodyIsReplayedFromTheSpoolOnARetry(t *testing.T) {
	srv, lengths := spoolServer(t, false)
	dials := 0
	c := spoolClient(t.TempDir())
	c.RetryBackoff = time.Millisecond
	c.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials++; dials == 1 {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}}
	const size = 300_000 // beyond SpoolMemory: part of it is in the file
	res, err := c.Write(context.Background(), &Response{Route: srv.URL, Token: "OSSV1#spool-token", Status: 200,
		Body: onlyRead{bytes.NewReader(make([]byte, size))}})
	require.NoError(t, err)
	assert.Equal(t, 2, res.Attempts)
	assert.Equal(t, int64(size), res.BytesSent)
	assert.Equal(t, []int64{size}, *lengths)
}
