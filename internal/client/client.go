package client

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"sync"
	"time"

	"github.com/wgor-dev/wgor/creds"
)

// Version is the version of wgor, sent in the default User-Agent.
const Version = "0.1.0"

// DefaultUserAgent is the User-Agent wgor sends unless Client.UserAgent is
// set: "wgor/<version> (go<version>; <os>/<arch>)".
var DefaultUserAgent = "wgor/" + Version + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"

// Defaults of the retry policy.
const (
	DefaultMaxRetries   = 2
	DefaultRetryBackoff = 50 * time.Millisecond
)

// Client sends WriteGetObjectResponse requests. The zero Client is ready to
// use: it signs with the default credentials chain and sends over HTTPS with a shared
// HTTP/1.1 transport. A Client is safe for concurrent use and reuses
// connections; set its fields before its first use and leave them alone
// afterwards.
//
// # Retries
//
// The outputToken is single-use: once OSS has seen a request carrying it,
// sending it again can only fail or, worse, answer twice. So Write retries
// only when the request provably never left the machine, and the body can
// be sent again from its start:
//
//   - the failure is one of: a DNS error other than "no such host", a dial
//     error (connection refused, timed out, unreachable), or a TLS handshake
//     that failed for a reason other than the server's certificate (which
//     retrying cannot fix);
//   - and no connection was handed to the request (net/http/httptrace's
//     GotConn never fired), so not a byte of the request was written;
//   - and the body is empty, a *bytes.Reader, *strings.Reader,
//     *bytes.Buffer or a regular *os.File, which Write rewinds to where it
//     started.
//
// Any failure after a connection was obtained is never retried, nor is any
// response from OSS, whatever its status. Retries wait RetryBackoff, then
// twice that, and so on, and stop when ctx ends. net/http itself may also
// resend a request on a reused keep-alive connection that the server had
// closed, but only when it wrote nothing to it.
//
// Redirects are never followed: a redirect would carry the token to
// another host. A 3xx from the route is a *ServiceError.
type Client struct {
	// HTTPClient's Transport (nil: http.DefaultTransport) sends the
	// requests, and its Timeout, when set, bounds each attempt. Its
	// CheckRedirect and Jar are not used: redirects are never followed,
	// and OSS sets no cookies. Nil means a shared client whose transport
	// speaks HTTP/1.1 (the protocol's Content-Length or chunked body) and
	// keeps up to 64 idle connections per host.
	HTTPClient *http.Client

	// Credentials sign the requests. Nil means the default credentials chain
	// (see package wgor). They are
	// asked for on every attempt, so a provider that caches (all of those
	// in package creds do) serves fresh credentials without cost.
	Credentials creds.Provider

	// Region overrides the region derived from the route (see
	// RegionFromRoute); set it for a route that names none, such as a
	// local emulator.
	Region string

	// Scheme is "https" or "http", used for a route given as a bare host.
	// Empty means "https". A route with an explicit scheme keeps its own.
	Scheme string

	// UserAgent is sent as User-Agent; empty means DefaultUserAgent.
	UserAgent string

	// MaxRetries bounds the retries of an attempt that provably sent
	// nothing (see Retries above). Zero means DefaultMaxRetries (2);
	// negative means never retry.
	MaxRetries int

	// RetryBackoff is the wait before the first retry, doubled before each
	// next one. Zero means DefaultRetryBackoff (50ms).
	RetryBackoff time.Duration

	// Logger, when set, receives a Debug record for each attempt (route
	// host, statuses, OSS's request ID, body bytes sent, duration, attempt)
	// and an Info record for each retry. Records never hold the token, a
	// secret or a signature.
	Logger *slog.Logger
}

// Result is OSS's answer to a WriteGetObjectResponse it accepted.
type Result struct {
	RequestID  string // x-oss-request-id
	StatusCode int    // the HTTP status of OSS's response
	Header     http.Header

	BytesSent int64 // body bytes sent
	Attempts  int   // requests made: 1, or more after retries (see Client)
}

// DefaultCredentials returns the provider a Client with nil Credentials
// signs with. Package wgor sets it to the default credentials chain; a
// program that links only this package (a function built on wgor/fcrt,
// which passes each invocation's credentials) never links that chain, and a
// nil Credentials is then an error.
var DefaultCredentials func() creds.Provider

var defaultClient = sync.OnceValue(func() *Client { return &Client{} })

var defaultHTTPClient = sync.OnceValue(func() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	t.WriteBufferSize = 64 << 10 // whole TLS records for a streamed body
	t.ForceAttemptHTTP2 = false
	t.Protocols = new(http.Protocols)
	t.Protocols.SetHTTP1(true)
	return &http.Client{Transport: t}
})

