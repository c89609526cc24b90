package wgor

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/oss"
)

func TestParseRoute(t *testing.T) {
	tests := []struct {
		route, scheme, host string
	}{
		{"oss.example", "https", "oss.example"},
		{"oss.example:8443", "https", "oss.example:8443"},
		{"http://127.0.0.1:8080", "http", "127.0.0.1:8080"},
		{"HTTPS://Oss.Example/", "https", "Oss.Example"},
		{"http://[::1]:9000", "http", "[::1]:9000"},
		{"[fe80::1]", "https", "[fe80::1]"},
		{"under_score.example", "https", "under_score.example"},
	}
	for _, tt := range tests {
		u, err := parseRoute(tt.route, "https")
		require.NoError(t, err, tt.route)
		assert.Equal(t, tt.scheme+"://"+tt.host+"/?x-oss-write-get-object-response", u.String(), tt.route)
	}
	for _, bad := range []string{"[::1", "[::1]x", "[zz::1]", "[]:80", "host:", "host:0", "host:+80", "host:abc", "ho%st", "ho st", "ho!st"} {
		_, err := parseRoute(bad, "https")
		assert.ErrorIs(t, err, ErrInvalidResponse, bad)
	}
}

func TestMismatch(t *testing.T) {
	local := "OSS4-HMAC-SHA256\n20261124T120000Z\n20261124/cn-qingdao/oss/aliyun_v4_request\nabc"
	explained := func(server, local string) *ServiceError {
		e := &ServiceError{StringToSign: server}
		e.explain("", local, "")
		return e
	}
	assert.Equal(t, `OSS's string to sign has 3 lines, wgor's has 4: they are of different forms`,
		explained("OSS4-HMAC-SHA256\n20261124T120000Z\n20261124/cn-qingdao/oss/aliyun_v4_request", local).Mismatch)
	e := explained(strings.Replace(local, "T120000Z", "T120001Z", 1), local)
	assert.Contains(t, e.Mismatch, "line 2 (date and time), byte 15")
	assert.Equal(t, "synchronise the local clock", e.advice)
	assert.Contains(t, explained(local+"\nextra", local+"\nother").Mismatch, `line 5 (line), byte 1: OSS has "extra", wgor signed "other"`)
	e = explained(local, local)
	assert.Equal(t, "the strings to sign are equal, so the signing key differs", e.Mismatch)
	assert.Equal(t, "check the access key secret", e.advice)

	cr := "POST\n/\nx-oss-write-get-object-response\nx-oss-date:20261124T120000Z\nx-oss-request-token:SECRET\n\n\nUNSIGNED-PAYLOAD"
	for _, tt := range []struct{ server, says string }{
		{strings.Replace(cr, "POST", "PUT", 1), `line 1 (method)`},
		{strings.Replace(cr, "\n/\n", "\n/b/\n", 1), `line 2 (URI)`},
		{strings.Replace(cr, "\n\n\n", "\n\nhost\n", 1), `line 7 (additional headers)`},
		{strings.Replace(cr, "UNSIGNED-PAYLOAD", "e3b0", 1), `line 8 (payload hash)`},
		{strings.Replace(cr, "token:SECRET", "token:OTHER", 1), `"x-oss-request-token:" (value not shown)`},
		{strings.Replace(cr, "x-oss-request-token:SECRET\n", "", 1), `line 5 (headers): OSS has ""`},
	} {
		got := canonicalMismatch(tt.server, cr)
		assert.Contains(t, got, tt.says)
		assert.NotContains(t, got, "SECRET")
		assert.NotContains(t, got, "OTHER")
	}
	assert.Empty(t, canonicalMismatch(cr, cr))
}

type noProgress struct{ data []byte }

func (n *noProgress) Read(p []byte) (int, error) {
	if len(n.data) == 0 {
		return 0, nil // never EOF, never data
	}
	c := copy(p, n.data)
	n.data = n.data[c:]
	return c, nil
}

func TestBodyReaderGivesUpOnASourceThatNeverEnds(t *testing.T) {
	br := testBody(&noProgress{data: []byte("abc")}, 3)
	_, err := io.ReadAll(br)
	assert.ErrorIs(t, err, io.ErrNoProgress)
}

func TestBodyReaderKeepsItsError(t *testing.T) {
	boom := errors.New("boom")
	br := testBody(io.MultiReader(strings.NewReader("ab"), errReader{boom}), 5)
	_, err := io.ReadAll(br)
	assert.ErrorIs(t, err, boom)
	_, err = br.Read(make([]byte, 1))
	assert.ErrorIs(t, err, boom, "a failed body stays failed")
}

// testBody is a body that reads r directly, as a regular file is read.
func testBody(r io.Reader, length int64) *body {
	return &body{src: r, length: length}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestGetBodyRewindsToWhereTheBodyStarted(t *testing.T) {
	data := "skip:the body"
	path := t.TempDir() + "/body"
	require.NoError(t, os.WriteFile(path, []byte(data), 0o600))
	fh, err := os.Open(path)
	require.NoError(t, err)
	defer fh.Close()
	bs := strings.NewReader(data)
	for name, src := range map[string]io.ReadSeeker{"file": fh, "strings.Reader": bs} {
		for _, declared := range []int64{0, int64(len(data) - 5)} {
			_, err := src.Seek(5, io.SeekStart)
			require.NoError(t, err)
			b := new(body)
			require.NoError(t, b.init(&Response{Body: src, ContentLength: declared}, nil, nil), name)
			rc, getBody := b.reader(context.Background())
			require.NotNil(t, getBody, name)
			part := make([]byte, 3)
			_, err = io.ReadFull(rc, part)
			require.NoError(t, err)
			again, err := getBody()
			require.NoError(t, err)
			all, err := io.ReadAll(again)
			require.NoError(t, err)
			assert.Equal(t, "the body", string(all), name)
		}
	}
	b := new(body)
	require.NoError(t, b.init(&Response{}, nil, nil))
	_, getBody := b.reader(context.Background())
	rc, err := getBody()
	require.NoError(t, err)
	assert.Equal(t, http.NoBody, rc)
}

func TestBackoffDoublesUpToACap(t *testing.T) {
	c := &Client{RetryBackoff: time.Second}
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, maxBackoff, maxBackoff},
		[]time.Duration{c.backoff(1), c.backoff(2), c.backoff(3), c.backoff(4), c.backoff(5), c.backoff(100)})
	assert.Equal(t, DefaultRetryBackoff, (&Client{}).backoff(1))
}

// TestForwardedFollowsTheTable: the typed fields are sent under the names
// of oss.Forwarded, in its order.
func TestForwardedFollowsTheTable(t *testing.T) {
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	r := &Response{AcceptRanges: "bytes", CacheControl: "no-cache", ContentDisposition: "inline", ContentEncoding: "gzip",
		ContentLanguage: "en", ContentRange: "bytes 0-1/2", ContentType: "image/png", ETag: `"e"`, Expires: at, LastModified: at}
	h := r.header("host", "ua")
	want := map[string]string{"Accept-Ranges": "bytes", "Cache-Control": "no-cache", "Content-Disposition": "inline",
		"Content-Encoding": "gzip", "Content-Language": "en", "Content-Range": "bytes 0-1/2", "Content-Type": "image/png",
		"Etag": `"e"`, "Expires": at.Format(http.TimeFormat), "Last-Modified": at.Format(http.TimeFormat)}
	require.Len(t, oss.Forwarded, len(want))
	for name, v := range want {
		assert.Equal(t, v, h.Get("X-Oss-Fwd-Header-"+name), name)
	}
}
