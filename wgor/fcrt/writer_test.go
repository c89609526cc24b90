package fcrt_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor/fcrt"
	"github.com/wgor-dev/wgor/wgor/wgortest"
)

func handler(f func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error) fcrt.Handler {
	return fcrt.HandlerFunc(f)
}

// TestFailureBeforeAnyWriteIsAnsweredAtOnce holds the runtime to answering
// the caller itself, with an OSS-style error, well before the access
// point's timeout (30 s here).
func TestFailureBeforeAnyWriteIsAnsweredAtOnce(t *testing.T) {
	cases := []struct {
		name       string
		h          fcrt.Handler
		status     int
		code       string
		invokeFail bool // the invocation is reported failed to Function Compute
	}{
		{"error", handler(func(context.Context, fcrt.ResponseWriter, *fcrt.Invocation) error {
			return errors.New("the database is down")
		}), 500, "InternalError", true},
		{"panic", handler(func(context.Context, fcrt.ResponseWriter, *fcrt.Invocation) error {
			panic("nil map")
		}), 500, "InternalError", true},
		{"error after WriteHeader", handler(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
			w.Header().Set("Content-Type", "image/png")
			w.WriteHeader(200)
			return errors.New("encoder failed")
		}), 500, "InternalError", true},
		{"status OSS refuses", handler(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
			w.WriteHeader(299)
			return nil
		}), 500, "InternalError", true},
		{"a header value that cannot be sent", handler(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
			w.Header().Set("X-Note", "two\nlines")
			_, err := io.WriteString(w, "body")
			return err
		}), 500, "InternalError", true},
		{"a header name that cannot be sent, nothing written", handler(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
			w.Header()["Bad Name"] = []string{"v"}
			return nil
		}), 500, "InternalError", true},
		{"deliberate 403", handler(func(context.Context, fcrt.ResponseWriter, *fcrt.Invocation) error {
			return fcrt.Error(403, "AccessDenied", "Not for you.")
		}), 403, "AccessDenied", false},
		{"deliberate 416", handler(func(context.Context, fcrt.ResponseWriter, *fcrt.Invocation) error {
			return fcrt.Error(416, "InvalidRange", "The requested range cannot be satisfied.")
		}), 416, "InvalidRange", false},
		{"deliberate error, wrapped", handler(func(context.Context, fcrt.ResponseWriter, *fcrt.Invocation) error {
			return errors.Join(errors.New("lookup"), fcrt.Error(404, "NoSuchKey", "No such key."))
		}), 404, "NoSuchKey", false},
		{"deliberate error with a status OSS refuses", handler(func(context.Context, fcrt.ResponseWriter, *fcrt.Invocation) error {
			return fcrt.Error(418, "Teapot", "I am a teapot.")
		}), 500, "Teapot", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ap := wgortest.Start(t, tc.h, &wgortest.Config{Timeout: 30 * time.Second})
			start := time.Now()
			resp, err := ap.GetObject(context.Background(), "k.png", nil)
			require.NoError(t, err)
			assert.Less(t, time.Since(start), time.Second)
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, "application/xml", resp.Header.Get("Content-Type"))
			assert.Contains(t, string(resp.Body), "<Code>"+tc.code+"</Code>")
			assert.Contains(t, string(resp.Body), "<RequestId>"+resp.Header.Get("X-Oss-Request-Id")+"</RequestId>")
			assert.NotContains(t, string(resp.Body), "database", "the caller never sees the function's own error")

			relays := ap.Relays()
			require.Len(t, relays, 1, "exactly one WriteGetObjectResponse reached the access point")
			assert.Equal(t, 200, relays[0].Answer)
			invs := ap.Invocations()
			require.Len(t, invs, 1)
			assert.Equal(t, tc.invokeFail, invs[0].Err != nil, "%v", invs[0].Err)
		})
	}
}

// TestFailureMidBodyCutsTheResponseShort: whatever the framing, a caller
// never receives a truncated body as complete.
func TestFailureMidBodyCutsTheResponseShort(t *testing.T) {
	const n = 1 << 20
	chunked := &wgortest.Config{AllowChunked: true, Runtime: &fcrt.Options{Chunked: true}}
	cases := []struct {
		name     string
		cfg      *wgortest.Config
		declared bool // a Content-Length of 3 MiB
		fail     string
	}{
		{"panic, chunked", chunked, false, "panic"},
		{"panic, Content-Length", nil, true, "panic"},
		{"error, chunked", chunked, false, "error"},
		{"error, Content-Length", nil, true, "error"},
		{"body shorter than its Content-Length", nil, true, "return"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ap := wgortest.Start(t, bigThenFail(n, tc.declared, tc.fail), tc.cfg)
			resp, err := ap.GetObject(context.Background(), "big.bin", nil)
			assertCutShort(t, resp, err)
			invs := ap.Invocations()
			require.Len(t, invs, 1)
			assert.Error(t, invs[0].Err, "the invocation failed")
			relays := ap.Relays()
			require.LessOrEqual(t, len(relays), 1, "at most one WriteGetObjectResponse")
			for _, r := range relays {
				assert.NotEqual(t, 200, r.Answer, "the access point took a cut-short body for whole")
			}
		})
	}
}

