package fcrt_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor/fcrt"
)

const (
	hostileToken = "OSSV1#hostile-output-token"
	hostileSig   = "hostileSignatureValue0123"
	// hostileURL is an inputOssUrl nothing listens at: http.Get's error
	// quotes it whole, signature included.
	hostileURL = "http://127.0.0.1:1/k.png?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-signature=" + hostileSig
)

// secretsOf are the texts no record, answer or report may hold for
// invocation i, in the forms the module prints.
func secretsOf(i int) []string {
	var out []string
	for _, s := range []string{keys(i).AccessKeySecret, keys(i).SecurityToken, hostileToken, hostileSig} {
		out = append(out, s, strconv.Quote(s), url.QueryEscape(s), strings.TrimPrefix(s, "OSSV1#"))
	}
	return out
}

// hostileHandlers fail in every way with a text holding every secret of
// the invocation, on several lines.
func hostileHandlers() map[string]fcrt.Handler {
	secretText := func(ctx context.Context, inv *fcrt.Invocation) string {
		c, _ := inv.Credentials.Credentials(ctx)
		g := inv.Event.GetObjectContext
		return fmt.Sprintf("token %s\nsecret %s\rsts %q\nurl %s", g.OutputToken, c.AccessKeySecret, c.SecurityToken, g.InputOSSURL)
	}
	return map[string]fcrt.Handler{
		"error": fcrt.HandlerFunc(func(ctx context.Context, _ fcrt.ResponseWriter, inv *fcrt.Invocation) error {
			return errors.New(secretText(ctx, inv))
		}),
		"panic": fcrt.HandlerFunc(func(ctx context.Context, _ fcrt.ResponseWriter, inv *fcrt.Invocation) error {
			panic(secretText(ctx, inv))
		}),
		"panic with an error mid-body": fcrt.HandlerFunc(func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, "part")
			panic(errors.New(secretText(ctx, inv)))
		}),
		"http.Get of the inputOssUrl": fcrt.HandlerFunc(func(_ context.Context, _ fcrt.ResponseWriter, inv *fcrt.Invocation) error {
			resp, err := http.Get(inv.Event.GetObjectContext.InputOSSURL)
			if err == nil {
				resp.Body.Close()
			}
			return err
		}),
		"Forward of the unreachable original": fcrt.HandlerFunc(fcrt.Forward),
	}
}

// TestHandlerSecretsNeverReachTheLogOrTheAnswer (issue 21, items 1 and 2):
// a handler's error or panic value holding the output token, the secret,
// the security token or the inputOssUrl is logged and answered scrubbed,
// and the custom runtime's answer is one line.
func TestHandlerSecretsNeverReachTheLogOrTheAnswer(t *testing.T) {
	oss := newFakeOSS(t, 1)
	for name, h := range hostileHandlers() {
		t.Run(name, func(t *testing.T) {
			var logs bytes.Buffer
			o := &fcrt.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
			req := httptest.NewRequest(http.MethodPost, "/invoke", bytes.NewReader(event(oss.URL, hostileToken, hostileURL)))
			req.Header = fcHeaders(0)
			rec := httptest.NewRecorder()
			rt := fcrt.NewCustomRuntime(h, o)
			rt.ServeHTTP(rec, req)
			assert.Equal(t, "404", rec.Header().Get("X-Fc-Status"))
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
				printed := fmt.Sprintf(verb, rt) // the runtime has signed: its key cache is full
				for _, s := range secretsOf(0) {
					assert.NotContains(t, printed, s, verb)
				}
			}
			answer := rec.Body.String()
			assert.Equal(t, 1, strings.Count(answer, "\n"), "one line: %q", answer)
			assert.True(t, strings.HasSuffix(answer, "\n"))
			assert.Contains(t, logs.String(), "fc-req-000")
			for _, s := range secretsOf(0) {
				assert.NotContains(t, answer, s)
				assert.NotContains(t, logs.String(), s)
			}
		})
	}
}

