package accesspoint

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/sign"
)

// customRuntime is an httptest server acting as a Function Compute custom
// runtime: it records each /invoke request and runs handle on it.
type customRuntime struct {
	*httptest.Server
	calls chan *http.Request
}

func newCustomRuntime(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, ev []byte)) *customRuntime {
	rt := &customRuntime{calls: make(chan *http.Request, 16)}
	rt.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		rt.calls <- r
		handle(w, r, ev)
	}))
	t.Cleanup(rt.Close)
	return rt
}

// invocationFromHeaders rebuilds what a custom runtime learns of its
// invocation, as a runtime would.
func invocationFromHeaders(r *http.Request, ev []byte) *Invocation {
	return &Invocation{
		RequestID: r.Header.Get("x-fc-request-id"),
		Event:     ev,
		Credentials: sign.Credentials{
			AccessKeyID:     r.Header.Get("x-fc-access-key-id"),
			AccessKeySecret: r.Header.Get("x-fc-access-key-secret"),
			SecurityToken:   r.Header.Get("x-fc-security-token"),
		},
		Region: r.Header.Get("x-fc-region"),
	}
}

func TestHTTPInvokerCallsTheCustomRuntimeAsFunctionComputeDoes(t *testing.T) {
	answers := make(chan answer, 1)
	rt := newCustomRuntime(t, func(w http.ResponseWriter, r *http.Request, ev []byte) {
		inv := invocationFromHeaders(r, ev)
		var e event
		if err := json.Unmarshal(ev, &e); err != nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		a := send(r.Context(), inv, e, reply{headers: map[string]string{"Content-Type": "image/png"}, body: strings.NewReader("red")})
		answers <- a
		w.Header().Set("x-fc-status", "200")
		w.WriteHeader(http.StatusOK)
	})
	s := start(t, Config{Function: HTTPInvoker{URL: rt.URL + "/"}})

	resp, body, err := get(t, s, "photo.png", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "red", string(body))
	assert.Equal(t, "image/png", resp.Header.Get("Content-Type"))

	call := receive(t, rt.calls)
	assert.Equal(t, http.MethodPost, call.Method)
	assert.Equal(t, "/invoke", call.URL.Path)
	assert.Equal(t, "application/octet-stream", call.Header.Get("Content-Type"))
	assert.Equal(t, "/invoke", call.Header.Get("x-fc-control-path"))
	assert.Equal(t, resp.Header.Get("x-oss-request-id"), call.Header.Get("x-fc-request-id"))
	assert.Equal(t, testCreds.AccessKeyID, call.Header.Get("x-fc-access-key-id"))
	assert.Equal(t, testCreds.AccessKeySecret, call.Header.Get("x-fc-access-key-secret"))
	assert.Equal(t, testCreds.SecurityToken, call.Header.Get("x-fc-security-token"))
	assert.Equal(t, testRegion, call.Header.Get("x-fc-region"))

	a := receive(t, answers)
	require.NoError(t, a.err)
	assert.Equal(t, http.StatusOK, a.status)
}

func TestHTTPInvokerFailures(t *testing.T) {
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter)
	}{
		{"runtime answers 404", func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) }},
		{"runtime answers 500", func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) }},
		{"runtime reports x-fc-status 404", func(w http.ResponseWriter) {
			w.Header().Set("x-fc-status", "404")
			w.WriteHeader(http.StatusOK)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newCustomRuntime(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) { tt.answer(w) })
			s := start(t, Config{Function: HTTPInvoker{URL: rt.URL}})

			resp, body, err := get(t, s, "k", nil)
			require.NoError(t, err)
			assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
			assert.Equal(t, CodeFunctionInvocationFailed, parseXMLError(t, string(body)).Code)
		})
	}

	t.Run("runtime unreachable", func(t *testing.T) {
		rt := newCustomRuntime(t, func(http.ResponseWriter, *http.Request, []byte) {})
		url := rt.URL
		rt.Close()
		s := start(t, Config{Function: HTTPInvoker{URL: url}})

		resp, body, err := get(t, s, "k", nil)
		require.NoError(t, err)
		assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
		assert.Equal(t, CodeFunctionInvocationFailed, parseXMLError(t, string(body)).Code)
	})
}

func TestHTTPInvokerErrorsNameNoSecret(t *testing.T) {
	rt := newCustomRuntime(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.WriteHeader(http.StatusNotFound)
	})
	inv := &Invocation{RequestID: "R", Event: []byte("{}"), Credentials: testCreds, Region: testRegion}

	err := HTTPInvoker{URL: rt.URL}.Invoke(context.Background(), inv)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "404")
	noSecrets(t, err.Error())

	err = HTTPInvoker{}.Invoke(context.Background(), inv)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no URL")
}
