package wgor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/sign"
)

// attempt is one sending of the request.
type attempt struct {
	n      int
	start  time.Time
	ctx    context.Context // ends with Client.HTTPClient.Timeout
	cancel context.CancelFunc
	req    *http.Request
	trace  *trace
	br     *bodyReader // nil for a body net/http reads itself
}

// send sends the signed request, and sends it again only when the attempt
// provably never left the machine and the body can be replayed (see
// "Retries" on Client). It returns OSS's response, whatever its status.
func (w *call) send(ctx context.Context) (*http.Response, *attempt, error) {
	hc := w.c.HTTPClient
	if hc == nil {
		hc = defaultHTTPClient()
	}
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
		w.log(ctx, slog.LevelDebug, "wgor: WriteGetObjectResponse failed", slog.Int("attempt", n),
			slog.Duration("duration", time.Since(a.start)), slog.String("error", err.Error()))
		if !a.trace.retryable(err) {
			return nil, nil, err
		}
		if n > maxRetries || !w.body.replayable() {
			return nil, nil, notSent(err)
		}
		delay := w.c.backoff(n)
		w.log(ctx, slog.LevelInfo, "wgor: retrying WriteGetObjectResponse: the request was never sent",
			slog.Int("attempt", n), slog.Duration("delay", delay), slog.String("error", err.Error()))
		if serr := sleep(ctx, delay); serr != nil {
			return nil, nil, notSent(fmt.Errorf("wgor: WriteGetObjectResponse to %s not sent: %w (while waiting to retry after: %w)",
				w.url.Host, serr, withoutPrefix{err}))
		}
		if err := w.body.rewind(); err != nil {
			return nil, nil, notSent(wrap(err, "wgor: WriteGetObjectResponse to %s not sent: rewind the body to retry", w.url.Host))
		}
	}
}

// newAttempt makes the request of attempt n: the signed request with the
// body from its start and a trace of how far it gets.
func (w *call) newAttempt(ctx context.Context, n int, timeout time.Duration) *attempt {
	a := &attempt{n: n, start: time.Now(), cancel: func() {}, trace: &trace{}}
	if timeout > 0 {
		ctx, a.cancel = context.WithTimeout(ctx, timeout)
	}
	a.ctx = ctx
	a.req = w.req.WithContext(a.trace.context(ctx)) // a copy
	a.req.Body, a.req.GetBody, a.br = w.body.reader(ctx)
	a.req.ContentLength = w.body.length
	return a
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
	if a.br != nil {
		where += fmt.Sprintf(" after %d body bytes", a.br.sent.Load())
	}
	if cerr := a.ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return w.clean(fmt.Errorf("%s: %w (%w)", where, cerr, withoutPrefix{err}))
	}
	return w.clean(wrap(err, "%s", where))
}

// answer reads OSS's answer: a Result for a 2xx that came after the whole
// body, a *ServiceError for anything else.
func (w *call) answer(ctx context.Context, resp *http.Response, a *attempt) (*Result, error) {
	defer a.cancel()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, w.refusal(ctx, resp, a)
	}
	resp.Body.Close() // not drained: a stalled 2xx body must not delay success
	sent, written, writeErr := w.finish(ctx, a)
	res := &Result{StatusCode: resp.StatusCode, Header: w.cleanHeader(resp.Header), BytesSent: sent, Attempts: a.n}
	res.RequestID = res.Header.Get(oss.HeaderRequestID)
	if !written || writeErr != nil {
		// OSS cannot have had the whole body: never report it as sent.
		err := fmt.Errorf("wgor: WriteGetObjectResponse to %s: OSS answered HTTP %d before the whole body was sent (request ID %s)",
			w.url.Host, resp.StatusCode, res.RequestID)
		if writeErr != nil {
			err = fmt.Errorf("%w: %w", err, withoutPrefix{writeErr})
		}
		return nil, w.clean(err)
	}
	if a.br == nil && w.c.Progress != nil { // a body net/http read itself, reported once
		p := Progress{Sent: sent, Total: sent}
		if w.body.spool != nil {
			p.Spooled = sent
		}
		w.c.Progress(p)
	}
	w.log(ctx, slog.LevelDebug, "wgor: WriteGetObjectResponse sent", slog.Int("attempt", a.n),
		slog.Int("http_status", resp.StatusCode), slog.String("request_id", res.RequestID),
		slog.Int64("bytes", sent), slog.Duration("duration", time.Since(a.start)))
	return res, nil
}

// refusal reads OSS's refusal into a *ServiceError.
func (w *call) refusal(ctx context.Context, resp *http.Response, a *attempt) *ServiceError {
	var data []byte
	var readErr error
	if resp.StatusCode >= 200 {
		// A 1xx that net/http returns (101 Switching Protocols) hands over
		// the raw connection, whose "body" may never end: it is closed unread.
		data, readErr = readBounded(a.ctx, resp.Body, maxErrorBody)
	}
	resp.Body.Close()
	sent, _, _ := w.finish(ctx, a)
	se, canonical := newServiceError(resp, data, readErr, w.scrubber())
	if se.Code == "SignatureDoesNotMatch" && (se.StringToSign != "" || canonical != "") {
		w.explain(se, canonical)
	}
	w.log(ctx, slog.LevelDebug, "wgor: WriteGetObjectResponse refused", slog.Int("attempt", a.n),
		slog.Int("http_status", resp.StatusCode), slog.String("code", se.Code), slog.String("request_id", se.RequestID),
		slog.Int64("bytes", sent), slog.Duration("duration", time.Since(a.start)))
	return se
}

// finish stops reading the body, which OSS may have answered before it was
// all sent, so that net/http stops sending it; waits until net/http is done
// writing the request; and returns the body bytes sent and how writing ended.
func (w *call) finish(ctx context.Context, a *attempt) (sent int64, written bool, writeErr error) {
	sent = w.body.length
	if a.br != nil {
		a.br.halt()
		w.body.orig.halt()
	}
	written, writeErr = a.trace.bodySent(ctx)
	if a.br != nil {
		sent = a.br.sent.Load()
	}
	return sent, written, writeErr
}

// explain signs the request again, as it was signed, to say where OSS's
// string to sign and canonical request differ from the local ones.
func (w *call) explain(se *ServiceError, canonical string) {
	o := w.signing
	o.Trace = &sign.Trace{}
	if sign.Sign(w.req.Clone(context.Background()), &o) != nil {
		return
	}
	explainMismatch(se, se.StringToSign, canonical, o.Trace.StringToSign, o.Trace.CanonicalRequest)
	se.Mismatch = w.scrubber().String(se.Mismatch)
}

// log records a message with the route's host, when the Client's Logger
// takes the level.
func (w *call) log(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	if l := w.c.Logger; l != nil && l.Enabled(ctx, level) {
		l.LogAttrs(ctx, level, msg, append([]slog.Attr{slog.String("route", w.scrubber().String(w.url.Host)),
			slog.Int("fwd_status", w.r.Status)}, attrs...)...)
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
