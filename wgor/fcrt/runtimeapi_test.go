package fcrt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor/fcrt"
)

// fakeRuntimeAPI is Function Compute's Go runtime API as fc-runtime-go-sdk
// v0.3.1 speaks it: GET …/next long-polls, POST …/<id>/response or
// …/error ends an invocation.
type fakeRuntimeAPI struct {
	*httptest.Server
	queue chan pendingInvocation
	posts chan post
}

type pendingInvocation struct {
	header http.Header
	event  []byte
}

type post struct {
	id, kind string
	body     []byte
}

const apiPrefix = "/2020-11-11/runtime/invocation/"

func newFakeRuntimeAPI(t *testing.T) *fakeRuntimeAPI {
	f := &fakeRuntimeAPI{queue: make(chan pendingInvocation, 128), posts: make(chan post, 128)}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
		switch {
		case ok && rest == "next" && r.Method == http.MethodGet:
			select {
			case inv := <-f.queue:
				for k, v := range inv.header {
					w.Header()[k] = v
				}
				w.Write(inv.event)
			case <-r.Context().Done():
			}
		case ok && r.Method == http.MethodPost && strings.Count(rest, "/") == 1:
			id, kind, _ := strings.Cut(rest, "/")
			body, _ := io.ReadAll(r.Body)
			f.posts <- post{id, kind, body}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

// apiHeaders are the headers of invocation i, as the runtime API sends them.
func apiHeaders(i int, deadline time.Time) http.Header {
	h := fcHeaders(i)
	h.Set("X-Fc-Function-Deadline", strconv.FormatInt(deadline.UnixMilli(), 10))
	h.Set("X-Fc-Function-Timeout", "30")
	h.Set("X-Fc-Function-Name", "thumbnails")
	h.Set("X-Fc-Account-Id", "1234567890")
	return h
}

// run runs fcrt.Run against the fake runtime API until stop is called,
// which waits for Run to return.
func runAgainst(t *testing.T, api *fakeRuntimeAPI, h fcrt.Handler) (stop func() error) {
	t.Setenv("FC_RUNTIME_API", strings.TrimPrefix(api.URL, "http://"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fcrt.Run(ctx, h, quiet) }()
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			return fmt.Errorf("Run did not return after its context ended")
		}
	}
}

func (f *fakeRuntimeAPI) awaitPosts(t *testing.T, n int) map[string]post {
	t.Helper()
	got := make(map[string]post)
	timeout := time.After(30 * time.Second)
	for len(got) < n {
		select {
		case p := <-f.posts:
			_, dup := got[p.id]
			assert.False(t, dup, "invocation %s answered twice", p.id)
			got[p.id] = p
		case <-timeout:
			t.Fatalf("%d of %d invocations answered", len(got), n)
		}
	}
	return got
}

func TestRuntimeAPIServesConcurrentInvocationsEachWithItsCredentials(t *testing.T) {
	const n = 64
	oss := newFakeOSS(t, n)
	api := newFakeRuntimeAPI(t)
	deadline := time.Now().Add(30 * time.Second)
	for i := range n {
		api.queue <- pendingInvocation{apiHeaders(i, deadline), event(oss.URL, fmt.Sprintf("tok-%d", i), "")}
	}
	stop := runAgainst(t, api, echoToken(n))
	posts := api.awaitPosts(t, n)
	require.NoError(t, stop())
	for i := range n {
		p := posts[fmt.Sprintf("fc-req-%03d", i)]
		assert.Equal(t, "response", p.kind, "invocation %d: %s", i, p.body)
		assert.Equal(t, "null", string(p.body))
	}
	checkDelivered(t, oss, n)
}

func TestRuntimeAPIReportsFailuresAsTheSDKDoes(t *testing.T) {
	oss := newFakeOSS(t, 1)
	api := newFakeRuntimeAPI(t)
	deadline := time.Now().Add(30 * time.Second)
	h := fcrt.HandlerFunc(func(_ context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
		switch inv.Event.GetObjectContext.OutputToken {
		case "panics":
			panic("boom")
		case "fails":
			return fmt.Errorf("no thumbnail")
		}
		return nil
	})
	noDeadline := apiHeaders(0, deadline)
	noDeadline.Del("X-Fc-Function-Deadline")
	noDeadline.Set("X-Fc-Request-Id", "no-deadline")
	panics := apiHeaders(0, deadline)
	panics.Set("X-Fc-Request-Id", "panics")
	fails := apiHeaders(0, deadline)
	fails.Set("X-Fc-Request-Id", "fails")
	lifecycle := apiHeaders(0, deadline)
	lifecycle.Set("X-Fc-Request-Id", "initializer")
	lifecycle.Set("X-Fc-Function-Type", "1")
	for _, inv := range []pendingInvocation{
		{noDeadline, event(oss.URL, "no-deadline", "")},
		{panics, event(oss.URL, "panics", "")},
		{fails, event(oss.URL, "fails", "")},
		{lifecycle, nil},
	} {
		api.queue <- inv
	}
	stop := runAgainst(t, api, h)
	posts := api.awaitPosts(t, 4)
	require.NoError(t, stop())

	type errorMsg struct {
		Message    string `json:"errorMessage"`
		Type       string `json:"errorType"`
		StackTrace []struct {
			Path  string `json:"path"`
			Line  int    `json:"line"`
			Label string `json:"label"`
		} `json:"stackTrace"`
	}
	for id, want := range map[string]errorMsg{
		"no-deadline": {Message: "x-fc-function-deadline", Type: "errorString"},
		"panics":      {Message: "panicked: boom", Type: "PanicError"},
		"fails":       {Message: "no thumbnail", Type: "wrapError"},
	} {
		p := posts[id]
		assert.Equal(t, "error", p.kind, id)
		var got errorMsg
		require.NoError(t, json.Unmarshal(p.body, &got), id)
		assert.Contains(t, got.Message, want.Message, id)
		assert.NotEmpty(t, got.Type, id)
		if id == "panics" {
			require.NotEmpty(t, got.StackTrace)
			assert.Contains(t, got.StackTrace[0].Label, "TestRuntimeAPIReportsFailuresAsTheSDKDoes", "the first frame is the panic's")
			assert.Positive(t, got.StackTrace[0].Line)
		}
	}
	assert.Equal(t, "response", posts["initializer"].kind)

	_, sent := oss.get("no-deadline")
	assert.False(t, sent, "an invocation refused for its headers sends nothing")
	for _, tok := range []string{"panics", "fails"} {
		got, ok := oss.get(tok)
		require.True(t, ok, "%s: the caller must get an answer", tok)
		assert.Equal(t, "500", got.status)
		assert.Contains(t, string(got.body), "<Code>InternalError</Code>")
	}
}

func TestRuntimeAPIDeadlineIsTheContextsDeadline(t *testing.T) {
	oss := newFakeOSS(t, 1)
	api := newFakeRuntimeAPI(t)
	want := time.Now().Add(17 * time.Second).Truncate(time.Millisecond)
	got := make(chan *fcrt.Invocation, 1)
	var ctxDeadline time.Time
	h := fcrt.HandlerFunc(func(ctx context.Context, _ fcrt.ResponseWriter, inv *fcrt.Invocation) error {
		ctxDeadline, _ = ctx.Deadline()
		got <- inv
		return nil
	})
	api.queue <- pendingInvocation{apiHeaders(0, want), event(oss.URL, "t", "")}
	stop := runAgainst(t, api, h)
	api.awaitPosts(t, 1)
	require.NoError(t, stop())
	inv := <-got
	assert.True(t, want.Equal(ctxDeadline), "context deadline %v, want %v", ctxDeadline, want)
	assert.True(t, want.Equal(inv.Deadline))
	assert.Equal(t, "thumbnails", inv.FunctionName)
	assert.Equal(t, "1234567890", inv.AccountID)
	assert.Equal(t, region, inv.Region)
}

func TestRuntimeAPILeavesNoGoroutineAfterShutdown(t *testing.T) {
	oss := newFakeOSS(t, 8)
	api := newFakeRuntimeAPI(t)
	before := runtime.NumGoroutine()
	deadline := time.Now().Add(30 * time.Second)
	for i := range 8 {
		api.queue <- pendingInvocation{apiHeaders(i, deadline), event(oss.URL, fmt.Sprintf("tok-%d", i), "")}
	}
	stop := runAgainst(t, api, echoToken(8))
	api.awaitPosts(t, 8)
	require.NoError(t, stop())
	checkDelivered(t, oss, 8)
	noGoroutineLeft(t, before)
}

// noGoroutineLeft waits briefly for the goroutines to fall back to before:
// the other ends of closed connections take a moment to notice.
func noGoroutineLeft(t *testing.T, before int) {
	t.Helper()
	for range 200 {
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, bytes.TrimSpace(buf[:n]))
}
