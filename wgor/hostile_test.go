package wgor_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
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

// A route that echoes the request's secrets cut in two by a line break (or a
// space, as a folded header is joined) shows none of them, in any field.
func TestHostileSecretsSplitAcrossLinesAreHidden(t *testing.T) {
	f := newFakeOSS(t)
	f.respond = func(w http.ResponseWriter, r *http.Request, _ received) {
		_, sig, _ := strings.Cut(r.Header.Get("Authorization"), "Signature=")
		var split []string
		for _, s := range []string{testToken, testSecurityToken, sig} {
			split = append(split, s[:len(s)/2]+"\n"+s[len(s)/2:])
		}
		w.Header().Set("X-Echo", strings.ReplaceAll(strings.Join(split, " "), "\n", " "))
		writeOSSError(w, http.StatusForbidden, "AccessDenied", strings.Join(split, " "), "OSS4-HMAC-SHA256\n"+strings.Join(split, "\n"), "")
	}
	_, err := f.client().Write(context.Background(), f.response(strings.NewReader("body")))
	var se *wgor.ServiceError
	require.ErrorAs(t, err, &se)
	_, sig, _ := strings.Cut(f.last().Header.Get("Authorization"), "Signature=")
	out := strings.Join(strings.Fields(fmt.Sprintf("%v %+v", err, se)), "")
	for _, secret := range []string{testToken, testSecurityToken, sig, "REQ-TOKEN", "c0ffee", sig[:20], sig[44:]} {
		assert.NotContains(t, out, secret)
	}
}

// A route answering with a megabyte of headers, or with 100 Continue
// without end, is refused by the default client, which holds no more of an
// answer than of an error body.
func TestHostileHugeHeadersAreNotHeld(t *testing.T) {
	for name, serve := range map[string]func(c net.Conn){
		"one header block": func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Oss-Request-Id: BIG\r\n")
			for range 1 << 10 {
				io.WriteString(c, "X-Pad: "+strings.Repeat("p", 1<<10)+"\r\n")
			}
			io.WriteString(c, "Content-Length: 0\r\n\r\n")
		},
		"endless 100 Continue": func(c net.Conn) {
			for {
				if _, err := io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\n"); err != nil {
					return
				}
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			route := hostile(t, func(c net.Conn, br *bufio.Reader) {
				if readRequest(br) == nil {
					serve(c)
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			res, err := defaultTransportClient().Write(ctx, &wgor.Response{Route: route, Token: testToken, Status: 200, Body: strings.NewReader("body")})
			assert.Nil(t, res)
			assert.ErrorContains(t, err, "headers exceeded")
		})
	}
}
