package wgor_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/wgor"
)

func TestWriteRefusesBeforeSending(t *testing.T) {
	tests := []struct {
		name string
		edit func(r *wgor.Response)
		says string
	}{
		{"header without a value", func(r *wgor.Response) { r.Header = http.Header{"X-A": {}} }, `Header "X-A" has no value`},
		{"blank token", func(r *wgor.Response) { r.Token = " \t " }, "Token is only white space"},
		{"padded token", func(r *wgor.Response) { r.Token = " " + testToken }, "Token has white space before or after it"},
		{"token with a trailing space", func(r *wgor.Response) { r.Token = testToken + " " }, "Token has white space before or after it"},
		{"status 201", func(r *wgor.Response) { r.Status = 201 }, "Status 201 is not one OSS accepts for x-oss-fwd-status: use one of 200, 206, 301, 302, 303, 304, 400, 401, 403, 404, 405, 409, 411, 412, 416, 500, 503"},
		{"status 100", func(r *wgor.Response) { r.Status = 100 }, "Status 100 is not one OSS accepts"},
		{"status 599", func(r *wgor.Response) { r.Status = 599 }, "Status 599"},
		{"status 0", func(r *wgor.Response) { r.Status = 0 }, "Status 0"},
		{"empty IPv6 literal", func(r *wgor.Response) { r.Route = "http://[:]" }, "Route is not a host or a URL: invalid host"},
		{"IPv4 in brackets", func(r *wgor.Response) { r.Route = "http://[1.2.3.4]" }, "invalid IP-literal"},
		{"IPv6 with a zone", func(r *wgor.Response) { r.Route = "http://[fe80::1%25eth0]:80" }, "not a valid IPv6 address"},
		{"IPv6 without brackets", func(r *wgor.Response) { r.Route = "fe80::1" }, "invalid port"},
		{"64 KB host name", func(r *wgor.Response) { r.Route = strings.Repeat("a", 64<<10) + ".example" }, "longer than the 253 bytes"},
		{"host name with a byte no name has", func(r *wgor.Response) { r.Route = "a!b.example" }, "cannot appear in a host name"},
		{"two colons unbracketed", func(r *wgor.Response) { r.Route = "http://::1:80" }, "invalid port"},
		{"port out of range", func(r *wgor.Response) { r.Route = "http://a.example:65536" }, "invalid port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeOSS(t)
			r := f.response(strings.NewReader("body"))
			tt.edit(r)
			_, err := f.client().Write(context.Background(), r)
			require.ErrorIs(t, err, wgor.ErrInvalidResponse)
			assert.ErrorIs(t, err, wgor.ErrNotSent)
			assert.Contains(t, err.Error(), tt.says)
			assert.Equal(t, 1, strings.Count(err.Error(), "wgor:"), "the message reads once: %s", err)
			assert.Zero(t, f.hits.Load(), "nothing was sent")
		})
	}
}

func TestValidStatusIsTheDocumentedSet(t *testing.T) {
	var valid []int
	for s := -1; s < 1000; s++ {
		if wgor.ValidStatus(s) {
			valid = append(valid, s)
		}
	}
	assert.Equal(t, []int{200, 206, 301, 302, 303, 304, 400, 401, 403, 404, 405, 409, 411, 412, 416, 500, 503}, valid)
	f := newFakeOSS(t)
	for _, s := range valid {
		r := f.response(nil)
		r.Status = s
		_, err := f.client().Write(context.Background(), r)
		require.NoError(t, err, "status %d", s)
		assert.Equal(t, fmt.Sprint(s), f.last().Header.Get("X-Oss-Fwd-Status"))
	}
}

func TestWriteAcceptsRoutesWithinTheRules(t *testing.T) {
	for _, route := range []string{
		strings.Repeat("a", 63) + ".example",
		strings.Repeat("a.", 126) + "b",  // 253 bytes
		strings.Repeat("a.", 126) + "b.", // and a trailing dot
		"[::ffff:1.2.3.4]", "[2001:db8::1]:443", "1.2.3.4:8080", "x-y.example:1",
	} {
		c := &wgor.Client{
			HTTPClient: &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
				return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}}, nil
			})},
			Credentials: testCreds(), Region: testRegion,
		}
		_, err := c.Write(context.Background(), &wgor.Response{Route: route, Token: testToken, Status: 200})
		assert.NoError(t, err, "%.40s", route)
	}
}

func TestRegionErrorLetsACallerNameItsOwnFlag(t *testing.T) {
	c := &wgor.Client{Credentials: testCreds()}
	_, err := c.Write(context.Background(), &wgor.Response{Route: "http://127.0.0.1:9", Token: testToken, Status: 200})
	var re *wgor.RegionError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "127.0.0.1", re.Host)
	assert.ErrorIs(t, err, wgor.ErrInvalidResponse)
	assert.Equal(t, `wgor: invalid response: cannot tell the OSS region from route host "127.0.0.1": set Client.Region (a route from OSS looks like …-opap.oss-<region>-internal.oss-object-process.aliyuncs.com)`, err.Error())
}

