package wgor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/sign"
)

// attempt sends the request once. When it fails in a way that may be
// retried, retry is the cause.
func (c *Client) attempt(ctx context.Context, rt http.RoundTripper, timeout time.Duration, provider creds.Provider, r *Response, p *prepared, n int) (res *Result, retry, err error) {
	start := time.Now()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cr, err := provider.Credentials(ctx)
	if err != nil {
		return nil, nil, notSent(wrapf(err, "wgor: WriteGetObjectResponse to %s not sent: get credentials", p.route.host))
	}
	header := p.header
	if n > 1 {
		header = header.Clone()
		for k := range header {
			if k == sign.HeaderAuthorization || k == sign.HeaderDate || k == sign.HeaderOSSDate ||
				k == sign.HeaderSecurityToken || k == sign.HeaderContentSHA256 {
				delete(header, k)
			}
		}
	}
	tr := &attemptTrace{}
	reqBody, getBody, counter := p.body.attempt()
	base := http.Request{
		Method:        http.MethodPost,
		URL:           &p.url,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          reqBody,
		GetBody:       getBody,
		ContentLength: p.body.length,
		Host:          p.route.host,
	}
	req := base.WithContext(tr.context(ctx))
	if counter != nil {
		counter.ctx = ctx
	}
	opts := sign.Options{
		Credentials: cr.Signing(),
		Region:      p.region,
		Time:        start,
	}
	secrets := newScrubber(r.Token, cr.AccessKeySecret, cr.SecurityToken)
	if err := sign.Sign(req, &opts); err != nil {
		return nil, nil, secrets.chain(wrapf(err, "wgor: WriteGetObjectResponse to %s not sent", p.route.host))
	}
	secrets.add(signatureOf(req.Header))

	resp, err := rt.RoundTrip(req)
	// Bytes sent are counted for streamed bodies only; an in-memory body
	// counts as sent whole once OSS answers.
	sent := int64(-1)
	if counter != nil {
		sent = counter.sent.Load()
	}
	if err != nil {
		err = secrets.chain(c.transportError(ctx, p, err, sent))
		if tr.retryable(err) {
			retry = err
		}
		if c.logs(ctx, slog.LevelDebug) {
			c.Logger.LogAttrs(ctx, slog.LevelDebug, "wgor: WriteGetObjectResponse failed",
				slog.String("route", secrets.str(p.route.host)), slog.Int("attempt", n),
				slog.Int64("bytes", sent), slog.Duration("duration", time.Since(start)),
				slog.String("error", err.Error()))
		}
		return nil, retry, err
	}
	if sent < 0 {
		sent = max(p.body.length, 0)
	}
	refused := resp.StatusCode < 200 || resp.StatusCode > 299
	var data []byte
	var readErr error
	switch {
	case resp.StatusCode < 200:
		// A 1xx that net/http returns (101 Switching Protocols) hands
		// over the raw connection: its "body" may never end. OSS never
		// answers so; close it unread.
	case refused:
		data, readErr = readBounded(ctx, resp.Body, maxErrorBody)
	}
	// A 2xx body is not drained: a stalled one must not delay success.
	// Closing it unread only costs the connection's reuse.
	resp.Body.Close()
	if counter != nil && !tr.finished() {
		// OSS answered while the body is still being sent: stop reading it,
		// so that net/http stops sending.
		counter.halt()
		p.body.halt()
	}
	written, writeErr := tr.bodySent(ctx)
	if counter != nil {
		sent = counter.sent.Load()
	}

	if refused {
		se, eb := newServiceError(resp.StatusCode, resp.Header, data, readErr, secrets)
		if se.Code == "SignatureDoesNotMatch" && (eb.stringToSign != "" || eb.canonicalRequest != "") {
			explain(se, eb, req, &opts, secrets)
		}
		if c.logs(ctx, slog.LevelDebug) {
			c.Logger.LogAttrs(ctx, slog.LevelDebug, "wgor: WriteGetObjectResponse refused",
				slog.String("route", secrets.str(p.route.host)), slog.Int("fwd_status", r.Status),
				slog.Int("http_status", resp.StatusCode), slog.String("code", se.Code),
				slog.String("request_id", se.RequestID), slog.Int64("bytes", sent),
				slog.Duration("duration", time.Since(start)), slog.Int("attempt", n))
		}
		return nil, nil, se
	}
	respHeader := secrets.header(resp.Header) // a hostile route may echo a secret
	requestID := oneLine(respHeader.Get(headerRequestID))
	if !written || writeErr != nil {
		// OSS cannot have had the whole body: never report it as sent.
		msg := fmt.Sprintf("wgor: WriteGetObjectResponse to %s: OSS answered HTTP %d before the whole body was sent (request ID %s)",
			secrets.str(p.route.host), resp.StatusCode, requestID)
		var err error = &joined{msg: msg}
		if writeErr != nil {
			err = wrapf(writeErr, "%s", msg)
		}
		return nil, nil, secrets.chain(err)
	}
	if p.body.inMemory && c.Progress != nil {
		var spooled int64
		if p.body.spool != nil {
			spooled = sent
		}
		c.Progress(Progress{Spooled: spooled, Sent: sent, Total: sent})
	}
	res = &Result{
		RequestID:  requestID,
		StatusCode: resp.StatusCode,
		Header:     respHeader,
		BytesSent:  sent,
		Attempts:   n,
	}
	if c.logs(ctx, slog.LevelDebug) {
		c.Logger.LogAttrs(ctx, slog.LevelDebug, "wgor: WriteGetObjectResponse sent",
			slog.String("route", secrets.str(p.route.host)), slog.Int("fwd_status", r.Status),
			slog.Int("http_status", resp.StatusCode), slog.String("request_id", res.RequestID),
			slog.Int64("bytes", sent), slog.Duration("duration", time.Since(start)), slog.Int("attempt", n))
	}
	return res, nil, nil
}

