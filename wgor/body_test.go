package wgor_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor"
)

func TestWriteStreamedBodyOfTheWrongLengthFailsAndIsCutShort(t *testing.T) {
	const declared = 200_000
	tests := []struct {
		name     string
		actual   int
		says     string
		maxReads int64 // bytes the source may give up
	}{
		{"shorter than declared", declared - 1, "body ended after 199999 bytes, 1 short of ContentLength 200000", declared - 1},
		{"much shorter than declared", 10, "body ended after 10 bytes", 10},
		{"one byte longer than declared", declared + 1, "body holds more than ContentLength 200000", declared + 1},
		{"much longer than declared", 3 * declared, "body holds more than ContentLength 200000", declared + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeOSS(t)
			src := &countingReader{r: bytes.NewReader(pattern(tt.actual))}
			r := f.response(onlyReader{src})
			r.ContentLength = declared
			_, err := f.client().Write(context.Background(), r)
			require.ErrorIs(t, err, wgor.ErrBodyLength)
			assert.Contains(t, err.Error(), tt.says)
			assert.Equal(t, tt.maxReads, src.n.Load(), "bytes read from the body")
			got := f.waitRequests(1)
			assert.Error(t, got[0].BodyErr, "the access point must not receive a complete request")
		})
	}
}

func TestWriteReadsOneByteToConfirmTheEndOnlyWhenNeeded(t *testing.T) {
	data := pattern(50_000)
	tests := []struct {
		name string
		src  io.Reader
	}{
		{"EOF after the last byte", onlyReader{bytes.NewReader(data)}},
		{"EOF with the last byte", iotest.DataErrReader(bytes.NewReader(data))},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(data))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeOSS(t)
			src := &countingReader{r: tt.src}
			r := f.response(onlyReader{src})
			r.ContentLength = int64(len(data))
			_, err := f.client().Write(context.Background(), r)
			require.NoError(t, err)
			assert.Equal(t, int64(len(data)), src.n.Load())
			assert.Equal(t, data, f.last().Body)
		})
	}
}

func TestWriteFileThatChangedSizeFails(t *testing.T) {
	f := newFakeOSS(t)
	path := filepath.Join(t.TempDir(), "body")
	require.NoError(t, os.WriteFile(path, pattern(1000), 0o600))
	fh, err := os.Open(path)
	require.NoError(t, err)
	r := f.response(fh)
	r.ContentLength = 2000
	_, err = f.client().Write(context.Background(), r)
	require.ErrorIs(t, err, wgor.ErrBodyLength)
	assert.Contains(t, err.Error(), "holds 1000 bytes")
	assert.Zero(t, f.hits.Load())
}

func TestWriteReportsABodyReadError(t *testing.T) {
	boom := io.ErrClosedPipe
	t.Run("chunked", func(t *testing.T) {
		f := newFakeOSS(t)
		r := f.response(io.MultiReader(bytes.NewReader(pattern(70_000)), iotest.ErrReader(boom)))
		r.Chunked = true
		_, err := f.client().Write(context.Background(), r)
		require.ErrorIs(t, err, boom)
		assert.NotErrorIs(t, err, wgor.ErrNotSent)
		got := f.waitRequests(1)
		assert.Error(t, got[0].BodyErr, "a chunked body cut by an error must not end cleanly")
	})
	t.Run("spooled", func(t *testing.T) {
		f := newFakeOSS(t)
		r := f.response(io.MultiReader(bytes.NewReader(pattern(70_000)), iotest.ErrReader(boom)))
		_, err := f.client().Write(context.Background(), r)
		require.ErrorIs(t, err, boom)
		assert.ErrorIs(t, err, wgor.ErrNotSent)
		assert.Contains(t, err.Error(), "not sent, the outputToken is still unused: reading the body to spool it failed after 70000 bytes")
		assert.Zero(t, f.hits.Load(), "nothing reached the access point")
	})
}

func TestWriteNoLongerReadsTheBodyOnceItReturns(t *testing.T) {
	// OSS refuses before reading the body: net/http may still be sending it
	// when the refusal arrives. Once Write returns, the caller owns its
	// buffer again; the race detector catches a read after that.
	f := newFakeOSS(t)
	f.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeOSSError(w, http.StatusForbidden, "AccessDenied", "refused early", "", "")
	})
	for range 3 {
		buf := bytes.NewBuffer(make([]byte, 32<<20))
		_, err := f.client().Write(context.Background(), f.response(buf))
		var se *wgor.ServiceError
		require.ErrorAs(t, err, &se)
		b := buf.Bytes()
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
	}
}

func TestWriteDoesNotReportSuccessWhenOSSAnsweredBeforeTheBodyWasSent(t *testing.T) {
	bodies := map[string]func() io.Reader{
		"in-memory body": func() io.Reader { return bytes.NewBuffer(make([]byte, 32<<20)) },
		"streamed body":  func() io.Reader { return &zeros{left: 32 << 20} },
		"declared body":  func() io.Reader { return io.LimitReader(&zeros{left: 32 << 20}, 32<<20) },
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			f := newFakeOSS(t)
			f.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("X-Oss-Request-Id", "EARLY")
				w.WriteHeader(http.StatusOK)
			})
			r := f.response(body())
			if name == "declared body" {
				r.ContentLength = 32 << 20
			}
			res, err := f.client().Write(context.Background(), r)
			require.Error(t, err, "a 200 that came before the body is not a success")
			assert.Nil(t, res)
			assert.Contains(t, err.Error(), "OSS answered HTTP 200 before the whole body was sent (request ID EARLY)")
		})
	}
}

func TestProgressFollowsTheBody(t *testing.T) {
	const size = 3 << 20
	tests := []struct {
		name      string
		chunked   bool
		declared  int64
		wantTotal int64
	}{
		{"chunked", true, 0, -1},
		{"declared length", false, size, size},
		{"spooled", false, 0, size},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeOSS(t)
			c := f.client()
			var seen []wgor.Progress
			c.Progress = func(p wgor.Progress) { seen = append(seen, p) }
			r := f.response(onlyReader{bytes.NewReader(pattern(size))})
			r.Chunked, r.ContentLength = tt.chunked, tt.declared
			res, err := c.Write(context.Background(), r)
			require.NoError(t, err)
			require.NotEmpty(t, seen)
			last := seen[len(seen)-1]
			assert.Equal(t, res.BytesSent, last.Sent)
			assert.Equal(t, int64(size), last.Sent)
			assert.Equal(t, tt.wantTotal, last.Total)
			for i := 1; i < len(seen); i++ {
				if seen[i].Total == seen[i-1].Total {
					assert.GreaterOrEqual(t, seen[i].Sent, seen[i-1].Sent, "Sent only grows")
				}
			}
		})
	}
}
