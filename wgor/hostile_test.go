package wgor_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor"
)

// The hostile-server suite: routes on loopback that answer as no OSS
// should, each bounded in time. Every case failed before the fixes it
// names (issue 12) and must keep passing.

// hostile serves each connection with serve and closes every connection
// when the test ends, so that a server that stalls never outlives it.
func hostile(t *testing.T, serve func(c net.Conn, br *bufio.Reader)) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				serve(c, bufio.NewReader(c))
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + l.Addr().String()
}

// readHead reads a request's header block.
func readHead(br *bufio.Reader) (http.Header, error) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, err
	}
	return req.Header, nil
}

// readRequest reads a whole request, body included.
func readRequest(br *bufio.Reader) error {
	req, err := http.ReadRequest(br)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, req.Body)
	return err
}

// defaultTransportClient is the Client a function would use, with its
// default transport, for a route over plain HTTP.
func defaultTransportClient() *wgor.Client {
	return &wgor.Client{Credentials: testCreds(), Region: testRegion}
}

func TestHostileSwitchingProtocolsThenSilenceDoesNotOutlastTheDeadline(t *testing.T) {
	route := hostile(t, func(c net.Conn, br *bufio.Reader) {
		if readRequest(br) == nil {
			io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n")
		}
		io.Copy(io.Discard, c) // then silence until the client goes
	})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := defaultTransportClient().Write(ctx, &wgor.Response{Route: route, Token: testToken, Status: 200, Body: strings.NewReader("body")})
	elapsed := time.Since(start)
	var se *wgor.ServiceError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusSwitchingProtocols, se.StatusCode)
	assert.Contains(t, err.Error(), "1xx status")
	assert.Less(t, elapsed, 500*time.Millisecond+promptly, "Write outlasted its deadline")
}

func TestHostileStalledSuccessBodyDoesNotDelaySuccess(t *testing.T) {
	route := hostile(t, func(c net.Conn, br *bufio.Reader) {
		for readRequest(br) == nil {
			// A 200 promising 100 bytes of body, then 3 of them, then silence.
			io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Oss-Request-Id: STALL\r\nContent-Length: 100\r\n\r\nabc")
		}
	})
	for _, deadline := range []time.Duration{0, 2 * time.Second} {
		t.Run(fmt.Sprintf("deadline %v", deadline), func(t *testing.T) {
			ctx := context.Background()
			if deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, deadline)
				defer cancel()
			}
			start := time.Now()
			res, err := defaultTransportClient().Write(ctx, &wgor.Response{Route: route, Token: testToken, Status: 200, Body: strings.NewReader("body")})
			require.NoError(t, err)
			assert.Equal(t, "STALL", res.RequestID)
			assert.Less(t, time.Since(start), 500*time.Millisecond, "success waited on the body of OSS's answer")
		})
	}
}

func TestHostileEarlyRefusalIsTheServiceErrorNotTheReset(t *testing.T) {
	const refusal = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessDenied</Code><Message>The token has been used.</Message><RequestId>EARLY-1</RequestId></Error>`
	route := hostile(t, func(c net.Conn, br *bufio.Reader) {
		if _, err := readHead(br); err != nil {
			return
		}
		io.CopyN(io.Discard, br, 10) // a few bytes of the body, then the refusal
		fmt.Fprintf(c, "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nX-Oss-Request-Id: EARLY-1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(refusal), refusal)
		c.Close() // unread body: the kernel answers the rest with a reset
	})
	bodies := map[string]func(r *wgor.Response){
		"in memory":       func(r *wgor.Response) { r.Body = bytes.NewReader(make([]byte, 32<<20)) },
		"spooled":         func(r *wgor.Response) { r.Body = &zeros{left: 32 << 20} },
		"chunked":         func(r *wgor.Response) { r.Body, r.Chunked = &zeros{left: 32 << 20}, true },
		"declared length": func(r *wgor.Response) { r.Body, r.ContentLength = &zeros{left: 32 << 20}, 32<<20 },
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			for i := range 10 {
				r := &wgor.Response{Route: route, Token: testToken, Status: 200}
				body(r)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_, err := defaultTransportClient().Write(ctx, r)
				cancel()
				var se *wgor.ServiceError
				require.ErrorAs(t, err, &se, "run %d", i)
				assert.Equal(t, "AccessDenied", se.Code)
				assert.Equal(t, "EARLY-1", se.RequestID)
			}
		})
	}
}

func TestHostileErrorTextIsPrintedOnOneLine(t *testing.T) {
	body := "<Error><Code>AccessDenied</Code><Message>denied\r\nwgor write: sent 5 bytes with status 200: OSS answered 200\u2028\u202e</Message>" +
		"<RequestId>ID\nforged</RequestId><EC>0003\r\n-1</EC></Error>"
	se, err := refusal(t, http.StatusForbidden, "application/xml", []byte(body))
	for _, s := range []string{err.Error(), se.Message, se.RequestID, se.EC, fmt.Sprintf("%+v", err)} {
		assert.NotContains(t, s, "\n")
		assert.NotContains(t, s, "\r")
		assert.NotContains(t, s, "\u2028")
		assert.NotContains(t, s, "\u202e")
	}
	assert.Contains(t, err.Error(), "denied wgor write: sent 5 bytes", "the text stays, on one line")
}

func TestHostileHalfParsedErrorBodySaysWhatItWas(t *testing.T) {
	tests := []struct {
		name, body string
		says       string
	}{
		{"not UTF-8", "<Error><Code>\xff\xfe</Code></Error>", "broke off at byte 15 of 30: invalid UTF-8"},
		{"undefined entity", "<Error><Message>&secret;</Message></Error>", "broke off at byte 24 of 42: invalid character entity"},
		{"deep nesting", "<Error>" + strings.Repeat("<a>", 100) + "x" + strings.Repeat("</a>", 100) + "</Error>", "holding no Code or Message"},
		{"cut short", "<Error><Code>AccessDen", "broke off at byte 22 of 22: unexpected EOF"},
		{"no known elements", "<Error><Foo>bar</Foo></Error>", "holding no Code or Message"},
		{"only control bytes", "\x00\x01\x02", "no printable text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := refusal(t, http.StatusForbidden, "application/xml", []byte(tt.body))
			assert.NotContains(t, err.Error(), "empty body")
			assert.Contains(t, err.Error(), tt.says)
		})
	}
	_, err := refusal(t, http.StatusForbidden, "application/xml", nil)
	assert.Contains(t, err.Error(), "with an empty body", "an empty body is still called one")
}

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
