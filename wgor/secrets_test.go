package wgor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/sign"
	"github.com/wgor-dev/wgor/wgor"
	"github.com/wgor-dev/wgor/wgor/fcrt"
)

// recorder remembers the signature of every request sent through it.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	sigs []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.sigs = append(r.sigs, signatureIn(req.Header))
	r.mu.Unlock()
	return r.base.RoundTrip(req)
}

func (r *recorder) signatures() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.sigs...)
}

// echo answers with everything secret the request carried, in every place
// an error body can hold text.
func echo(w http.ResponseWriter, r *http.Request, status int, html bool) {
	secrets := strings.Join([]string{r.Header.Get("X-Oss-Request-Token"), r.Header.Get("X-Oss-Security-Token"),
		r.Header.Get("Authorization"), testSecret}, " ")
	w.Header().Set("X-Echo", secrets)
	w.Header().Set("X-Oss-Request-Id", "ECHO "+secrets)
	w.WriteHeader(status)
	if html {
		fmt.Fprintf(w, "<html><body><pre>%s</pre></body></html>", secrets)
		return
	}
	fmt.Fprintf(w, "<Error><Code>AccessDenied %s</Code><Message>%s</Message><HostId>%s</HostId><EC>%s</EC>"+
		"<RecommendDoc>%s</RecommendDoc><SignatureProvided>%s</SignatureProvided><StringToSign>%s</StringToSign></Error>",
		secrets, secrets, secrets, secrets, secrets, signatureIn(r.Header), secrets)
}

func TestNoSecretInAnyErrorOrLogLine(t *testing.T) {
	var logs syncBuffer
	rec := &recorder{base: newTransport()}
	var outputs []string
	record := func(name string, err error) {
		require.Error(t, err, name)
		outputs = append(outputs, name+": "+fmt.Sprintf("%v | %+v | %s | %q | %#v", err, err, err, err, err))
	}
	client := func(f *fakeOSS) *wgor.Client {
		return &wgor.Client{
			HTTPClient:   &http.Client{Transport: rec},
			Credentials:  testCreds(),
			Region:       testRegion,
			RetryBackoff: time.Millisecond,
			Logger:       newLogger(&logs),
		}
	}
	write := func(name string, f *fakeOSS, c *wgor.Client, edit func(*wgor.Response)) {
		r := &wgor.Response{Route: f.srv.URL, Token: testToken, Status: 200, Body: strings.NewReader("body")}
		if edit != nil {
			edit(r)
		}
		_, err := c.Write(context.Background(), r)
		record(name, err)
	}
	f := newFakeOSS(t)

	// Refused before sending.
	for name, edit := range map[string]func(*wgor.Response){
		"token with CR LF":          func(r *wgor.Response) { r.Token = testToken + "\r\n" },
		"route with the token":      func(r *wgor.Response) { r.Route = "https://" + testToken + "@" + testRoute },
		"route with a query":        func(r *wgor.Response) { r.Route = testRoute + "/?x-oss-security-token=" + testSecurityToken },
		"header name with a secret": func(r *wgor.Response) { r.Header = http.Header{"Bad " + testToken: {"v"}} },
		"header value with LF":      func(r *wgor.Response) { r.ContentType = testToken + "\n" },
		"status":                    func(r *wgor.Response) { r.Status = 1000 },
		"length":                    func(r *wgor.Response) { r.ContentLength = 99 },
	} {
		write(name, f, client(f), edit)
	}
	c := client(f)
	c.Region = ""
	write("no region", f, c, func(r *wgor.Response) { r.Route = "http://" + testToken + ".example" })

	// Refused by the route, which echoes the secrets back.
	for _, html := range []bool{false, true} {
		f := newFakeOSS(t)
		f.respond = func(w http.ResponseWriter, r *http.Request, _ received) { echo(w, r, http.StatusForbidden, html) }
		write(fmt.Sprintf("echo html=%v", html), f, client(f), nil)
	}
	mismatch := mismatchServer(t, func(r *http.Request) { r.Header.Set("X-Oss-Request-Token", testToken+"-changed") }, testSecret)
	write("signature mismatch with the canonical request", mismatch, client(mismatch), nil)
	other := mismatchServer(t, func(*http.Request) {}, "SECRET-other")
	write("signature mismatch with another secret", other, client(other), nil)

	// Failures in transit.
	write("body too short", f, client(f), func(r *wgor.Response) {
		r.Body, r.ContentLength = io.LimitReader(&zeros{left: 1 << 20}, 10), 100
	})
	write("body too long", f, client(f), func(r *wgor.Response) { r.Body, r.ContentLength = &zeros{left: 1 << 20}, 100 })
	write("body read error", f, client(f), func(r *wgor.Response) { r.Body = io.MultiReader(strings.NewReader("x"), failing{}) })
	addr, _ := rawServer(t, func(c net.Conn) { c.Close() })
	write("connection closed", &fakeOSS{srv: f.srv}, client(f), func(r *wgor.Response) { r.Route = "http://" + addr })
	write("connection closed during TLS", f, client(f), func(r *wgor.Response) { r.Route = "https://" + addr })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := l.Addr().String()
	l.Close()
	write("dial refused and retried", f, client(f), func(r *wgor.Response) { r.Route = "http://" + closed })
	srv, stalled, release := stallingServer(t, 1<<16)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-stalled; cancel() }()
	_, err = client(f).Write(ctx, &wgor.Response{Route: srv.URL, Token: testToken, Status: 200, Body: &zeros{left: 1 << 30}, Chunked: true})
	record("canceled", err)
	release()

	// Events.
	for name, ev := range map[string]string{
		"event without route":   `{"getObjectContext":{"outputToken":"` + testToken + `"}}`,
		"event cut short":       `{"getObjectContext":{"outputToken":"` + testToken,
		"event with bad syntax": `{"getObjectContext":{"outputToken":"` + testToken + `" "x"}}`,
		"event with bad types":  `{"getObjectContext":{"outputToken":"` + testToken + `","outputRoute":["` + testToken + `"]}}`,
	} {
		_, err := fcrt.ParseEvent([]byte(ev))
		record(name, err)
	}

	secrets := append([]string{testToken, testSecret, testSecurityToken}, rec.signatures()...)
	require.Greater(t, len(secrets), 10, "signatures were recorded")
	for _, out := range outputs {
		assert.Empty(t, leaked(out, secrets...), out)
	}
	assert.Empty(t, leaked(logs.String(), secrets...), "log output")
	assert.Contains(t, logs.String(), "retrying", "the retry path was logged")
	t.Logf("%d error paths, %d log bytes, %d signatures checked", len(outputs), len(logs.String()), len(secrets)-3)
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// forms are the ways a secret may be printed.
func forms(secret string) []string {
	q := strconv.Quote(secret)
	j, _ := json.Marshal(secret)
	return []string{secret, q[1 : len(q)-1], string(j[1 : len(j)-1]), url.QueryEscape(secret), url.PathEscape(secret)}
}