// Write sends r to its route with WriteGetObjectResponse: a POST signed with
// OSS Signature V4 and an UNSIGNED-PAYLOAD body streamed from r.Body.
//
// It returns a *ServiceError when OSS answers outside 2xx, an error
// wrapping ErrInvalidResponse (and sends nothing) when r cannot be sent, an
// error wrapping ErrBodyLength when the body's length does not match
// r.ContentLength, and an error wrapping ctx.Err() when ctx ends first. A
// 2xx that OSS sends before it has the whole body is an error too: what
// reaches the GetObject caller then cannot be the whole response.
// When ctx ends, Write returns promptly even if a Read of r.Body is blocked;
// closing r.Body (see Response.Body) is what makes such a Read return, and
// a reader that neither returns nor can be closed keeps one goroutine of
// net/http waiting on it. No error, and no log record, ever holds the
// token, a secret or a signature. A nil *Client is the default client.
func (c *Client) Write(ctx context.Context, r *Response) (*Result, error) {
	if c == nil {
		c = defaultClient()
	}
	switch {
	case r == nil:
		return nil, invalid("nil Response")
	case ctx == nil:
		if c, ok := r.Body.(io.Closer); ok {
			c.Close()
		}
		return nil, invalid("nil Context: pass context.Background() or the invocation's context")
	}
	p, err := c.prepare(ctx, r)
	if err != nil {
		if c, ok := r.Body.(io.Closer); ok {
			c.Close()
		}
		return nil, redact(err, r.Token)
	}
	defer p.body.close()
	res, err := c.send(ctx, r, p)
	if err != nil {
		return nil, redact(err, r.Token)
	}
	return res, nil
}

// prepared is a Response checked and ready to send.
type prepared struct {
	route  route
	url    url.URL
	region string
	header http.Header
	body   body
}

func (c *Client) prepare(ctx context.Context, r *Response) (*prepared, error) {
	scheme := c.Scheme
	switch scheme {
	case "":
		scheme = "https"
	case "http", "https":
	default:
		return nil, invalid("Client.Scheme %q is not http or https", safeHost(scheme))
	}
	rt, err := parseRoute(r.Route, scheme)
	if err != nil {
		return nil, err
	}
	if err := checkResponse(r); err != nil {
		return nil, err
	}
	region := c.Region
	if region == "" {
		if region, err = RegionFromRoute(rt.host); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidResponse, err)
		}
	}
	p := &prepared{route: rt, region: region}
	if err := p.body.init(r); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("wgor: WriteGetObjectResponse to %s not sent: %w", rt.host, err)
	}
	ua := c.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	if badValue(ua) {
		return nil, invalid("Client.UserAgent contains a control character")
	}
	p.url = url.URL{Scheme: rt.scheme, Host: rt.host, Path: "/", RawQuery: writeQuery}
	p.header = buildHeader(r, rt, ua)
	return p, nil
}

func (c *Client) send(ctx context.Context, r *Response, p *prepared) (*Result, error) {
	provider := c.Credentials
	if provider == nil {
		if DefaultCredentials == nil {
			return nil, invalid("Client.Credentials is nil: set it (creds.Static, creds.FromFCHeaders), or import github.com/wgor-dev/wgor/wgor, whose Client uses the default credentials chain")
		}
		provider = DefaultCredentials()
	}
	hc := c.httpClient()
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	maxRetries := c.MaxRetries
	if maxRetries == 0 {
		maxRetries = DefaultMaxRetries
	}
	for attempt := 1; ; attempt++ {
		res, retry, err := c.attempt(ctx, rt, hc.Timeout, provider, r, p, attempt)
		if err == nil {
			return res, nil
		}
		if retry == nil || attempt > maxRetries || !p.body.replayable() {
			return nil, err
		}
		delay := c.backoff(attempt)
		if c.logs(ctx, slog.LevelInfo) {
			c.Logger.LogAttrs(ctx, slog.LevelInfo, "wgor: retrying WriteGetObjectResponse: the request was never sent",
				slog.String("route", p.route.host), slog.Int("attempt", attempt),
				slog.Duration("delay", delay), slog.String("error", retry.Error()))
		}
		if err := sleep(ctx, delay); err != nil {
			return nil, fmt.Errorf("wgor: WriteGetObjectResponse to %s not sent: %w (while waiting to retry after: %w)", p.route.host, err, retry)
		}
		if err := p.body.rewind(); err != nil {
			return nil, fmt.Errorf("wgor: WriteGetObjectResponse to %s: rewind the body to retry: %w", p.route.host, err)
		}
	}
}

func (c *Client) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return defaultHTTPClient()
}