// TestFailureWhileSpoolingIsAnsweredAsAnError: a body of unknown length is
// spooled before it is sent, so a failure while it is written still gets
// the runtime's error answer, and the caller never sees a part of it.
func TestFailureWhileSpoolingIsAnsweredAsAnError(t *testing.T) {
	for _, fail := range []string{"panic", "error"} {
		t.Run(fail, func(t *testing.T) {
			ap := wgortest.Start(t, bigThenFail(1<<20, false, fail), nil)
			start := time.Now()
			resp, err := ap.GetObject(context.Background(), "big.bin", nil)
			require.NoError(t, err)
			assert.Less(t, time.Since(start), time.Second)
			assert.Equal(t, 500, resp.StatusCode)
			assert.Contains(t, string(resp.Body), "<Code>InternalError</Code>")
			relays := ap.Relays()
			require.Len(t, relays, 1, "exactly one WriteGetObjectResponse: the error answer")
			assert.Equal(t, 500, relays[0].Status)
			invs := ap.Invocations()
			require.Len(t, invs, 1)
			assert.Error(t, invs[0].Err)
		})
	}
}

// bigThenFail writes n bytes, declaring 3 MiB when declared, then fails
// as told: "panic", "error", or "return" (nil, the body short).
func bigThenFail(n int, declared bool, fail string) fcrt.Handler {
	return handler(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
		if declared {
			w.Header().Set("Content-Length", "3145728")
		}
		if _, err := w.Write(bytes.Repeat([]byte("x"), n)); err != nil {
			return err
		}
		switch fail {
		case "panic":
			panic("index out of range")
		case "error":
			return errors.New("the source broke")
		}
		return nil
	})
}

func TestWriterFollowsTheOrderRulesOfNetHTTP(t *testing.T) {
	cases := []struct {
		name   string
		h      fcrt.Handler
		status int
		header map[string]string
		absent []string
		body   string
	}{
		{"first Write implies 200", handler(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
			w.Header().Set("Content-Type", "text/plain")
			_, err := io.WriteString(w, "hi")
			return err
		}), 200, map[string]string{"Content-Type": "text/plain"}, nil, "hi"},
		{"headers frozen at WriteHeader", handler(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
			w.Header().Set("ETag", `"v1"`)
			w.WriteHeader(206)
			w.Header().Set("Content-Type", "too/late")
			w.WriteHeader(500) // ignored
			_, err := io.WriteString(w, "part")
			return err
		}), 206, map[string]string{"Etag": `"v1"`}, []string{"Content-Type"}, "part"},
		{"returning without writing is an empty 200", handler(func(context.Context, fcrt.ResponseWriter, *fcrt.Invocation) error {
			return nil
		}), 200, nil, nil, ""},
		{"a status without a body", handler(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
			w.Header().Set("Location", "https://example.com/elsewhere")
			w.WriteHeader(302)
			return nil
		}), 302, map[string]string{"Location": "https://example.com/elsewhere"}, nil, ""},
		{"Content-Length is sent as the length", handler(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
			w.Header().Set("Content-Length", "5")
			_, err := io.WriteString(w, "hello")
			return err
		}), 200, map[string]string{"Content-Length": "5"}, nil, "hello"},
		{"Close ends the response", handler(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
			io.WriteString(w, "done")
			if err := w.Close(); err != nil {
				return err
			}
			if _, err := io.WriteString(w, "more"); err == nil {
				return errors.New("Write after Close succeeded")
			}
			return nil
		}), 200, nil, nil, "done"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ap := wgortest.Start(t, tc.h, nil)
			resp, err := ap.GetObject(context.Background(), "k", nil)
			require.NoError(t, err)
			assert.Equal(t, tc.status, resp.StatusCode)
			for k, v := range tc.header {
				assert.Equal(t, v, resp.Header.Get(k), k)
			}
			for _, k := range tc.absent {
				assert.Empty(t, resp.Header.Get(k), k)
			}
			assert.Equal(t, tc.body, string(resp.Body))
			require.Len(t, ap.Relays(), 1)
			invs := ap.Invocations()
			require.Len(t, invs, 1)
			assert.NoError(t, invs[0].Err)
		})
	}
}

func TestWriteBeyondContentLengthFails(t *testing.T) {
	var writeErr error
	h := handler(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error {
		w.Header().Set("Content-Length", "4")
		io.WriteString(w, "abc")
		_, writeErr = io.WriteString(w, "de")
		return nil
	})
	ap := wgortest.Start(t, h, nil)
	resp, err := ap.GetObject(context.Background(), "k", nil)
	assertCutShort(t, resp, err)
	invs := ap.Invocations() // the handler has returned
	require.Len(t, invs, 1)
	assert.Error(t, invs[0].Err)
	assert.ErrorContains(t, writeErr, "more than its Content-Length 4")
}

// assertCutShort checks that a response the function could not finish
// never reached the caller as a success: either the transfer broke off,
// (before or after the status line), or, when the access point saw the
// invocation fail before it took the WriteGetObjectResponse, the caller got
// an error status.
func assertCutShort(t *testing.T, resp *wgortest.Response, err error) {
	t.Helper()
	if resp == nil {
		require.Error(t, err, "no response and no error")
		return // the connection closed before the status line
	}
	if err == nil {
		assert.NotEqual(t, 200, resp.StatusCode, "a cut-short response arrived as a success")
		assert.Contains(t, string(resp.Body), "<Error>")
		return
	}
	assert.Equal(t, 200, resp.StatusCode)
	assert.ErrorContains(t, err, "broke off")
}
