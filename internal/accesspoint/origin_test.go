package accesspoint

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fetched is what a function got from its inputOssUrl.
type fetched struct {
	status int
	header http.Header
	body   string
	url    string
}

// fetching is a function that reads its inputOssUrl (with header, if any)
// and writes back what it read.
func fetching(t testing.TB, header http.Header, out chan<- fetched, change func(string) string) InvokerFunc {
	return func(ctx context.Context, inv *Invocation) error {
		ev := parseEvent(t, inv)
		u := ev.GetObjectContext.InputOSSURL
		if change != nil {
			u = change(u)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		out <- fetched{status: resp.StatusCode, header: resp.Header, body: string(b), url: ev.GetObjectContext.InputOSSURL}
		return send(ctx, inv, ev, reply{body: strings.NewReader("done")}).err
	}
}

func TestInputURLServesTheOriginalObject(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "photos"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "photos", "cat 1.png"), fakePNG, 0o644))
	mem := fstest.MapFS{
		"photos/cat 1.png": {Data: fakePNG},
		"a/b":              {Data: []byte("in memory")},
	}
	otherKey := func(u string) string { return strings.Replace(u, "/photos/cat%201.png", "/a/b", 1) }

	tests := []struct {
		name       string
		objects    fs.FS
		key        string
		header     http.Header
		change     func(string) string
		wantStatus int
		wantBody   string
		wantCode   string
	}{
		{name: "directory", objects: os.DirFS(dir), key: "photos/cat%201.png", wantStatus: 200, wantBody: string(fakePNG)},
		{name: "memory", objects: mem, key: "photos/cat%201.png", wantStatus: 200, wantBody: string(fakePNG)},
		{name: "object that cannot seek", objects: readOnlyFS{mem}, key: "a/b", wantStatus: 200, wantBody: "in memory"},
		{
			name: "range of an object", objects: mem, key: "photos/cat%201.png",
			header:     http.Header{"Range": {"bytes=0-7"}},
			wantStatus: 206, wantBody: string(fakePNG[:8]),
		},
		{name: "missing key", objects: mem, key: "photos/dog.png", wantStatus: 404, wantCode: CodeNoSuchKey},
		{name: "a directory is no object", objects: os.DirFS(dir), key: "photos", wantStatus: 404, wantCode: CodeNoSuchKey},
		{name: "no objects at all", objects: nil, key: "photos/cat%201.png", wantStatus: 404, wantCode: CodeNoSuchKey},
		{
			name: "URL changed to another key", objects: mem, key: "photos/cat%201.png", change: otherKey,
			wantStatus: 403, wantCode: CodeSignatureDoesNotMatch,
		},
		{
			name: "URL without its signature", objects: mem, key: "photos/cat%201.png",
			change: func(u string) string {
				parsed, _ := url.Parse(u)
				q := parsed.Query()
				q.Set("x-oss-signature", "00")
				parsed.RawQuery = q.Encode()
				return parsed.String()
			},
			wantStatus: 403, wantCode: CodeSignatureDoesNotMatch,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan fetched, 1)
			s := start(t, Config{Objects: tt.objects, Function: fetching(t, tt.header, got, tt.change)})

			resp, body, err := get(t, s, tt.key, nil)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode, "GetObject: %s", body)

			f := receive(t, got)
			assert.Equal(t, tt.wantStatus, f.status)
			assert.True(t, strings.HasPrefix(f.url, s.URL()+"/"), "inputOssUrl %s is on the emulator", f.url)
			assert.Contains(t, f.url, "x-oss-signature=")
			if tt.wantCode != "" {
				assert.Equal(t, tt.wantCode, parseXMLError(t, f.body).Code)
				return
			}
			assert.Equal(t, tt.wantBody, f.body)
			assert.Regexp(t, requestIDPattern, f.header.Get("x-oss-request-id"))
		})
	}
}

