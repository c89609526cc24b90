package wgor

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/wgor-dev/wgor/sign"
)

// attempt is one sending of the request, and what net/http/httptrace
// reports of how far it got.
type attempt struct {
	n         int
	start     time.Time
	ctx       context.Context // ends with Client.HTTPClient.Timeout
	cancel    context.CancelFunc
	req       *http.Request
	gotConn   atomic.Bool // a connection was handed to the request
	tlsFailed atomic.Bool // a TLS handshake for the request failed
	// wrote holds how the last writing of the request ended (net/http
	// writes it again when it retries on a reused connection that proved
	// to have written nothing).
	wrote chan error
	trace httptrace.ClientTrace
}

// send sends the signed request, and sends it again only when the attempt
// provably never left the machine and the body can be replayed (see
// "Retries" on Client). It returns OSS's response, whatever its status.
func (w *call) send(ctx context.Context) (*http.Response, *attempt, error) {
	hc := cmp.Or(w.c.HTTPClient, defaultHTTPClient())
	rt := cmp.Or[http.RoundTripper](hc.Transport, http.DefaultTransport)
	maxRetries := cmp.Or(w.c.MaxRetries, DefaultMaxRetries)
	for n := 1; ; n++ {
		a := w.newAttempt(ctx, n, hc.Timeout)
		resp, err := rt.RoundTrip(a.req)
		if err == nil {
			return resp, a, nil
		}
		a.cancel()
		err = w.transportError(a, err)
		w.log(ctx, a, slog.LevelDebug, "wgor: WriteGetObjectResponse failed", slog.String("error", err.Error()))
		if !a.retryable(err) {
			// No connection: not a byte left; but a Transport that reports
			// no connections may have read the body.
			if !a.gotConn.Load() && w.body.sent.Load() == 0 {
				err = notSent(err)
			}
			return nil, nil, err
		}
		if n > maxRetries || !w.body.replayable() {
			return nil, nil, notSent(err)
		}
		delay := w.c.backoff(n)
		w.log(ctx, a, slog.LevelInfo, "wgor: retrying WriteGetObjectResponse: the request was never sent",
			slog.Duration("delay", delay), slog.String("error", err.Error()))
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, nil, notSent(fmt.Errorf("wgor: WriteGetObjectResponse to %s not sent: %w (while waiting to retry after: %w)",
				w.url.Host, ctx.Err(), withoutPrefix{err}))
		}
		if err := w.body.rewind(); err != nil {
			return nil, nil, notSent(wrap(err, "wgor: WriteGetObjectResponse to %s not sent: rewind the body to retry", w.url.Host))
		}
	}
}

// newAttempt makes the request of attempt n: a copy of the signed request,
// traced, with the body from its start.
func (w *call) newAttempt(ctx context.Context, n int, timeout time.Duration) *attempt {
	a := &attempt{n: n, start: time.Now(), cancel: func() {}, wrote: make(chan error, 1)}
	if timeout > 0 {
		ctx, a.cancel = context.WithTimeout(ctx, timeout)
	}
	a.ctx = ctx
	a.trace = httptrace.ClientTrace{
		// net/http writes nothing of a request before GotConn.
		GotConn: func(httptrace.GotConnInfo) { a.gotConn.Store(true) },
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			if err != nil {
				a.tlsFailed.Store(true)
			}
		},
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			select {
			case <-a.wrote: // an earlier writing, which net/http retried
			default:
			}
			a.wrote <- info.Err
		},
	}
	a.req = w.req.WithContext(httptrace.WithClientTrace(ctx, &a.trace))
	a.req.Body, a.req.GetBody = w.body.reader(ctx)
	a.req.ContentLength = w.body.length
	return a
}

// retryable reports whether err, the failure of a, proves that the request
// never left: see "Retries" on Client.
func (a *attempt) retryable(err error) bool {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case a.gotConn.Load(), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.As(err, &dnsErr):
		return !dnsErr.IsNotFound
	case a.tlsFailed.Load():
		// Retrying cannot make the server's certificate trusted, nor the
		// server speak TLS.
		var verify *tls.CertificateVerificationError
		var unknown x509.UnknownAuthorityError
		var hostname x509.HostnameError
		var invalid x509.CertificateInvalidError
		var recordHdr tls.RecordHeaderError
		return !errors.As(err, &verify) && !errors.As(err, &unknown) && !errors.As(err, &hostname) &&
			!errors.As(err, &invalid) && !errors.As(err, &recordHdr)
	}
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// maxBackoff caps the wait between two attempts.
const maxBackoff = 10 * time.Second

// backoff is the wait after the given failed attempt: RetryBackoff doubled
// for each attempt before, at most maxBackoff.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.RetryBackoff
	if d <= 0 {
		d = DefaultRetryBackoff
	}
	for i := 1; i < attempt && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// transportError rewords an error from net/http, whose text may come from
// outside (a proxy, a server): scrubbed, without the URL it repeats, and
// wrapping ctx.Err() when the attempt's context ended.
func (w *call) transportError(a *attempt, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	where := "wgor: WriteGetObjectResponse to " + w.url.Host + " failed"
	if w.body.counted() {
		where += fmt.Sprintf(" after %d body bytes", w.body.sent.Load())
	}
	if cerr := a.ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return w.scrub.Error(fmt.Errorf("%s: %w (%w)", where, cerr, withoutPrefix{err}))
	}
	return w.scrub.Error(wrap(err, "%s", where))
}

