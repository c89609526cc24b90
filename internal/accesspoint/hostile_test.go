package accesspoint

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRefusesAnUnusableObjectsDir(t *testing.T) {
	fn := InvokerFunc(func(context.Context, *Invocation) error { return nil })
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	for name, cfg := range map[string]Config{
		"missing":  {Function: fn, ObjectsDir: filepath.Join(t.TempDir(), "missing")},
		"a file":   {Function: fn, ObjectsDir: file},
		"and a FS": {Function: fn, ObjectsDir: t.TempDir(), Objects: fs.FS(os.DirFS("."))},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New(cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "ObjectsDir")
		})
	}
}

func TestHTTPInvokerNeverFollowsARedirect(t *testing.T) {
	var elsewhere atomic.Int32
	thief := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
	}))
	t.Cleanup(thief.Close)
	following := &http.Client{} // its default CheckRedirect would follow
	for _, status := range []int{301, 302, 303, 307, 308} {
		for name, client := range map[string]*http.Client{"default client": nil, "client that follows": following} {
			t.Run(http.StatusText(status)+" with "+name, func(t *testing.T) {
				rt := newCustomRuntime(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
					http.Redirect(w, r, thief.URL+"/invoke", status)
				})
				s := start(t, Config{Function: HTTPInvoker{URL: rt.URL, Client: client}})

				resp, body, err := get(t, s, "k", nil)
				require.NoError(t, err)
				assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
				assert.Equal(t, CodeFunctionInvocationFailed, parseXMLError(t, string(body)).Code)
				assert.Zero(t, elsewhere.Load(), "the invocation, with its credentials, went to another server")
				following.CloseIdleConnections()
			})
		}
	}
}

func TestHTTPInvokerReportsARedirectAsSuch(t *testing.T) {
	rt := newCustomRuntime(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		http.Redirect(w, r, "http://127.0.0.1:1/invoke", http.StatusTemporaryRedirect)
	})
	inv := &Invocation{RequestID: "R", Event: []byte("{}"), Credentials: testCreds, Region: testRegion}
	err := HTTPInvoker{URL: rt.URL}.Invoke(context.Background(), inv)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not follow redirects")
	noSecrets(t, err.Error())
	invokeClient.CloseIdleConnections()
}

// A runtime's answer is scrubbed before it is cut short for the error: cut
// first, the head of a secret that straddles the cut would be left.
func TestHTTPInvokerScrubsARuntimesAnswerBeforeCuttingIt(t *testing.T) {
	for _, status := range []string{"", "500"} {
		rt := newCustomRuntime(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
			code := http.StatusInternalServerError
			if status == "" {
				w.Header().Set("X-Fc-Status", r.Header.Get("X-Fc-Access-Key-Secret"))
				code = http.StatusOK
			}
			w.WriteHeader(code)
			io.WriteString(w, strings.Repeat("x", 240)+r.Header.Get("X-Fc-Access-Key-Secret"))
		})
		inv := &Invocation{RequestID: "R", Event: []byte("{}"), Credentials: testCreds, Region: testRegion}
		err := HTTPInvoker{URL: rt.URL}.Invoke(context.Background(), inv)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), testCreds.AccessKeySecret[:8], "not even the secret's head")
		invokeClient.CloseIdleConnections()
	}
}

// startWithTimeouts runs a server whose connection timeouts are short.
func startWithTimeouts(t *testing.T, header, idle time.Duration) *Server {
	t.Helper()
	s, err := New(Config{Credentials: testCreds, Function: replying(t, reply{}, nil)})
	require.NoError(t, err)
	s.readHeaderTimeout, s.idleTimeout = header, idle
	before := countResources()
	require.NoError(t, s.Start(""))
	t.Cleanup(func() {
		_ = s.Close()
		assertNoLeak(t, before)
	})
	return s
}

// closedWithin reports whether the server closes c within d.
func closedWithin(t *testing.T, c net.Conn, d time.Duration) bool {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(d)))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return err == nil || !(errors.As(err, &ne) && ne.Timeout())
}