// TestRuntimeAPIErrorReportsHoldNoSecret (issue 21, item 2): the Go runtime
// API's …/error report is one line and holds no secret.
func TestRuntimeAPIErrorReportsHoldNoSecret(t *testing.T) {
	oss := newFakeOSS(t, 1)
	api := newFakeRuntimeAPI(t)
	handlers := hostileHandlers()
	byID := map[string]fcrt.Handler{}
	for name, h := range handlers {
		hdr := apiHeaders(0, time.Now().Add(30*time.Second))
		hdr.Set("X-Fc-Request-Id", name)
		byID[name] = h
		api.queue <- pendingInvocation{hdr, event(oss.URL, hostileToken, hostileURL)}
	}
	stop := runAgainst(t, api, fcrt.HandlerFunc(func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
		return byID[inv.RequestID].ServeGetObject(ctx, w, inv)
	}))
	posts := api.awaitPosts(t, len(handlers))
	require.NoError(t, stop())
	for id, p := range posts {
		assert.Equal(t, "error", p.kind, id)
		var report struct {
			Message string `json:"errorMessage"`
		}
		require.NoError(t, json.Unmarshal(p.body, &report), id)
		assert.NotEmpty(t, report.Message, id)
		assert.NotContains(t, report.Message, "\n", id)
		for _, s := range secretsOf(0) {
			assert.NotContains(t, string(p.body), s, id)
		}
	}
}

// TestInvocationPrintsNoSecret (issue 21, item 3): an Invocation printed
// with any fmt verb or logged with either of slog's handlers shows neither
// the token, the URL's signature nor the credentials.
func TestInvocationPrintsNoSecret(t *testing.T) {
	oss := newFakeOSS(t, 1)
	var out bytes.Buffer
	h := fcrt.HandlerFunc(func(_ context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
		slog.New(slog.NewJSONHandler(&out, nil)).Info("x", "inv", inv, "value", *inv, "creds", inv.Credentials,
			"nested", []*fcrt.Invocation{inv}) // marshalled by encoding/json, past LogValue
		slog.New(slog.NewTextHandler(&out, nil)).Info("x", "inv", inv, "value", *inv, "creds", inv.Credentials)
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			fmt.Fprintf(&out, verb+"\n", inv)
			fmt.Fprintf(&out, verb+"\n", *inv)
			fmt.Fprintf(&out, verb+"\n", inv.Credentials)
			fmt.Fprintf(&out, verb+"\n", &fcrt.PanicError{Value: inv.Event.GetObjectContext.InputOSSURL})
		}
		_, err := io.WriteString(w, "ok")
		return err
	})
	req := httptest.NewRequest(http.MethodPost, "/invoke", bytes.NewReader(event(oss.URL, hostileToken, hostileURL)))
	req.Header = fcHeaders(0)
	rec := httptest.NewRecorder()
	fcrt.NewCustomRuntime(h, quiet).ServeHTTP(rec, req)
	require.Equal(t, "200", rec.Header().Get("X-Fc-Status"), rec.Body.String())
	assert.Contains(t, out.String(), "fc-req-000")
	assert.Contains(t, out.String(), "127.0.0.1:1/k.png")
	for _, s := range secretsOf(0) {
		assert.NotContains(t, out.String(), s)
	}
}

// TestForwardKeepsAGzipStoredOriginal (issue 21, item 7): an original
// stored with Content-Encoding: gzip is forwarded as stored: its gzip
// bytes, its Content-Encoding, its length and its ETag.
func TestForwardKeepsAGzipStoredOriginal(t *testing.T) {
	stored, origin := gzipOrigin(t)
	oss := newFakeOSS(t, 1)
	req := httptest.NewRequest(http.MethodPost, "/invoke", bytes.NewReader(event(oss.URL, "tok-gzip", origin.URL+"/k.txt?x-oss-signature=abc")))
	req.Header = fcHeaders(0)
	rec := httptest.NewRecorder()
	fcrt.NewCustomRuntime(fcrt.HandlerFunc(fcrt.Forward), quiet).ServeHTTP(rec, req)
	require.Equal(t, "200", rec.Header().Get("X-Fc-Status"), rec.Body.String())
	got, ok := oss.get("tok-gzip")
	require.True(t, ok)
	assert.Equal(t, stored, got.body, "the stored gzip bytes, not their decompression")
	assert.Equal(t, "gzip", got.header.Get("X-Oss-Fwd-Header-Content-Encoding"))
	assert.Equal(t, `"stored-bytes-etag"`, got.header.Get("X-Oss-Fwd-Header-Etag"))
	assert.Equal(t, strconv.Itoa(len(stored)), got.header.Get("Content-Length"))
}

