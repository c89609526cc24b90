package accesspoint

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/sign"
)

func TestNewRejectsAnUnusableConfig(t *testing.T) {
	fn := InvokerFunc(func(context.Context, *Invocation) error { return nil })
	const secret = "a-secret-of-the-config"
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"no function", Config{}, "Function is nil"},
		{"negative timeout", Config{Function: fn, Timeout: -time.Second}, "Timeout is negative"},
		{"secret without key", Config{Function: fn, Credentials: sign.Credentials{AccessKeySecret: secret}}, "no access key ID"},
		{"key without secret", Config{Function: fn, Credentials: sign.Credentials{AccessKeyID: "k"}}, "no access key secret"},
		{"key with a slash", Config{Function: fn, Credentials: sign.Credentials{AccessKeyID: "a/b", AccessKeySecret: secret}}, "AccessKeyID"},
		{"region with a space", Config{Function: fn, Region: "cn hangzhou"}, "not a region name"},
		{"advertised URL without scheme", Config{Function: fn, AdvertisedURL: "127.0.0.1:80"}, "AdvertisedURL"},
		{"advertised URL with a path", Config{Function: fn, AdvertisedURL: "http://h:80/x"}, "AdvertisedURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			noSecrets(t, err.Error(), secret)
		})
	}
}

func TestNewFillsInDefaults(t *testing.T) {
	fn := InvokerFunc(func(context.Context, *Invocation) error { return nil })
	a, err := New(Config{Function: fn})
	require.NoError(t, err)
	b, err := New(Config{Function: fn})
	require.NoError(t, err)

	assert.Equal(t, DefaultRegion, a.Region())
	assert.Equal(t, DefaultTimeout, a.cfg.Timeout)
	assert.Empty(t, a.URL(), "no URL before Start")
	c := a.Credentials()
	assert.True(t, strings.HasPrefix(c.AccessKeyID, "STS."))
	assert.Len(t, c.AccessKeySecret, 30)
	assert.NotEmpty(t, c.SecurityToken)
	assert.NotEqual(t, c, b.Credentials(), "generated credentials are random")
	assert.NotContains(t, c.String(), c.AccessKeySecret)
}

func TestGeneratedCredentialsSignAcceptedResponses(t *testing.T) {
	s, err := New(Config{Function: replying(t, reply{body: strings.NewReader("ok")}, nil)})
	require.NoError(t, err)
	require.NoError(t, s.Start(""))
	t.Cleanup(func() { _ = s.Close() })

	resp, body, err := get(t, s, "k", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "ok", string(body))
}

func TestServerMountedAsAHandlerAnswers(t *testing.T) {
	s, err := New(Config{Credentials: testCreds, Region: testRegion, Function: replying(t, reply{body: strings.NewReader("ok")}, nil)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hs := &http.Server{Handler: s}
	go func() { _ = hs.Serve(l) }()
	t.Cleanup(func() { _ = hs.Close() })

	resp, err := http.Get("http://" + l.Addr().String() + "/k")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestAdvertisedURLIsTheRoute(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	advertised := "http://" + l.Addr().String()
	routes := make(chan string, 1)
	s, err := New(Config{
		Credentials:   testCreds,
		AdvertisedURL: advertised + "/",
		Function: InvokerFunc(func(ctx context.Context, inv *Invocation) error {
			ev := parseEvent(t, inv)
			routes <- ev.GetObjectContext.OutputRoute
			return send(ctx, inv, ev, reply{}).err
		}),
	})
	require.NoError(t, err)
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })

	resp, err := http.Get(advertised + "/k")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, advertised, receive(t, routes))
}

