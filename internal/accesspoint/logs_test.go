package accesspoint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// leakyMessage holds every secret of the invocation of ev, raw and escaped,
// as a careless function would put them in an error: the output token, the
// security token URL-escaped, the secret, and the inputOssUrl as an
// http.Get error quotes it.
func leakyMessage(ev event) string {
	c := ev.GetObjectContext
	return fmt.Sprintf("bad token %s, token %s, escaped %s, secret %q: Get %q: dial tcp: refused",
		c.OutputToken, url.QueryEscape(c.OutputToken), url.QueryEscape(testCreds.SecurityToken),
		testCreds.AccessKeySecret, c.InputOSSURL)
}

// assertLogHoldsNoSecret checks the emulator's log after a failed
// invocation: it tells what failed, without the invocation's secrets.
func assertLogHoldsNoSecret(t *testing.T, log string, ev event) {
	t.Helper()
	assert.Contains(t, log, "FunctionInvocationFailed")
	assert.Contains(t, log, "<redacted>", "the function's message is logged, scrubbed")
	c := ev.GetObjectContext
	u, err := url.Parse(c.InputOSSURL)
	require.NoError(t, err)
	for _, secret := range []string{
		c.OutputToken, url.QueryEscape(c.OutputToken), strings.TrimPrefix(c.OutputToken, TokenPrefix),
		testCreds.AccessKeySecret, testCreds.SecurityToken, url.QueryEscape(testCreds.SecurityToken),
		u.Query().Get("x-oss-signature"),
	} {
		assert.NotContains(t, log, secret)
	}
}

func TestTheEmulatorsLogHoldsNoSecretOfAFailedInvocation(t *testing.T) {
	tests := []struct {
		name     string
		function func(t *testing.T, events chan<- event, closers chan<- func()) Invoker
	}{
		{"an in-process function's error", func(t *testing.T, events chan<- event, closers chan<- func()) Invoker {
			return InvokerFunc(func(ctx context.Context, inv *Invocation) error {
				ev := parseEvent(t, inv)
				events <- ev
				return errors.New(leakyMessage(ev))
			})
		}},
		{"an in-process function's panic", func(t *testing.T, events chan<- event, closers chan<- func()) Invoker {
			return InvokerFunc(func(ctx context.Context, inv *Invocation) error {
				ev := parseEvent(t, inv)
				events <- ev
				panic(leakyMessage(ev))
			})
		}},
		{"a Go runtime function's error report", func(t *testing.T, events chan<- event, closers chan<- func()) Invoker {
			a := rtStart(t)
			c := newRTClient(t, a)
			tr := &http.Transport{}
			c.hc.Transport = tr
			closers <- func() { a.close(); tr.CloseIdleConnections() }
			go func() {
				resp, body := c.next()
				var ev event
				_ = json.Unmarshal([]byte(body), &ev)
				events <- ev
				report, _ := json.Marshal(map[string]string{"errorType": ev.GetObjectContext.OutputToken, "errorMessage": leakyMessage(ev)})
				c.report(resp.Header.Get("x-fc-request-id"), "error", string(report))
			}()
			return a
		}},
		{"a custom runtime's failure answer", func(t *testing.T, events chan<- event, closers chan<- func()) Invoker {
			rt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var ev event
				_ = json.NewDecoder(r.Body).Decode(&ev)
				events <- ev
				w.Header().Set("x-fc-status", "404")
				w.WriteHeader(http.StatusOK)
				fmt.Fprintln(w, leakyMessage(ev))
				fmt.Fprintln(w, "second line")
			}))
			t.Cleanup(rt.Close)
			return HTTPInvoker{URL: rt.URL}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log execBuffer
			events, closers := make(chan event, 1), make(chan func(), 1)
			fn := tt.function(t, events, closers)
			defer func() {
				if len(closers) > 0 {
					(<-closers)()
				}
			}()
			s := start(t, Config{Function: fn, Logger: slog.New(slog.NewJSONHandler(&log, nil))})
			resp, body, err := get(t, s, "k", nil)
			require.NoError(t, err)
			assert.Equal(t, http.StatusBadGateway, resp.StatusCode, "%s", body)
			assertLogHoldsNoSecret(t, log.String(), receive(t, events))
		})
	}
}