// answer reads OSS's answer: a Result for a 2xx that came after the whole
// body, a *ServiceError for anything else.
func (w *call) answer(ctx context.Context, resp *http.Response, a *attempt) (*Result, error) {
	defer a.cancel()
	ok := resp.StatusCode >= 200 && resp.StatusCode <= 299
	var data []byte
	var readErr error
	if !ok && resp.StatusCode >= 200 {
		// A 2xx's body is not read (a stalled one must not delay success),
		// nor a 1xx's, which is the raw connection and may never end.
		data, readErr = readBounded(a.ctx, resp.Body, maxErrorBody)
	}
	resp.Body.Close()
	w.body.halt() // OSS may have answered before it had the whole body: stop sending it
	written, writeErr := a.bodySent(ctx)
	sent := w.body.length
	if w.body.counted() {
		sent = w.body.sent.Load()
	}
	if !ok {
		se := w.refusal(resp, data, readErr)
		w.log(ctx, a, slog.LevelDebug, "wgor: WriteGetObjectResponse refused", slog.Int("http_status", resp.StatusCode),
			slog.String("code", se.Code), slog.String("request_id", se.RequestID), slog.Int64("bytes", sent))
		return nil, se
	}
	res := &Result{StatusCode: resp.StatusCode, Header: w.scrub.Header(resp.Header), BytesSent: sent, Attempts: a.n}
	res.RequestID = res.Header.Get(keyRequestID)
	if !written || writeErr != nil || w.body.counted() && sent < w.body.length {
		// OSS cannot have had the whole body: never report it as sent
		// (a Transport that reports no events may not have read it all).
		err := fmt.Errorf("wgor: WriteGetObjectResponse to %s: OSS answered HTTP %d before the whole body was sent (request ID %s)",
			w.url.Host, resp.StatusCode, res.RequestID)
		if writeErr != nil {
			err = fmt.Errorf("%w: %w", err, withoutPrefix{writeErr})
		}
		return nil, w.scrub.Error(err)
	}
	if !w.body.counted() && w.c.Progress != nil { // a body net/http read itself, reported once
		w.c.Progress(Progress{Spooled: w.body.spooled, Sent: sent, Total: sent})
	}
	w.log(ctx, a, slog.LevelDebug, "wgor: WriteGetObjectResponse sent", slog.Int("http_status", resp.StatusCode),
		slog.String("request_id", res.RequestID), slog.Int64("bytes", sent))
	return res, nil
}

// refusal reads OSS's refusal into a *ServiceError. For a
// SignatureDoesNotMatch the request is signed again as it was, to compare
// the strings to sign.
func (w *call) refusal(resp *http.Response, data []byte, readErr error) *ServiceError {
	se, canonical := newServiceError(resp, data, readErr, w.scrub)
	if se.Code == "SignatureDoesNotMatch" && (se.StringToSign != "" || canonical != "") {
		o := w.signing
		o.Trace = &sign.Trace{}
		if sign.Sign(w.req.Clone(context.Background()), &o) == nil {
			se.explain(canonical, o.Trace.StringToSign, o.Trace.CanonicalRequest)
			se.Mismatch = w.scrub.String(se.Mismatch)
		}
	}
	return se
}

// bodySent waits until net/http is done writing the request and reports
// how that ended. Should OSS have answered before the body was sent,
// net/http gives up on the connection 50ms after the response body is
// closed; it waits a second at most, for a Body whose Read neither returns
// nor can be closed.
func (a *attempt) bodySent(ctx context.Context) (bool, error) {
	if !a.gotConn.Load() {
		return true, nil // a RoundTripper other than net/http's reports no events
	}
	select {
	case err := <-a.wrote: // as a rule, long before OSS answers
		return true, err
	default:
	}
	timer := time.NewTimer(time.Second)
	defer timer.Stop()
	select {
	case err := <-a.wrote:
		return true, err
	case <-ctx.Done():
	case <-timer.C:
	}
	return false, nil
}

// log records a message about attempt a, when the Client's Logger takes
// the level.
func (w *call) log(ctx context.Context, a *attempt, level slog.Level, msg string, attrs ...slog.Attr) {
	if l := w.c.Logger; l != nil && l.Enabled(ctx, level) {
		l.LogAttrs(ctx, level, msg, append([]slog.Attr{slog.String("route", w.scrub.String(w.url.Host)),
			slog.Int("fwd_status", w.r.Status), slog.Int("attempt", a.n), slog.Duration("duration", time.Since(a.start))}, attrs...)...)
	}
}

// errorBodyWait bounds the time an error body may take to arrive once its
// headers have: a route that stalls it must not hold Write, deadline or not.
const errorBodyWait = 2 * time.Second

var errTooLong = errors.New("longer than wgor reads")

// readBounded reads up to limit bytes of a response body, for at most
// errorBodyWait, and stops when ctx ends even if the body's Read does not.
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