// errorBodyWait bounds the time an error body may take to arrive once its
// headers have: a route that stalls it must not hold Write, deadline or not.
const errorBodyWait = 2 * time.Second

// readBounded reads up to limit bytes of a response body, for at most
// errorBodyWait, and stops when ctx ends even if the body's Read does not
// (a RoundTripper that does not tie the body to the request's context, a
// hijacked connection).
func readBounded(ctx context.Context, body io.ReadCloser, limit int64) ([]byte, error) {
	stop := context.AfterFunc(ctx, func() { body.Close() })
	defer stop()
	var stalled atomic.Bool
	timer := time.AfterFunc(errorBodyWait, func() { stalled.Store(true); body.Close() })
	defer timer.Stop()
	data, err := io.ReadAll(io.LimitReader(body, limit))
	if err != nil && stalled.Load() {
		err = fmt.Errorf("the rest did not arrive within %v", errorBodyWait)
	}
	if err == nil && int64(len(data)) == limit {
		err = errTooLong
	}
	return data, err
}

var errTooLong = errors.New("longer than wgor reads")

// transportError rewords an error from net/http: without the URL, which
// it repeats, and wrapping ctx.Err() when ctx ended.
func (c *Client) transportError(ctx context.Context, p *prepared, err error, sent int64) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	where := "wgor: WriteGetObjectResponse to " + p.route.host + " failed"
	if sent >= 0 {
		where += fmt.Sprintf(" after %d body bytes", sent)
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return &joined{msg: fmt.Sprintf("%s: %s (%s)", where, cerr, trimPrefix(err.Error())), errs: []error{cerr, err}}
	}
	return wrapf(err, "%s", where)
}

// logs reports whether a record at level would be logged.
func (c *Client) logs(ctx context.Context, level slog.Level) bool {
	return c.Logger != nil && c.Logger.Enabled(ctx, level)
}

// signatureOf returns the signature in an Authorization header, to be
// removed from anything that echoes it.
func signatureOf(h http.Header) string {
	const key = "Signature=" // the header's last field (sign.Sign)
	auth := h.Get(sign.HeaderAuthorization)
	if i := strings.LastIndexByte(auth, '='); i >= len(key)-1 && auth[i+1-len(key):i+1] == key {
		return auth[i+1:]
	}
	return ""
}

// explain signs the request again, as it was signed, to compare the local
// string to sign (and canonical request) with OSS's.
func explain(se *ServiceError, eb errorBody, req *http.Request, opts *sign.Options, s *scrubber) {
	clone := req.Clone(context.Background())
	o := *opts
	o.Trace = &sign.Trace{}
	if err := sign.Sign(clone, &o); err != nil {
		return
	}
	se.LocalStringToSign = o.Trace.StringToSign
	var m string
	switch {
	case eb.stringToSign != "":
		m = mismatch(eb.stringToSign, o.Trace.StringToSign, eb.canonicalRequest, o.Trace.CanonicalRequest)
	case eb.canonicalRequest != "":
		if m = canonicalMismatch(eb.canonicalRequest, o.Trace.CanonicalRequest); m == "" {
			m = "the canonical requests are equal"
		}
	}
	se.Mismatch = s.str(m)
}