func TestStartServeAndClose(t *testing.T) {
	invoked := make(chan struct{})
	ended := make(chan error, 1)
	s, err := New(Config{Function: InvokerFunc(func(ctx context.Context, _ *Invocation) error {
		close(invoked)
		<-ctx.Done()
		ended <- ctx.Err()
		return ctx.Err()
	})})
	require.NoError(t, err)
	require.NoError(t, s.Start("127.0.0.1:0"))
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, s.URL())
	assert.Error(t, s.Start(""), "a server serves one listener")

	go func() {
		resp, err := http.Get(s.URL() + "/k")
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-invoked
	require.NoError(t, s.Close())
	assert.ErrorIs(t, receive(t, ended), context.Canceled, "Close cancels the invocations")

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	assert.ErrorIs(t, s.Serve(l), http.ErrServerClosed)
}

func TestShutdownWaitsForTheResponseInFlight(t *testing.T) {
	release := make(chan struct{})
	invoked := make(chan struct{})
	s := start(t, Config{Function: InvokerFunc(func(ctx context.Context, inv *Invocation) error {
		close(invoked)
		<-release
		return send(ctx, inv, parseEvent(t, inv), reply{body: strings.NewReader("finished")}).err
	})})
	bodies := make(chan string, 1)
	go func() {
		_, body, err := get(t, s, "k", nil)
		if err != nil {
			body = []byte(err.Error())
		}
		bodies <- string(body)
	}()
	<-invoked
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	require.Eventually(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.draining
	}, 5*time.Second, time.Millisecond)

	resp, body, err := get(t, s, "another", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "no new GetObject while shutting down")
	assert.Equal(t, CodeServiceUnavailable, parseXMLError(t, string(body)).Code)
	close(release)

	assert.Equal(t, "finished", receive(t, bodies))
	assert.NoError(t, receive(t, shut))
}

func TestLogsNameNoSecret(t *testing.T) {
	var mu sync.Mutex
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tokens, finished := make(chan string, 8), make(chan struct{}, 1)
	wrongSecret := testCreds
	wrongSecret.AccessKeySecret = "another-secret-value"
	var signatures []string
	var sigMu sync.Mutex
	keepSignature := func(r *http.Request) {
		a := r.Header.Get("Authorization")
		sigMu.Lock()
		signatures = append(signatures, a[strings.LastIndex(a, "=")+1:])
		sigMu.Unlock()
	}
	s := start(t, Config{Logger: logger, Function: InvokerFunc(func(ctx context.Context, inv *Invocation) error {
		ev := parseEvent(t, inv)
		tokens <- ev.GetObjectContext.OutputToken
		send(ctx, inv, ev, reply{creds: &wrongSecret, after: keepSignature})
		send(ctx, inv, ev, reply{body: strings.NewReader("ok"), after: keepSignature})
		send(ctx, inv, ev, reply{body: strings.NewReader("again"), after: keepSignature})
		finished <- struct{}{}
		return errors.New("done")
	})})
	_, _, err := get(t, s, "k", nil)
	require.NoError(t, err)
	token := receive(t, tokens)
	// The GetObject may be answered before the function's last request, and
	// each line is logged once its answer is written: wait for both.
	receive(t, finished)
	logged := func() string {
		mu.Lock()
		defer mu.Unlock()
		return logs.String()
	}
	require.Eventually(t, func() bool {
		out := logged()
		return strings.Count(out, "writegetobjectresponse refused") >= 2 && strings.Contains(out, "getobject: relayed")
	}, 5*time.Second, 10*time.Millisecond, "the refusals and the relay are logged: %s", logged())
	out := logged()
	sigMu.Lock()
	defer sigMu.Unlock()
	noSecrets(t, out, append([]string{token, wrongSecret.AccessKeySecret}, signatures...)...)
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestLoopbackAddrNamesADialableAddress(t *testing.T) {
	tests := []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}, "127.0.0.1:80"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 80}, "127.0.0.1:80"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 80}, "[::1]:80"},
		{&net.TCPAddr{Port: 80}, "127.0.0.1:80"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 8080}, "[::1]:8080"},
		{&net.UnixAddr{Name: "/tmp/s", Net: "unix"}, "/tmp/s"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, loopbackAddr(tt.addr), tt.addr.String())
	}
}