func TestABodyThatBlocksAndCannotBeClosedCostsOneGoroutine(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			base := settledGoroutines()
			f := newFakeOSS(t)
			c := f.client()
			body := blockingReader{unblock: make(chan struct{})}
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			_, err := c.Write(ctx, &wgor.Response{Route: f.srv.URL, Token: testToken, Status: 200, Body: body, Chunked: chunked})
			require.ErrorIs(t, err, context.DeadlineExceeded)
			// With the server and every connection gone, all that is left is
			// what waits on the Read that never returns: one goroutine.
			f.srv.Close()
			c.HTTPClient.Transport.(*http.Transport).CloseIdleConnections()
			deadline := time.Now().Add(3 * time.Second)
			for runtime.NumGoroutine() > base+1 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			assert.LessOrEqual(t, runtime.NumGoroutine(), base+1, "goroutines kept by a blocked, unclosable body")
			close(body.unblock)
			waitGoroutines(t, base)
		})
	}
}

// settledGoroutines waits until what earlier tests left running has
// ended (the count holds still for 50ms, 2s at most), and returns the count.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			break
		}
		n = m
	}
	return n
}

func TestAPanicInTheBodysReadReachesTheCaller(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			f := newFakeOSS(t)
			var got any
			func() {
				defer func() { got = recover() }()
				r := f.response(onlyReader{readerFunc(func([]byte) (int, error) { panic("body exploded") })})
				r.Chunked = chunked
				f.client().Write(context.Background(), r)
			}()
			assert.Equal(t, "body exploded", got)
		})
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func TestHostileStalledErrorBodyDoesNotHoldWrite(t *testing.T) {
	route := hostile(t, func(c net.Conn, br *bufio.Reader) {
		if readRequest(br) == nil {
			io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 1000\r\n\r\n<Error><Code>AccessDenied</Code>")
		}
		io.Copy(io.Discard, c) // the rest never comes
	})
	start := time.Now()
	_, err := defaultTransportClient().Write(context.Background(), &wgor.Response{Route: route, Token: testToken, Status: 200})
	var se *wgor.ServiceError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "AccessDenied", se.Code)
	assert.Contains(t, err.Error(), "reading the body failed after 32 bytes: the rest did not arrive within 2s")
	assert.Less(t, time.Since(start), 3*time.Second, "a stalled error body held Write without a deadline")
}

// A failure before any connection was made (an untrusted certificate here)
// is not retried, and says that nothing was sent: the token is unused.
func TestAFailureBeforeAnyConnectionWrapsErrNotSent(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("no request may arrive")
	}))
	defer srv.Close()
	c := &wgor.Client{HTTPClient: &http.Client{Transport: &http.Transport{}}, Credentials: testCreds(), Region: testRegion}
	_, err := c.Write(context.Background(), &wgor.Response{Route: srv.URL, Token: testToken, Status: 200, Body: strings.NewReader("x")})
	require.Error(t, err)
	assert.ErrorIs(t, err, wgor.ErrNotSent, err.Error())
	assert.Contains(t, err.Error(), "certificate")
}

func TestWriteRefusesCredentialsAlreadyExpired(t *testing.T) {
	f := newFakeOSS(t)
	c := f.client()
	c.Credentials = creds.ProviderFunc(func(context.Context) (creds.Credentials, error) {
		return creds.Credentials{AccessKeyID: testAKID, AccessKeySecret: testSecret, Expiration: time.Now().Add(-time.Minute)}, nil
	})
	_, err := c.Write(context.Background(), &wgor.Response{Route: f.srv.URL, Token: testToken, Status: 200, Body: strings.NewReader("x")})
	require.ErrorIs(t, err, wgor.ErrNotSent)
	assert.Zero(t, f.hits.Load(), "the token is still unused")
}

func TestWriteRefusesABodyWithA304(t *testing.T) {
	f := newFakeOSS(t)
	_, err := f.client().Write(context.Background(), &wgor.Response{Route: f.srv.URL, Token: testToken, Status: 304, Body: strings.NewReader("body")})
	require.ErrorIs(t, err, wgor.ErrInvalidResponse)
	assert.Zero(t, f.hits.Load())
	for _, body := range []io.Reader{nil, http.NoBody} {
		_, err := f.client().Write(context.Background(), &wgor.Response{Route: f.srv.URL, Token: testToken, Status: 304, Body: body})
		require.NoError(t, err, "a 304 without content is sent")
	}
	assert.EqualValues(t, 2, f.hits.Load())
}