func TestEventCarriesTheRouteTokenAndCallersRequest(t *testing.T) {
	invocations := make(chan *Invocation, 1)
	s := start(t, Config{Function: InvokerFunc(func(ctx context.Context, inv *Invocation) error {
		invocations <- inv
		return send(ctx, inv, parseEvent(t, inv), reply{}).err
	})})

	resp, _, err := get(t, s, "photos/cat%201.png?versionId=7", http.Header{
		"Range":                {"bytes=0-99"},
		"Authorization":        {"OSS4-HMAC-SHA256 Credential=caller-key/..."},
		"X-Oss-Security-Token": {"caller-token"},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	inv := receive(t, invocations)
	assert.Equal(t, resp.Header.Get("x-oss-request-id"), inv.RequestID)
	assert.Equal(t, testCreds, inv.Credentials)
	assert.Equal(t, testRegion, inv.Region)

	ev := parseEvent(t, inv)
	assert.Equal(t, s.URL(), ev.GetObjectContext.OutputRoute)
	assert.True(t, strings.HasPrefix(ev.GetObjectContext.OutputToken, "OSSV1#"))
	assert.Greater(t, len(ev.GetObjectContext.OutputToken), 40)
	assert.True(t, strings.HasPrefix(ev.GetObjectContext.InputOSSURL, s.URL()+"/photos/cat%201.png?"))
	assert.Equal(t, s.URL()+"/photos/cat%201.png?versionId=7", ev.UserRequest.URL)
	assert.Equal(t, "bytes=0-99", ev.UserRequest.Headers["Range"])
	assert.Equal(t, strings.TrimPrefix(s.URL(), "http://"), ev.UserRequest.Headers["Host"])
	assert.NotContains(t, ev.UserRequest.Headers, "Authorization")
	assert.NotContains(t, ev.UserRequest.Headers, "X-Oss-Security-Token")
	assert.NotContains(t, string(inv.Event), "caller-token")
	noSecrets(t, string(inv.Event))
}

func TestEachGetObjectGetsItsOwnToken(t *testing.T) {
	tokens := make(chan string, 2)
	s := start(t, Config{Function: InvokerFunc(func(ctx context.Context, inv *Invocation) error {
		ev := parseEvent(t, inv)
		tokens <- ev.GetObjectContext.OutputToken
		return send(ctx, inv, ev, reply{}).err
	})})
	for range 2 {
		_, _, err := get(t, s, "k", nil)
		require.NoError(t, err)
	}
	assert.NotEqual(t, receive(t, tokens), receive(t, tokens))
}

// readOnlyFS hides every method of its files but Read, Stat and Close.
type readOnlyFS struct{ fs.FS }

func (r readOnlyFS) Open(name string) (fs.File, error) {
	f, err := r.FS.Open(name)
	if err != nil {
		return nil, err
	}
	return readOnlyFile{f}, nil
}

type readOnlyFile struct{ f fs.File }

func (r readOnlyFile) Read(p []byte) (int, error) { return r.f.Read(p) }
func (r readOnlyFile) Stat() (fs.FileInfo, error) { return r.f.Stat() }
func (r readOnlyFile) Close() error               { return r.f.Close() }

// The origin answers with ETag and Last-Modified, as OSS's GetObject does,
// and honours If-None-Match against its ETag.
func TestInputURLSendsETagAndLastModified(t *testing.T) {
	mem := fstest.MapFS{"k": {Data: []byte("hello"), ModTime: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}}
	const etag = `"5D41402ABC4B2A76B9719D911017C592"` // MD5 of "hello"
	for _, tt := range []struct {
		name       string
		objects    fs.FS
		header     http.Header
		wantStatus int
	}{
		{"plain", mem, nil, http.StatusOK},
		{"an object that cannot seek", readOnlyFS{mem}, nil, http.StatusOK},
		{"If-None-Match of its ETag", mem, http.Header{"If-None-Match": {etag}}, http.StatusNotModified},
		{"If-None-Match of another", mem, http.Header{"If-None-Match": {`"0"`}}, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan fetched, 1)
			s := start(t, Config{Objects: tt.objects, Function: fetching(t, tt.header, got, nil)})
			resp, body, err := get(t, s, "k", nil)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode, "GetObject: %s", body)
			f := receive(t, got)
			assert.Equal(t, tt.wantStatus, f.status)
			assert.Equal(t, etag, f.header.Get("ETag"))
			if f.status == http.StatusOK {
				assert.Equal(t, "Tue, 01 Dec 2026 12:00:00 GMT", f.header.Get("Last-Modified"))
			}
		})
	}
}
