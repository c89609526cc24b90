package fcrt_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor/fcrt"
)

var quiet = &fcrt.Options{Logger: slog.New(slog.DiscardHandler)}

// payload is the body invocation i answers with: distinct for each, and
// large enough to take many writes.
func payload(i int) []byte {
	return bytes.Repeat([]byte(fmt.Sprintf("invocation %03d|", i)), 4096+i)
}

// echoToken answers with payload(i) for token "tok-<i>", in 4 KiB writes,
// declaring the length for even i and streaming chunked for odd i. Every
// invocation waits at a barrier until n are running, so they overlap.
func echoToken(n int) fcrt.Handler {
	var barrier sync.WaitGroup
	barrier.Add(n)
	return fcrt.HandlerFunc(func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
		barrier.Done()
		all := make(chan struct{})
		go func() { barrier.Wait(); close(all) }()
		select {
		case <-all:
		case <-ctx.Done():
			return ctx.Err()
		}
		i, err := strconv.Atoi(inv.Event.GetObjectContext.OutputToken[len("tok-"):])
		if err != nil {
			return err
		}
		body := payload(i)
		if i%2 == 0 {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		for len(body) > 0 {
			m := min(len(body), 4096)
			if _, err := w.Write(body[:m]); err != nil {
				return err
			}
			body = body[m:]
		}
		return nil
	})
}

// checkDelivered asserts that the fake OSS got invocation i byte-exact,
// signed with invocation i's own key.
func checkDelivered(t *testing.T, oss *fakeOSS, n int) {
	t.Helper()
	for i := range n {
		got, ok := oss.get(fmt.Sprintf("tok-%d", i))
		if !assert.True(t, ok, "invocation %d not delivered", i) {
			continue
		}
		assert.NoError(t, got.err)
		assert.Equal(t, keys(i).AccessKeyID, got.keyID, "invocation %d signed with another's key", i)
		assert.Equal(t, "200", got.status)
		assert.True(t, bytes.Equal(payload(i), got.body), "invocation %d: body not byte-exact (%d bytes)", i, len(got.body))
	}
	assert.Equal(t, n, oss.count(), "exactly one WriteGetObjectResponse per invocation")
}

func TestCustomRuntimeServesConcurrentInvocationsEachWithItsCredentials(t *testing.T) {
	const n = 64
	oss := newFakeOSS(t, n)
	fn := httptest.NewServer(fcrt.NewCustomRuntime(echoToken(n), quiet))
	defer fn.Close()

	var wg sync.WaitGroup
	answers := make([]*http.Response, n)
	errs := make([]error, n)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, fn.URL+"/invoke",
				bytes.NewReader(event(oss.URL, fmt.Sprintf("tok-%d", i), "")))
			req.Header = fcHeaders(i)
			answers[i], errs[i] = fn.Client().Do(req)
			if errs[i] == nil {
				io.Copy(io.Discard, answers[i].Body)
				answers[i].Body.Close()
			}
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, 200, answers[i].StatusCode)
		assert.Equal(t, "200", answers[i].Header.Get("X-Fc-Status"))
	}
	checkDelivered(t, oss, n)
}

func TestCustomRuntimeReportsFailuresWithXFCStatus(t *testing.T) {
	oss := newFakeOSS(t, 1)
	ok := fcrt.HandlerFunc(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
		_, err := io.WriteString(w, "fine")
		return err
	})
	failing := fcrt.HandlerFunc(func(context.Context, fcrt.ResponseWriter, *fcrt.Invocation) error {
		return fmt.Errorf("the thumbnailer failed")
	})
	noCreds := fcHeaders(0)
	noCreds.Del("X-Fc-Access-Key-Secret")
	wrongKey := fcHeaders(7) // not a key the fake OSS knows
	noRegion := fcHeaders(0)
	noRegion.Del("X-Fc-Region")
	badDeadline := fcHeaders(0)
	badDeadline.Set("X-Fc-Function-Deadline", "soon")
	cases := []struct {
		name   string
		h      fcrt.Handler
		event  []byte
		header http.Header
		want   string
	}{
		{"no credentials", ok, event(oss.URL, "t1", ""), noCreds, "x-fc-access-key-secret"},
		{"not an event", ok, []byte("{"), fcHeaders(0), "invalid event"},
		{"not an Object FC event", ok, []byte(`{"records":[]}`), fcHeaders(0), "no getObjectContext"},
		{"handler error", failing, event(oss.URL, "t2", ""), fcHeaders(0), "the thumbnailer failed"},
		{"refused by OSS", ok, event(oss.URL, "t3", ""), wrongKey, "SignatureDoesNotMatch"},
		{"no region anywhere", ok, event(oss.URL, "t4", ""), noRegion, "region"},
		{"bad deadline", ok, event(oss.URL, "t5", ""), badDeadline, "x-fc-function-deadline"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/invoke", bytes.NewReader(tc.event))
			req.Header = tc.header
			rec := httptest.NewRecorder()
			fcrt.NewCustomRuntime(tc.h, quiet).ServeHTTP(rec, req)
			assert.Equal(t, http.StatusNotFound, rec.Code)
			assert.Equal(t, "404", rec.Header().Get("X-Fc-Status"))
			assert.Contains(t, rec.Body.String(), tc.want)
			for i := range 8 {
				assert.NotContains(t, rec.Body.String(), keys(i).AccessKeySecret)
				assert.NotContains(t, rec.Body.String(), keys(i).SecurityToken)
			}
		})
	}
}

func TestCustomRuntimeEndpoints(t *testing.T) {
	rt := fcrt.NewCustomRuntime(fcrt.HandlerFunc(func(context.Context, fcrt.ResponseWriter, *fcrt.Invocation) error { return nil }), quiet)
	cases := []struct {
		method, path string
		status       int
	}{
		{http.MethodPost, "/initialize", 200},
		{http.MethodGet, "/invoke", 405},
		{http.MethodGet, "/", 404},
		{http.MethodPost, "/other", 404},
	}
	for _, tc := range cases {
		rec := httptest.NewRecorder()
		rt.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		assert.Equal(t, tc.status, rec.Code, "%s %s", tc.method, tc.path)
	}
}

func TestCustomRuntimeTakesTheAnnouncedDeadline(t *testing.T) {
	oss := newFakeOSS(t, 1)
	want := time.Now().Add(42 * time.Second).Truncate(time.Millisecond)
	var got time.Time
	rt := fcrt.NewCustomRuntime(fcrt.HandlerFunc(func(ctx context.Context, _ fcrt.ResponseWriter, _ *fcrt.Invocation) error {
		got, _ = ctx.Deadline()
		return nil
	}), quiet)
	req := httptest.NewRequest(http.MethodPost, "/invoke", bytes.NewReader(event(oss.URL, "t", "")))
	req.Header = fcHeaders(0)
	req.Header.Set("X-Fc-Function-Deadline", strconv.FormatInt(want.UnixMilli(), 10))
	rec := httptest.NewRecorder()
	rt.ServeHTTP(rec, req)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	assert.True(t, want.Equal(got), "deadline %v, want %v", got, want)
}
