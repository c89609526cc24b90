package fcrt_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/wgor-dev/wgor/wgor/fcrt"
)

// TestNoSecretReachesTheLogOrTheAnswer runs invocations that succeed and
// fail in every way the runtime reports, and looks for the secret, the
// security token and the output token, in every form, in what the runtime
// logged and answered.
func TestNoSecretReachesTheLogOrTheAnswer(t *testing.T) {
	oss := newFakeOSS(t, 1)
	const outputToken = "OSSV1#output-token-never-print"
	var logs bytes.Buffer
	o := &fcrt.Options{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	handlers := map[string]fcrt.Handler{
		"ok": fcrt.HandlerFunc(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
			_, err := io.WriteString(w, "ok")
			return err
		}),
		"error": fcrt.HandlerFunc(func(context.Context, fcrt.ResponseWriter, *fcrt.Invocation) error {
			return errors.New("failed")
		}),
		"panic mid-body": fcrt.HandlerFunc(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
			io.WriteString(w, "part")
			panic("mid-body")
		}),
		"original unreachable": fcrt.HandlerFunc(fcrt.Forward),
	}
	var answers strings.Builder
	for name, h := range handlers {
		for _, hdr := range []http.Header{fcHeaders(0), fcHeaders(5)} { // keys(5) is refused by OSS
			ev := event(oss.URL, outputToken, "http://127.0.0.1:1/k?x-oss-signature="+keys(0).AccessKeySecret)
			req := httptest.NewRequest(http.MethodPost, "/invoke", bytes.NewReader(ev))
			req.Header = hdr.Clone()
			req.Header.Set("X-Fc-Function-Deadline", strconv.FormatInt(time.Now().Add(10*time.Second).UnixMilli(), 10))
			rec := httptest.NewRecorder()
			fcrt.NewCustomRuntime(h, o).ServeHTTP(rec, req)
			answers.WriteString(name + ": " + rec.Body.String())
		}
	}
	out := logs.String() + answers.String()
	assert.Contains(t, out, "fc-req-000", "the records are there")
	for _, secret := range []string{keys(0).AccessKeySecret, keys(0).SecurityToken, keys(5).AccessKeySecret, keys(5).SecurityToken, outputToken} {
		for _, form := range []string{secret, strconv.Quote(secret), url.QueryEscape(secret), strings.TrimPrefix(secret, "OSSV1#")} {
			assert.NotContains(t, out, form)
		}
	}
}

// TestRuntimeAPIOutlivesAFailingPoll: a runtime API that answers an error
// once does not end the loop.
func TestRuntimeAPIOutlivesAFailingPoll(t *testing.T) {
	oss := newFakeOSS(t, 1)
	api := newFakeRuntimeAPI(t)
	failed := make(chan struct{})
	inner := api.Config.Handler
	api.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-failed:
			inner.ServeHTTP(w, r)
		default:
			close(failed)
			http.Error(w, "not yet", http.StatusInternalServerError)
		}
	})
	api.queue <- pendingInvocation{apiHeaders(0, time.Now().Add(10*time.Second)), event(oss.URL, "tok-0", "")}
	stop := runAgainst(t, api, fcrt.HandlerFunc(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
		_, err := io.WriteString(w, "after a failed poll")
		return err
	}))
	posts := api.awaitPosts(t, 1)
	assert.NoError(t, stop())
	assert.Equal(t, "response", posts["fc-req-000"].kind)
	got, _ := oss.get("tok-0")
	assert.Equal(t, "after a failed poll", string(got.body))
}

func TestAPanicIsLoggedWithItsStack(t *testing.T) {
	oss := newFakeOSS(t, 1)
	var logs bytes.Buffer
	o := &fcrt.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	req := httptest.NewRequest(http.MethodPost, "/invoke", bytes.NewReader(event(oss.URL, "t", "")))
	req.Header = fcHeaders(0)
	rec := httptest.NewRecorder()
	fcrt.NewCustomRuntime(fcrt.HandlerFunc(func(context.Context, fcrt.ResponseWriter, *fcrt.Invocation) error {
		panic("nil pointer in the thumbnailer")
	}), o).ServeHTTP(rec, req)
	assert.Equal(t, "404", rec.Header().Get("X-Fc-Status"))
	assert.Contains(t, logs.String(), "nil pointer in the thumbnailer")
	assert.Contains(t, logs.String(), `"stack":"goroutine`)
	assert.Contains(t, logs.String(), "TestAPanicIsLoggedWithItsStack")
}
