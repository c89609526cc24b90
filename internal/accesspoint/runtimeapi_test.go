package accesspoint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/sign"
)

var rtCreds = sign.Credentials{
	AccessKeyID:     "STS.rtapiKeyID",
	AccessKeySecret: "RTAPI-SECRET-never-print-3a9f",
	SecurityToken:   "RTAPI-TOKEN-never-print-77c1",
}

// rtStart starts a runtime API that the test closes.
func rtStart(t *testing.T) *runtimeAPI {
	t.Helper()
	a, err := startRuntimeAPI(nil)
	require.NoError(t, err)
	t.Cleanup(func() { a.close() })
	return a
}

// rtClient is a fake function polling the runtime API, as the SDK does.
type rtClient struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func newRTClient(t *testing.T, a *runtimeAPI) *rtClient {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &rtClient{t: t, base: "http://" + a.addr + "/2020-11-11/runtime/invocation/", hc: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// next polls once and returns the answer and its body.
func (c *rtClient) next() (*http.Response, string) {
	c.t.Helper()
	resp, err := c.hc.Get(c.base + "next")
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp, string(b)
}

// report posts to <id>/<what> and returns the status.
func (c *rtClient) report(id, what, body string) int {
	c.t.Helper()
	resp, err := c.hc.Post(c.base+id+"/"+what, "application/json", strings.NewReader(body))
	require.NoError(c.t, err)
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// rtInvokeAsync runs a.Invoke in the background.
func rtInvokeAsync(ctx context.Context, a *runtimeAPI, id, event string) <-chan error {
	done := make(chan error, 1)
	go func() {
		done <- a.Invoke(ctx, &Invocation{RequestID: id, Event: []byte(event), Credentials: rtCreds, Region: "cn-qingdao"})
	}()
	return done
}

// within returns what ch yields, failing the test after 5 s.
func rtWithin[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		require.FailNow(t, "nothing arrived within 5s")
		panic("unreachable")
	}
}

// settled waits until no more goroutines run than before, or fails.
func rtSettled(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			assert.Fail(t, "goroutines left", "%d running, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRuntimeAPIHandsTheInvocationToAPollWithTheHeadersTheSDKReads(t *testing.T) {
	a := rtStart(t)
	c := newRTClient(t, a)
	deadline := time.Now().Add(30 * time.Second)
	ctx, cancel := context.WithDeadline(t.Context(), deadline)
	defer cancel()
	done := rtInvokeAsync(ctx, a, "REQ1", `{"getObjectContext":{}}`)

	resp, body := c.next()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, `{"getObjectContext":{}}`, body)
	h := resp.Header
	for name, want := range map[string]string{
		"x-fc-request-id":        "REQ1",
		"x-fc-function-timeout":  "30",
		"x-fc-access-key-id":     rtCreds.AccessKeyID,
		"x-fc-access-key-secret": rtCreds.AccessKeySecret,
		"x-fc-security-token":    rtCreds.SecurityToken,
		"x-fc-region":            "cn-qingdao",
		"x-fc-account-id":        accountID,
		"x-fc-function-name":     functionName,
	} {
		assert.Equal(t, want, h.Get(name), name)
	}
	ms, err := strconv.ParseInt(h.Get("x-fc-function-deadline"), 10, 64)
	require.NoError(t, err, "the SDK refuses an invocation without a numeric deadline")
	assert.Equal(t, deadline.UnixMilli(), ms)
	assert.Empty(t, h.Get("x-fc-function-type"), "1, 2 and 3 would run a lifecycle hook instead")
	for _, name := range []string{"x-fc-function-handler", "x-fc-function-memory"} {
		assert.NotEmpty(t, h.Get(name), name)
	}

	select {
	case err := <-done:
		t.Fatalf("Invoke returned before the function reported: %v", err)
	default:
	}
	assert.Equal(t, http.StatusOK, c.report("REQ1", "response", `"ok"`))
	assert.NoError(t, rtWithin(t, done))
}

func TestRuntimeAPISendsTheDefaultTimeoutWithoutADeadline(t *testing.T) {
	a := rtStart(t)
	c := newRTClient(t, a)
	before := time.Now()
	done := rtInvokeAsync(context.Background(), a, "REQ1", "{}")
	resp, _ := c.next()
	assert.Equal(t, strconv.Itoa(int(DefaultTimeout/time.Second)), resp.Header.Get("x-fc-function-timeout"))
	ms, err := strconv.ParseInt(resp.Header.Get("x-fc-function-deadline"), 10, 64)
	require.NoError(t, err)
	assert.WithinDuration(t, before.Add(DefaultTimeout), time.UnixMilli(ms), 5*time.Second)
	assert.Equal(t, http.StatusOK, c.report("REQ1", "response", ""))
	assert.NoError(t, rtWithin(t, done))
}

func TestRuntimeAPIFailsTheInvocationOnError(t *testing.T) {
	a := rtStart(t)
	c := newRTClient(t, a)
	done := rtInvokeAsync(t.Context(), a, "REQ1", "{}")
	c.next()
	report := fmt.Sprintf(`{"errorMessage":"sign with %s failed","errorType":"SignError","stackTrace":[{"path":"main.go","line":3,"label":"main"}]}`,
		rtCreds.AccessKeySecret)
	assert.Equal(t, http.StatusOK, c.report("REQ1", "error", report))
	err := rtWithin(t, done)
	var fe *functionError
	require.True(t, errors.As(err, &fe), "got %v", err)
	assert.Equal(t, "SignError", fe.Type)
	assert.Contains(t, err.Error(), "sign with <redacted> failed")
	assert.NotContains(t, err.Error(), rtCreds.AccessKeySecret)
}
