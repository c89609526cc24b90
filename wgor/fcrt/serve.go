package fcrt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/wgor-dev/wgor/sign"

	"github.com/wgor-dev/wgor/internal/redact"
	"github.com/wgor-dev/wgor/wgor"
)

// maxEvent bounds the event read: OSS's events are a few KiB.
const maxEvent = 1 << 20

// Options configure the runtime. The zero Options (or nil) are ready to use.
type Options struct {
	// Logger receives one record per invocation and the runtime's own;
	// nil means slog.Default(). No record holds a secret, a token or a
	// signature: handlers' errors and panic values are scrubbed of them.
	Logger *slog.Logger

	// HTTPClient sends WriteGetObjectResponse and reads the original
	// object; nil means shared HTTP/1.1 clients. Its Timeout, when set,
	// bounds each request.
	HTTPClient *http.Client

	// A body without Content-Length is spooled, SpoolMemory bytes in
	// memory (zero: 4 MiB) and the rest in SpoolDir (empty: os.TempDir()),
	// then sent with its length, as OSS's API reference requires. Chunked
	// streams it chunked instead, which OSS does not document.
	SpoolDir    string
	SpoolMemory int64
	Chunked     bool

	// Timeout bounds an invocation of a custom runtime that was announced
	// no deadline; zero means none but Function Compute's own.
	Timeout time.Duration

	// ready, when set, is called (perhaps more than once) when the runtime
	// can take invocations: Start registers its signals then.
	ready func()
}

func (o *Options) isReady() {
	if o != nil && o.ready != nil {
		o.ready()
	}
}

func (o *Options) logger() *slog.Logger {
	if o == nil || o.Logger == nil {
		return slog.Default()
	}
	return o.Logger
}

// deadline is that of an invocation announced none; zero for none.
func (o *Options) deadline() time.Time {
	if o == nil || o.Timeout <= 0 {
		return time.Time{}
	}
	return time.Now().Add(o.Timeout)
}

func (o *Options) httpClient() *http.Client {
	if o == nil || o.HTTPClient == nil {
		return defaultHTTPClient()
	}
	return o.HTTPClient
}

// defaultHTTPClient is shared, so that shutting down can close its idle connections.
var defaultHTTPClient = sync.OnceValue(wgor.NewHTTPClient)

// serve runs h for one invocation and sends exactly one
// WriteGetObjectResponse. It returns what was delivered and the
// invocation's failure, which holds none of its secrets.
func serve(ctx context.Context, h Handler, inv *Invocation, o *Options, keys *sign.KeyCache) (outcome, error) {
	g := inv.Event.GetObjectContext
	c := &wgor.Client{HTTPClient: o.httpClient(), Credentials: inv.Credentials, KeyCache: keys}
	if o != nil {
		c.SpoolDir, c.SpoolMemory, c.Chunked = o.SpoolDir, o.SpoolMemory, o.Chunked
	}
	if _, err := wgor.RegionFromRoute(g.OutputRoute); err != nil {
		c.Region = inv.Region // a route that names no region: a local emulator
	}
	inv.httpClient = o.httpClient()
	ctx = context.WithValue(ctx, invocationKey{}, inv)
	secrets := []string{g.OutputToken, g.InputOSSURL}
	if k, err := inv.Credentials.Credentials(ctx); err == nil {
		secrets = append(secrets, k.AccessKeySecret, k.SecurityToken)
	}
	w := newWriter(ctx, c, inv, redact.New(secrets...))
	res, err := w.finish(call(ctx, h, w, inv, w.scrub))
	return res, w.scrub.Error(err)
}

// PanicError is the error of a handler that panicked.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the goroutine's stack at the panic

	text string    // Value as text, scrubbed of the invocation's secrets
	pcs  []uintptr // the frames, for the runtime API's stackTrace
}

// Error describes the panic, without the invocation's secrets.
func (e *PanicError) Error() string {
	text := e.text
	if text == "" { // made by hand: still no signature
		text = redact.New().String(fmt.Sprint(e.Value))
	}
	return "fcrt: the handler panicked: " + text
}

// Format makes every fmt verb print Error, never Value as it is.
func (e *PanicError) Format(f fmt.State, verb rune) { redact.Format(f, verb, e.Error()) }

// handlerError is an error the handler returned.
type handlerError struct{ err error }

func (e *handlerError) Error() string { return "fcrt: the handler returned: " + e.err.Error() }
func (e *handlerError) Unwrap() error { return e.err }

// call runs the handler; its error and panic value pass scrub where they enter.
func call(ctx context.Context, h Handler, w ResponseWriter, inv *Invocation, scrub *redact.Scrubber) (err error) {
	defer func() {
		if v := recover(); v != nil {
			pcs := make([]uintptr, 32)
			pcs = pcs[:runtime.Callers(3, pcs)] // from the panic's frame down
			err = &PanicError{Value: v, Stack: debug.Stack(), pcs: pcs, text: scrub.String(fmt.Sprint(v))}
		}
	}()
	if h == nil {
		return errors.New("fcrt: the Handler is nil: pass your function's handler to NewCustomRuntime")
	}
	if err := h.ServeGetObject(ctx, w, inv); err != nil {
		return &handlerError{scrub.Error(err)}
	}
	return nil
}

// invoke runs the invocation inv under parent, with its deadline, unless
// err says it cannot run, and logs it. A failure's error is logged as a value
// under "error" beside "fc_request_id" (package wgortest reads it there).
func invoke(parent context.Context, h Handler, inv *Invocation, err error, o *Options, keys *sign.KeyCache) error {
	start := time.Now()
	var out outcome
	if err == nil {
		ctx, cancel := context.WithCancel(parent)
		if !inv.Deadline.IsZero() {
			ctx, cancel = context.WithDeadline(parent, inv.Deadline)
		}
		out, err = serve(ctx, h, inv, o, keys)
		cancel()
	}
	attrs := []slog.Attr{
		slog.String("fc_request_id", inv.RequestID),
		slog.Int("status", out.status),
		slog.Int64("written", out.written),
		slog.String("duration", time.Since(start).Round(time.Microsecond).String()),
	}
	if out.sent {
		attrs = append(attrs, slog.Int64("bytes", out.bytes), slog.String("oss_request_id", out.requestID))
	}
	if err == nil {
		o.logger().LogAttrs(context.Background(), slog.LevelInfo, "fcrt: answered GetObject", attrs...)
		return nil
	}
	attrs = append(attrs, slog.Any("error", err))
	if pe := (*PanicError)(nil); errors.As(err, &pe) {
		attrs = append(attrs, slog.String("stack", string(pe.Stack)))
	}
	o.logger().LogAttrs(context.Background(), slog.LevelError, "fcrt: invocation failed", attrs...)
	return err
}
