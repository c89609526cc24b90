package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
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
		return nil, nil, fmt.Errorf("wgor: WriteGetObjectResponse to %s not sent: get credentials: %w", p.route.host, err)
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
	opts := sign.Options{
		Credentials: cr.Signing(),
		Region:      p.region,
		Time:        start,
	}
	if err := sign.Sign(req, &opts); err != nil {
		return nil, nil, redact(fmt.Errorf("wgor: WriteGetObjectResponse to %s not sent: %w", p.route.host, err),
			cr.AccessKeySecret, cr.SecurityToken)
	}

	resp, err := do(ctx, rt, req, p.body.mayBlock)
	// Bytes sent are counted for streamed bodies only; an in-memory body
	// counts as sent whole once OSS answers.
	sent := int64(-1)
	if counter != nil {
		sent = counter.sent.Load()
	}
	if err != nil {
		err = redact(c.transportError(ctx, p, err, sent), r.Token, cr.AccessKeySecret, cr.SecurityToken, signatureOf(req.Header))
		if tr.retryable(err) {
			retry = err
		}
		if c.logs(ctx, slog.LevelDebug) {
			c.Logger.LogAttrs(ctx, slog.LevelDebug, "wgor: WriteGetObjectResponse failed",
				slog.String("route", p.route.host), slog.Int("attempt", n),
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
	if refused {
		data, _ = io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	} else if resp.ContentLength != 0 {
		// Drain a little so that the connection can be reused.
		io.CopyN(io.Discard, resp.Body, maxErrorBody)
	}
	resp.Body.Close()
	if p.body.mayBlock && !tr.finished() {
		// OSS answered while the body is still being read: close it
		// (Write would anyway) to stop a Read that may block.
		p.body.close()
	}
	written, writeErr := tr.bodySent(ctx)
	if counter != nil {
		sent = counter.sent.Load()
	}

	if refused {
		secrets := []string{r.Token, cr.AccessKeySecret, cr.SecurityToken, signatureOf(req.Header)}
		se, eb := newServiceError(resp.StatusCode, resp.Header, data, secrets)
		if se.Code == "SignatureDoesNotMatch" && (eb.stringToSign != "" || eb.canonicalRequest != "") {
			explain(se, eb, req, &opts, scrubber(secrets))
		}
		if c.logs(ctx, slog.LevelDebug) {
			c.Logger.LogAttrs(ctx, slog.LevelDebug, "wgor: WriteGetObjectResponse refused",
				slog.String("route", p.route.host), slog.Int("fwd_status", r.Status),
				slog.Int("http_status", resp.StatusCode), slog.String("code", se.Code),
				slog.String("request_id", se.RequestID), slog.Int64("bytes", sent),
				slog.Duration("duration", time.Since(start)), slog.Int("attempt", n))
		}
		return nil, nil, se
	}
	if !written || writeErr != nil {
		// OSS cannot have had the whole body: never report it as sent.
		err := fmt.Errorf("wgor: WriteGetObjectResponse to %s: OSS answered HTTP %d before the whole body was sent (request ID %s)",
			p.route.host, resp.StatusCode, resp.Header.Get(headerRequestID))
		if writeErr != nil {
			err = fmt.Errorf("%w: %w", err, writeErr)
		}
		return nil, nil, redact(err, r.Token, cr.AccessKeySecret, cr.SecurityToken, signatureOf(req.Header))
	}
	res = &Result{
		RequestID:  resp.Header.Get(headerRequestID),
		StatusCode: resp.StatusCode,
		Header:     resp.Header,
		BytesSent:  sent,
		Attempts:   n,
	}
	if c.logs(ctx, slog.LevelDebug) {
		c.Logger.LogAttrs(ctx, slog.LevelDebug, "wgor: WriteGetObjectResponse sent",
			slog.String("route", p.route.host), slog.Int("fwd_status", r.Status),
			slog.Int("http_status", resp.StatusCode), slog.String("request_id", res.RequestID),
			slog.Int64("bytes", sent), slog.Duration("duration", time.Since(start)), slog.Int("attempt", n))
	}
	return res, nil, nil
}

// do runs the round trip. When a Read of the body may block, it runs it on
// another goroutine, so that Write returns when ctx ends even if net/http
// is stuck waiting for such a Read to return.
func do(ctx context.Context, rt http.RoundTripper, req *http.Request, mayBlock bool) (*http.Response, error) {
	if !mayBlock {
		return rt.RoundTrip(req)
	}
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result)
	abandoned := make(chan struct{})
	go func() {
		resp, err := rt.RoundTrip(req)
		select {
		case done <- result{resp, err}:
		case <-abandoned:
			if resp != nil {
				resp.Body.Close()
			}
		}
	}()
	select {
	case res := <-done:
		return res.resp, res.err
	case <-ctx.Done():
		select {
		case res := <-done:
			return res.resp, res.err
		default:
			close(abandoned)
			return nil, ctx.Err()
		}
	}
}

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
		return fmt.Errorf("%s: %w (%w)", where, cerr, err)
	}
	return fmt.Errorf("%s: %w", where, err)
}

// logs reports whether a record at level would be logged.
func (c *Client) logs(ctx context.Context, level slog.Level) bool {
	return c.Logger != nil && c.Logger.Enabled(ctx, level)
}

// signatureOf returns the signature in an Authorization header, to be
// removed from anything that echoes it.
func signatureOf(h http.Header) string {
	const key = "Signature="
	auth := h.Get(sign.HeaderAuthorization)
	for i := 0; i+len(key) <= len(auth); i++ {
		if auth[i:i+len(key)] == key {
			return auth[i+len(key):]
		}
	}
	return ""
}

// explain signs the request again, as it was signed, to compare the local
// string to sign (and canonical request) with OSS's.
func explain(se *ServiceError, eb errorBody, req *http.Request, opts *sign.Options, s scrubber) {
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