// TestTransformReadsAGzipStoredOriginalDecoded: Transform hands f the
// object's content, and forwards no Content-Encoding for what f writes.
func TestTransformReadsAGzipStoredOriginalDecoded(t *testing.T) {
	_, origin := gzipOrigin(t)
	oss := newFakeOSS(t, 1)
	upper := fcrt.HandlerFunc(func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
		return fcrt.Transform(ctx, w, inv, func(w fcrt.ResponseWriter, original io.Reader) error {
			b, err := io.ReadAll(original)
			if err != nil {
				return err
			}
			_, err = w.Write(bytes.ToUpper(b))
			return err
		})
	})
	req := httptest.NewRequest(http.MethodPost, "/invoke", bytes.NewReader(event(oss.URL, "tok-gzip", origin.URL+"/k.txt?x-oss-signature=abc")))
	req.Header = fcHeaders(0)
	rec := httptest.NewRecorder()
	fcrt.NewCustomRuntime(upper, quiet).ServeHTTP(rec, req)
	require.Equal(t, "200", rec.Header().Get("X-Fc-Status"), rec.Body.String())
	got, ok := oss.get("tok-gzip")
	require.True(t, ok)
	assert.Equal(t, strings.Repeat("COMPRESSIBLE TEXT ", 500), string(got.body))
	assert.Empty(t, got.header.Get("X-Oss-Fwd-Header-Content-Encoding"))
	assert.Equal(t, "text/plain", got.header.Get("X-Oss-Fwd-Header-Content-Type"))
}

// gzipOrigin serves an object stored gzip-encoded, as OSS does: its stored
// bytes with Content-Encoding: gzip, whatever the request's
// Accept-Encoding.
func gzipOrigin(t *testing.T) ([]byte, *httptest.Server) {
	var stored bytes.Buffer
	zw := gzip.NewWriter(&stored)
	io.WriteString(zw, strings.Repeat("compressible text ", 500))
	require.NoError(t, zw.Close())
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// OSS serves an object stored gzip-encoded as stored, whatever
		// the request's Accept-Encoding.
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("ETag", `"stored-bytes-etag"`)
		w.Header().Set("Content-Length", strconv.Itoa(stored.Len()))
		w.Write(stored.Bytes())
	}))
	t.Cleanup(origin.Close)
	return stored.Bytes(), origin
}

// TestFailureAfterTheFirstByteCutsTheRequestShort (issue 22, item 5, the
// runtime's side): a handler that declared a Content-Length, wrote 7 B or
// 100 KiB and then failed always sends one WriteGetObjectResponse holding
// exactly what it wrote and then cut short, and the log says so truly.
func TestFailureAfterTheFirstByteCutsTheRequestShort(t *testing.T) {
	oss := newFakeOSS(t, 1)
	var wg sync.WaitGroup // all at once: each takes as long as the client's hold on a failed body
	for _, n := range []int{7, 100 << 10} {
		for _, fail := range []string{"panic", "error"} {
			for run := range 10 {
				wg.Go(func() { checkCutShort(t, oss, fmt.Sprintf("tok-%d-%s-%d", n, fail, run), n, fail) })
			}
		}
	}
	wg.Wait()
	assert.Equal(t, 40, oss.count(), "one WriteGetObjectResponse per invocation")
}

// checkCutShort runs one invocation of bigThenFail(n, true, fail); it
// asserts only, as it runs in its own goroutine.
func checkCutShort(t *testing.T, oss *fakeOSS, token string, n int, fail string) {
	var logs bytes.Buffer
	o := &fcrt.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	req := httptest.NewRequest(http.MethodPost, "/invoke", bytes.NewReader(event(oss.URL, token, "")))
	req.Header = fcHeaders(0)
	rec := httptest.NewRecorder()
	fcrt.NewCustomRuntime(bigThenFail(n, true, fail), o).ServeHTTP(rec, req)
	assert.Equal(t, "404", rec.Header().Get("X-Fc-Status"), token)
	var got received
	if !assert.Eventually(t, func() bool {
		var ok bool
		got, ok = oss.get(token)
		return ok
	}, 5*time.Second, time.Millisecond, token) {
		return
	}
	assert.Error(t, got.err, "%s: the request was cut short", token)
	assert.Equal(t, n, len(got.body), "%s: what the handler wrote reached OSS", token)
	assert.Equal(t, "3145728", got.header.Get("Content-Length"), token)
	var record struct {
		Error   string `json:"error"`
		Written int64  `json:"written"`
	}
	if assert.NoError(t, json.Unmarshal(logs.Bytes(), &record), logs.String()) {
		assert.Equal(t, int64(n), record.Written, token)
		assert.Contains(t, record.Error, map[string]string{"panic": "the handler panicked: index out of range", "error": "the handler returned: the source broke"}[fail])
		assert.Contains(t, record.Error, fmt.Sprintf("cut the WriteGetObjectResponse short after the %d body bytes the handler wrote", n), token)
	}
}
