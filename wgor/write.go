package wgor

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/internal/redact"
	"github.com/wgor-dev/wgor/sign"
)

// Write sends r to its route with WriteGetObjectResponse: a POST signed with
// OSS Signature V4 whose UNSIGNED-PAYLOAD body is read from r.Body. A body
// of known length (see Response.ContentLength) is streamed with its
// Content-Length; one of unknown length is spooled first (see
// Client.SpoolDir), or streamed chunked (Client.Chunked, Response.Chunked).
//
// It returns a *ServiceError when OSS answers outside 2xx; an error
// wrapping ErrInvalidResponse when r cannot be sent; ErrBodyLength when the
// body's length does not match r.ContentLength; ctx.Err() when ctx ends
// first. Every error returned before a byte of the request left also wraps
// ErrNotSent: the outputToken is then still unused. A 2xx that OSS sends
// before it has the whole body is an error too.
//
// When ctx ends, Write returns promptly even if a Read of r.Body blocks:
// an *io.PipeReader is closed, and any other body but an in-memory reader
// or a regular file is read on one goroutine of Write's own, which a Read
// that neither returns nor can be closed keeps until it returns. Should
// that Read panic, Write cleans up and panics again with the same value on
// the caller's goroutine.
//
// Write goes through its stages once each: it checks r, builds the
// request, signs it, attaches the body (of known length, spooled, or
// chunked), sends it (again only when provably nothing was sent, see
// Client), and reads OSS's answer. No error, log record or Result holds
// the token, a secret or a signature, in any form. A nil *Client is a zero
// Client, which has no Credentials: Write refuses to send with it.
func (c *Client) Write(ctx context.Context, r *Response) (*Result, error) {
	if c == nil {
		c = &Client{}
	}
	if r == nil {
		return nil, invalid("nil Response")
	}
	w := &call{c: c, r: r}
	if !nilBody(r.Body) { // refused by check, and whose Close would panic
		w.body.closer, _ = r.Body.(io.Closer)
	}
	defer func() {
		if v := w.body.close(); v != nil {
			panic(v) // the body's Read panicked on the goroutine that reads it
		}
	}()
	if err := w.check(ctx); err != nil {
		return nil, redact.New(r.Token).Error(err)
	}
	w.build()
	if err := w.sign(ctx); err != nil {
		return nil, err
	}
	if err := w.attach(ctx); err != nil {
		return nil, w.scrub.Error(err) // the route's host is quoted too
	}
	resp, a, err := w.send(ctx)
	if err != nil {
		return nil, w.scrub.Error(err)
	}
	return w.answer(ctx, resp, a)
}

// call is one Write on its way through the stages.
type call struct {
	c         *Client
	r         *Response
	url       *url.URL
	region    string
	userAgent string
	req       http.Request // built, then signed; each attempt sends a copy
	signing   sign.Options // how it was signed, to explain a mismatch
	// scrub removes the secrets this Write holds (the token, the secret,
	// the security token and the signature) from text from outside: the
	// body's Read, the network, OSS.
	scrub *redact.Scrubber
	body  body
}

// check refuses, before anything is sent, a Client or a Response that
// cannot be sent, and a context that has already ended.
func (w *call) check(ctx context.Context) error {
	if ctx == nil {
		return invalid("nil Context: pass context.Background() or the invocation's context")
	}
	scheme := cmp.Or(w.c.Scheme, "https")
	if scheme != "http" && scheme != "https" {
		return invalid("Client.Scheme %s is not http or https", quote(scheme))
	}
	u, err := parseRoute(w.r.Route, scheme)
	if err != nil {
		return err
	}
	if err := w.r.check(); err != nil {
		return err
	}
	if w.region = w.c.Region; w.region == "" {
		if w.region, err = RegionFromRoute(u.Host); err != nil {
			return notSent(fmt.Errorf("%w: %w", ErrInvalidResponse, withoutPrefix{err}))
		}
	}
	if w.c.Credentials == nil {
		return invalid("Client.Credentials is nil: set it to the invocation's credentials (creds.FromFCHeaders), creds.Static, or the default chain (chain.Default() in package creds/chain)")
	}
	if w.userAgent = cmp.Or(w.c.UserAgent, DefaultUserAgent); !oss.ValidValue(w.userAgent) {
		return invalid("Client.UserAgent contains a control character")
	}
	w.url = u
	if err := ctx.Err(); err != nil {
		return notSent(wrap(err, "wgor: WriteGetObjectResponse to %s not sent, the outputToken is still unused", u.Host))
	}
	return nil
}

// build makes the request, without its body.
func (w *call) build() {
	w.req = http.Request{
		Method:     http.MethodPost,
		URL:        w.url,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     w.r.header(w.url.Host, w.userAgent),
		Host:       w.url.Host,
	}
}

// sign gets the credentials and signs the request with them; the scrubber
// then knows every secret this Write holds.
func (w *call) sign(ctx context.Context) error {
	cr, err := w.c.Credentials.Credentials(ctx)
	now := time.Now()
	if err == nil && cr.Expired(now, 0) {
		err = fmt.Errorf("the credentials expired at %s: use a provider that refreshes them (creds.NewCache)", cr.Expiration.UTC().Format(time.RFC3339))
	}
	if err != nil {
		return redact.New(w.r.Token).Error(notSent(wrap(err, "wgor: WriteGetObjectResponse to %s not sent: get credentials", w.url.Host)))
	}
	w.signing = sign.Options{Credentials: cr.Signing(), Region: w.region, Time: now, KeyCache: w.c.KeyCache}
	err = sign.Sign(&w.req, &w.signing)
	// The signature is the last field of OSS4-HMAC-SHA256's Authorization
	// (API reference, "Signature version 4").
	_, sig, _ := strings.Cut(w.req.Header.Get(sign.HeaderAuthorization), "Signature=")
	w.scrub = redact.New(w.r.Token, cr.AccessKeySecret, cr.SecurityToken, sig)
	if err != nil {
		return w.scrub.Error(notSent(wrap(err, "wgor: WriteGetObjectResponse to %s not sent", w.url.Host)))
	}
	return nil
}

// attach works out how the body is sent: with its length, declared or
// detected; spooled first to learn it; or chunked.
func (w *call) attach(ctx context.Context) error {
	if err := w.body.init(w.r, w.scrub, w.c.Progress); err != nil {
		return notSent(err)
	}
	if w.body.length >= 0 || w.c.Chunked || w.r.Chunked {
		return nil
	}
	s := &spool{
		budget: cmp.Or(w.c.SpoolBudget, DefaultSpoolBudget),
		limit:  max(cmp.Or(w.c.SpoolMemory, DefaultSpoolMemory), 0),
		dir:    cmp.Or(w.c.SpoolDir, os.TempDir()),
	}
	if err := w.body.fill(ctx, s); err != nil {
		return notSent(wrap(err, "wgor: WriteGetObjectResponse to %s not sent, the outputToken is still unused", w.url.Host))
	}
	return nil
}
