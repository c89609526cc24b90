package accesspoint

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/sign"
)

var testCreds = sign.Credentials{
	AccessKeyID:     "STS.NTestAccessKeyId",
	AccessKeySecret: "test-access-key-secret-value",
	SecurityToken:   "CAIS-test-security-token-value",
}

const testRegion = "cn-qingdao"

// start runs a server on a free loopback port for the test.
func start(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.Credentials.AccessKeyID == "" {
		cfg.Credentials = testCreds
	}
	if cfg.Region == "" {
		cfg.Region = testRegion
	}
	s, err := New(cfg)
	require.NoError(t, err)
	before := countResources()
	require.NoError(t, s.Start(""))
	t.Cleanup(func() {
		_ = s.Close()
		assertNoLeak(t, before)
	})
	return s
}

// resources are the goroutines and open file descriptors of the process.
type resources struct{ goroutines, fds int }

func countResources() resources {
	fds := -1 // where /proc/self/fd does not exist, fds are not counted
	if entries, err := os.ReadDir("/proc/self/fd"); err == nil {
		fds = len(entries)
	}
	return resources{len(goroutineStacks()), fds}
}

// goroutineStacks are the stacks of the user goroutines (runtime.Stack
// leaves out the runtime's own, which runtime.NumGoroutine counts and which
// come and go on their own).
func goroutineStacks() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(string(buf[:n]), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// assertNoLeak checks that, once a server is closed and the idle client
// connections are, the process is back to the goroutines and file
// descriptors it had before: nothing the server started outlives Close.
func assertNoLeak(t testing.TB, before resources) {
	t.Helper()
	var now resources
	ok := false
	// A loop of its own: assert.Eventually would count its own goroutine.
	for deadline := time.Now().Add(5 * time.Second); !ok && time.Now().Before(deadline); {
		http.DefaultClient.CloseIdleConnections()
		invokeClient.CloseIdleConnections()
		now = countResources()
		ok = now.goroutines <= before.goroutines && now.fds <= before.fds
		if !ok {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if !ok {
		t.Errorf("leak after Close: goroutines %d -> %d, fds %d -> %d", before.goroutines, now.goroutines, before.fds, now.fds)
		t.Logf("goroutines:\n%s", strings.Join(goroutineStacks(), "\n\n"))
	}
}

// parseEvent reads the getObjectContext and userRequest of an invocation.
func parseEvent(t testing.TB, inv *Invocation) event {
	t.Helper()
	var ev event
	require.NoError(t, json.Unmarshal(inv.Event, &ev))
	return ev
}

// reply is a WriteGetObjectResponse to send, as a function would.
type reply struct {
	status  string            // x-oss-fwd-status; "" means 200
	headers map[string]string // sent as x-oss-fwd-header-<name>
	body    io.Reader         // nil: empty
	chunked bool              // hide the length so the body is sent chunked

	creds  *sign.Credentials   // nil: the invocation's
	region string              // "": the invocation's
	at     time.Time           // the signing time; zero: now
	before func(*http.Request) // changes the request before signing
	after  func(*http.Request) // changes the request after signing
	noSign bool
}

// answer is what a WriteGetObjectResponse was answered.
type answer struct {
	status int
	header http.Header
	body   string
	err    error
}

// onlyReader hides every method but Read, so net/http cannot tell a length.
type onlyReader struct{ io.Reader }

// build makes the WriteGetObjectResponse rp for the event of inv, signed as
// the official clients sign.
func build(ctx context.Context, inv *Invocation, ev event, rp reply) (*http.Request, error) {
	route := ev.GetObjectContext.OutputRoute
	var body io.Reader = rp.body
	if body != nil && rp.chunked {
		body = onlyReader{body}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, route+"/?x-oss-write-get-object-response", body)
	if err != nil {
		return nil, err
	}
	status := rp.status
	if status == "" {
		status = "200"
	}
	req.Header.Set("x-oss-request-route", route)
	req.Header.Set("x-oss-request-token", ev.GetObjectContext.OutputToken)
	req.Header.Set("x-oss-fwd-status", status)
	for name, v := range rp.headers {
		req.Header.Set("x-oss-fwd-header-"+name, v)
	}
	if rp.before != nil {
		rp.before(req)
	}
	if !rp.noSign {
		creds, region := inv.Credentials, inv.Region
		if rp.creds != nil {
			creds = *rp.creds
		}
		if rp.region != "" {
			region = rp.region
		}
		if err := sign.Sign(req, &sign.Options{Credentials: creds, Region: region, Time: rp.at}); err != nil {
			return nil, err
		}
	}
	if rp.after != nil {
		rp.after(req)
	}
	return req, nil
}

// send posts rp for the event of inv and reads the answer.
func send(ctx context.Context, inv *Invocation, ev event, rp reply) answer {
	req, err := build(ctx, inv, ev, rp)
	if err != nil {
		return answer{err: err}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b), err: err}
}

// replying is a function that sends rp and reports the answer on answers.
func replying(t testing.TB, rp reply, answers chan<- answer) InvokerFunc {
	return func(ctx context.Context, inv *Invocation) error {
		a := send(ctx, inv, parseEvent(t, inv), rp)
		if answers != nil {
			answers <- a
		}
		return a.err
	}
}

// get makes a GetObject through the server and reads the whole response.
func get(t testing.TB, s *Server, key string, header http.Header) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL()+"/"+key, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// parseXMLError reads OSS's XML error body as a client does.
func parseXMLError(t testing.TB, body string) oss.ErrorDoc {
	t.Helper()
	e, ok := oss.ParseErrorDoc(strings.NewReader(body), 1<<20)
	require.True(t, ok, "body: %s", body)
	return e
}

var requestIDPattern = regexp.MustCompile(`^[0-9A-F]{24}$`)

// receive waits for one answer, failing the test after a while.
func receive[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		require.FailNow(t, "nothing received within 10s")
		var zero T
		return zero
	}
}

// noSecrets asserts that s holds none of the function's secrets.
func noSecrets(t testing.TB, s string, extra ...string) {
	t.Helper()
	for _, secret := range append([]string{testCreds.AccessKeySecret, testCreds.SecurityToken}, extra...) {
		if secret != "" && strings.Contains(s, secret) {
			t.Errorf("a secret leaked into: %s", s)
		}
	}
}
