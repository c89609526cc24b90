package accesspoint

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/oss"
)

// refusedThenServed runs a GetObject whose function first sends bad, then a
// good response; it returns the answer to bad and checks that the caller
// got the good one only.
func refusedThenServed(t *testing.T, cfg Config, bad reply) answer {
	t.Helper()
	refused := make(chan answer, 1)
	cfg.Function = InvokerFunc(func(ctx context.Context, inv *Invocation) error {
		ev := parseEvent(t, inv)
		refused <- send(ctx, inv, ev, bad)
		return send(ctx, inv, ev, reply{body: strings.NewReader("served")}).err
	})
	s := start(t, cfg)
	resp, body, err := get(t, s, "k", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "a refused response leaves the token usable")
	assert.Equal(t, "served", string(body), "only the accepted response reaches the caller")
	a := receive(t, refused)
	require.NoError(t, a.err)
	return a
}

func TestABodyWithoutContentLengthIsRefusedAndNeverRelayed(t *testing.T) {
	a := refusedThenServed(t, Config{}, reply{body: strings.NewReader("refused bytes"), chunked: true})
	assert.Equal(t, http.StatusLengthRequired, a.status)
	e := parseXMLError(t, a.body)
	assert.Equal(t, CodeMissingContentLength, e.Code)
	assert.Contains(t, e.Message, "send the body with its length")
	assert.Contains(t, e.Message, "--allow-chunked")
}

func TestAllowChunkedRelaysABodyWithoutContentLength(t *testing.T) {
	s := start(t, Config{AllowChunked: true, Function: replying(t, reply{body: strings.NewReader("streamed"), chunked: true}, nil)})
	resp, body, err := get(t, s, "k", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "streamed", string(body))
	assert.Equal(t, int64(-1), resp.ContentLength, "relayed chunked")
}

func TestEveryDocumentedFwdStatusIsRelayed(t *testing.T) {
	for _, status := range strings.Split(strings.ReplaceAll(oss.StatusList, " ", ""), ",") {
		t.Run(status, func(t *testing.T) {
			s := start(t, Config{Function: replying(t, reply{status: status, body: strings.NewReader("x")}, nil)})
			resp, _, err := get(t, s, "k", nil)
			require.NoError(t, err)
			assert.Equal(t, status, resp.Status[:3])
		})
	}
}

func TestFwdStatusMustBeADocumentedValueInPlainDecimal(t *testing.T) {
	for _, status := range []string{"+200", "0200", "200.0", "2 00", "0x c8", "201", "204", "100", "302a", "599", "600", "-200", "\uff12\uff10\uff10", "200,200"} {
		t.Run(status, func(t *testing.T) {
			a := refusedThenServed(t, Config{}, reply{status: status})
			assert.Equal(t, http.StatusBadRequest, a.status)
			e := parseXMLError(t, a.body)
			assert.Equal(t, CodeInvalidArgument, e.Code)
			assert.Contains(t, e.Message, "OSS accepts only 200, 206, 301")
		})
	}
	t.Run("missing", func(t *testing.T) {
		a := refusedThenServed(t, Config{}, reply{before: func(r *http.Request) { r.Header.Del(oss.HeaderStatus) }})
		assert.Equal(t, http.StatusBadRequest, a.status)
		assert.Contains(t, parseXMLError(t, a.body).Message, "x-oss-fwd-status is required")
	})
}

func TestRouteTokenAndStatusMustBeSentOnce(t *testing.T) {
	for _, name := range []string{oss.HeaderRoute, oss.HeaderToken, oss.HeaderStatus} {
		t.Run(name, func(t *testing.T) {
			a := refusedThenServed(t, Config{}, reply{before: func(r *http.Request) {
				r.Header.Add(name, r.Header.Get(name)) // the same value twice, signed
			}})
			assert.Equal(t, http.StatusBadRequest, a.status)
			e := parseXMLError(t, a.body)
			assert.Equal(t, CodeInvalidArgument, e.Code)
			assert.Contains(t, e.Message, strings.ToLower(name)+" was sent 2 times: send it once")
		})
	}
}

func TestUndocumentedForwardedHeadersAreRelayedAndLogged(t *testing.T) {
	// OSS documents ten forwarded headers; the Java SDK's sample adds
	// Location. What OSS does with others is not documented: the emulator
	// relays them (as it does the documented ones), and says so in its log.
	s := start(t, Config{Function: replying(t, reply{status: "302", headers: map[string]string{
		"Location": "https://example.com/elsewhere", "X-Custom": "v",
	}}, nil)})
	client := &http.Client{CheckRedirect: noRedirect}
	resp, err := client.Get(s.URL() + "/k")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "https://example.com/elsewhere", resp.Header.Get("Location"))
	assert.Equal(t, "v", resp.Header.Get("X-Custom"))

	r := &http.Request{Header: http.Header{"X-Oss-Fwd-Header-Location": {"l"}, "X-Oss-Fwd-Header-X-Custom": {"v"}, "X-Oss-Fwd-Header-Etag": {"e"}}}
	assert.Equal(t, []string{"X-Custom"}, undocumentedFwdHeaders(r))
}
