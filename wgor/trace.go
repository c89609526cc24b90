package wgor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http/httptrace"
	"sync/atomic"
	"time"
)

// trace records, through net/http/httptrace, how far one attempt got:
// the proof a retry needs that nothing was sent.
type trace struct {
	gotConn   atomic.Bool   // a connection was handed to the request
	tlsFailed atomic.Bool   // a TLS handshake for the request failed
	done      atomic.Bool   // WroteRequest fired (it may fire again on a retry inside net/http)
	written   chan struct{} // closed when net/http is done writing the request
	writeErr  error         // how writing ended; read after written is closed
	hooks     httptrace.ClientTrace
}

// context returns ctx with t's hooks. net/http writes nothing of a request
// before GotConn, so GotConn not firing proves that nothing was sent.
func (t *trace) context(ctx context.Context) context.Context {
	t.written = make(chan struct{})
	t.hooks.GotConn = func(httptrace.GotConnInfo) { t.gotConn.Store(true) }
	t.hooks.WroteRequest = func(info httptrace.WroteRequestInfo) {
		if t.done.CompareAndSwap(false, true) {
			t.writeErr = info.Err
			close(t.written)
		}
	}
	t.hooks.TLSHandshakeDone = func(_ tls.ConnectionState, err error) {
		if err != nil {
			t.tlsFailed.Store(true)
		}
	}
	return httptrace.WithClientTrace(ctx, &t.hooks)
}

// bodySent waits until net/http is done writing the request and reports
// how that ended. Should OSS have answered before the body was sent,
// net/http gives up on the connection 50ms after the response body is
// closed; Write then returns knowing that Body is no longer read. It waits
// a second at most, for a Body whose Read neither returns nor can be
// closed.
func (t *trace) bodySent(ctx context.Context) (bool, error) {
	if !t.gotConn.Load() {
		return true, nil // a RoundTripper other than net/http's reports no events
	}
	select {
	case <-t.written: // as a rule, long before OSS answers
		return true, t.writeErr
	default:
	}
	timer := time.NewTimer(time.Second)
	defer timer.Stop()
	select {
	case <-t.written:
		return true, t.writeErr
	case <-ctx.Done():
	case <-timer.C:
	}
	return false, nil
}

// retryable reports whether err, the failure of the traced attempt, proves
// that the request never left: see "Retries" on Client.
func (t *trace) retryable(err error) bool {
	if t.gotConn.Load() {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return !dnsErr.IsNotFound
	}
	if t.tlsFailed.Load() {
		return !permanentTLSError(err)
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// permanentTLSError reports whether a failed TLS handshake would fail again
// the same way: the server's certificate is not trusted, or the server does
// not speak TLS at all.
func permanentTLSError(err error) bool {
	var (
		verify    *tls.CertificateVerificationError
		unknown   x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		recordHdr tls.RecordHeaderError
	)
	return errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &recordHdr)
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

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