func TestIdleKeepAliveConnectionsAreClosed(t *testing.T) {
	s := startWithTimeouts(t, time.Minute, 100*time.Millisecond)
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	require.NoError(t, err)
	defer c.Close()
	_, err = io.WriteString(c, "PUT /k HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.True(t, closedWithin(t, c, 5*time.Second), "an idle keep-alive connection stays open")
}

func TestAClientThatNeverEndsItsHeadersIsCutOff(t *testing.T) {
	s := startWithTimeouts(t, 100*time.Millisecond, time.Minute)
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	require.NoError(t, err)
	defer c.Close()
	_, err = io.WriteString(c, "GET /k HTTP/1.1\r\nHost: x\r\n")
	require.NoError(t, err)
	assert.True(t, closedWithin(t, c, 5*time.Second), "a connection without complete headers stays open")
}

func TestEndedTokenRecordsAreBoundedInCount(t *testing.T) {
	tt := tokenTable{max: 3}
	var tokens []string
	for range 10 {
		p := &pending{token: newToken(), route: "r", deadline: time.Now().Add(time.Minute), jobs: make(chan *relayJob, 1)}
		tt.add(p)
		tt.end(p, stateAbandoned)
		tokens = append(tokens, p.token)
	}
	tt.mu.Lock()
	n, queued := len(tt.m), len(tt.ended)
	tt.mu.Unlock()
	assert.Equal(t, 3, n, "records kept")
	assert.Equal(t, 3, queued)

	_, e := tt.claim(tokens[9], "r")
	require.NotNil(t, e)
	assert.Contains(t, e.doc.Message, "has ended", "the newest records are kept")
	_, e = tt.claim(tokens[0], "r")
	require.NotNil(t, e)
	assert.Equal(t, CodeAccessDenied, e.doc.Code, "a forgotten token is still refused")
}

func TestEndedTokenRecordsAreBoundedInTime(t *testing.T) {
	var tt tokenTable
	ended := &pending{token: newToken(), route: "r", deadline: time.Now().Add(time.Minute)}
	waiting := &pending{token: newToken(), route: "r", deadline: time.Now().Add(time.Hour)}
	tt.add(ended)
	tt.add(waiting)
	tt.end(ended, stateClaimed)

	tt.mu.Lock()
	tt.prune(time.Now().Add(tombstoneTTL + time.Second))
	_, endedKept := tt.m[ended.token]
	_, waitingKept := tt.m[waiting.token]
	tt.mu.Unlock()
	assert.False(t, endedKept, "an old record of a used token is forgotten")
	assert.True(t, waitingKept, "a pending token is never pruned")
}

func TestMountedHandlerIgnoresTheCallersHost(t *testing.T) {
	routes := make(chan getObjectContext, 1)
	s, err := New(Config{Credentials: testCreds, Region: testRegion, Function: InvokerFunc(func(ctx context.Context, inv *Invocation) error {
		ev := parseEvent(t, inv)
		routes <- ev.GetObjectContext
		return send(ctx, inv, ev, reply{body: strings.NewReader("ok")}).err
	})})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hs := &http.Server{Handler: s}
	go func() { _ = hs.Serve(l) }()
	t.Cleanup(func() { _ = hs.Close() })

	req, err := http.NewRequest(http.MethodGet, "http://"+l.Addr().String()+"/k", nil)
	require.NoError(t, err)
	req.Host = "attacker.example:80"
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "ok", string(body))

	got := receive(t, routes)
	want := "http://" + l.Addr().String()
	assert.Equal(t, want, got.OutputRoute)
	assert.True(t, strings.HasPrefix(got.InputOSSURL, want+"/k?"), "inputOssUrl %s", got.InputOSSURL)
}

func TestServeHTTPOutsideAServerNeedsAnAdvertisedURL(t *testing.T) {
	s, err := New(Config{Function: InvokerFunc(func(context.Context, *Invocation) error {
		t.Error("the function was invoked without a URL to answer to")
		return nil
	})})
	require.NoError(t, err)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://attacker.example/k", nil))
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Contains(t, parseXMLError(t, w.Body.String()).Message, "AdvertisedURL")
}