// chainTexts prints err and everything it wraps, with each verb.
func chainTexts(err error) []string {
	var out []string
	var walk func(e error)
	walk = func(e error) {
		if e == nil {
			return
		}
		out = append(out, fmt.Sprintf("%v|%+v|%#v|%q|%s", e, e, e, e, e))
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, k := range u.Unwrap() {
				walk(k)
			}
		}
	}
	walk(err)
	return out
}

func TestNoSecretInAnyFormAnywhere(t *testing.T) {
	const token = "OSSV1#tab\there \"quoted\" <&> +/= *star"
	const sts = "STS token with spaces * and %"
	const secret = "SECRET-\"quote\"-\ttab"
	provider := creds.Static(creds.Credentials{AccessKeyID: testAKID, AccessKeySecret: secret, SecurityToken: sts})
	var logs syncBuffer
	var sigs []string
	var mu sync.Mutex
	echoAll := func(w http.ResponseWriter, r *http.Request, status int) {
		sig := signatureIn(r.Header)
		mu.Lock()
		sigs = append(sigs, sig)
		mu.Unlock()
		var all []string
		for _, s := range []string{token, sts, secret, sig} {
			all = append(all, forms(s)...)
		}
		text := strings.Join(all, " | ")
		w.Header().Set("X-Echo", text)
		w.Header().Set("X-Oss-Request-Id", "ID "+text)
		w.WriteHeader(status)
		if status >= 300 {
			var b strings.Builder
			xml.EscapeText(&b, []byte(text))
			fmt.Fprintf(w, "<Error><Code>AccessDenied</Code><Message>%s</Message><RequestId>%s</RequestId></Error>", b.String(), b.String())
		}
	}
	var outputs []string
	for _, status := range []int{200, 403, 502} {
		f := newFakeOSS(t)
		f.respond = func(w http.ResponseWriter, r *http.Request, _ received) { echoAll(w, r, status) }
		c := &wgor.Client{HTTPClient: &http.Client{Transport: newTransport()}, Credentials: provider, Region: testRegion, Logger: newLogger(&logs)}
		res, err := c.Write(context.Background(), &wgor.Response{Route: f.srv.URL, Token: token, Status: 200, Body: strings.NewReader("x")})
		if status == 200 {
			require.NoError(t, err)
			outputs = append(outputs, fmt.Sprintf("%v %+v %#v", res, res.Header, res.RequestID))
			continue
		}
		require.Error(t, err)
		var se *wgor.ServiceError
		require.ErrorAs(t, err, &se, "the refusal is still found after scrubbing")
		outputs = append(outputs, chainTexts(err)...)
		outputs = append(outputs, fmt.Sprintf("%#v", *se))
		newLogger(&logs).Error("write failed", "err", err)
	}
	// Refused before sending, with the token in a route, and cancelled.
	c := &wgor.Client{Credentials: provider}
	_, err := c.Write(context.Background(), &wgor.Response{Route: "http://" + url.PathEscape(token) + ".example", Token: token, Status: 200})
	require.ErrorIs(t, err, wgor.ErrInvalidResponse)
	outputs = append(outputs, chainTexts(err)...)

	mu.Lock()
	all := []string{token, sts, secret}
	all = append(all, sigs...)
	mu.Unlock()
	require.Len(t, all, 6)
	for _, s := range all {
		for _, form := range forms(s) {
			for _, out := range outputs {
				assert.NotContains(t, out, form)
			}
			assert.NotContains(t, logs.String(), form, "log records")
		}
	}
	// Unrelated text stays.
	assert.Contains(t, strings.Join(outputs, "\n"), "AccessDenied")
}

func TestNestedValuesLogWithoutSecrets(t *testing.T) {
	var b bytes.Buffer
	slog.New(slog.NewJSONHandler(&b, nil)).Info("x", "r", []wgor.Response{{Route: "r", Token: testToken, Status: 200}},
		"k", []sign.Credentials{{AccessKeyID: testAKID, AccessKeySecret: testSecret, SecurityToken: testSecurityToken}})
	for _, s := range []string{testToken, testSecret, testSecurityToken} {
		assert.NotContains(t, b.String(), s)
	}
}
