package fcrt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/wgor-dev/wgor/wgor"
)

// maxEvent bounds the event read: OSS's events are a few KiB.
const maxEvent = 1 << 20

// Options configure the runtime. The zero Options (or nil) are ready to use.
type Options struct {
	// Logger receives one record per invocation (request ID, status,
	// bytes, duration) and the runtime's own records; nil means
	// slog.Default(). No record holds a token, a secret or a signature.
	Logger *slog.Logger

	// HTTPClient sends WriteGetObjectResponse and reads the original
	// object; nil means shared HTTP/1.1 clients. Its Timeout, when set,
	// bounds each request.
	HTTPClient *http.Client

	// A body of unknown length (no Content-Length header set by the
	// handler) is spooled, SpoolMemory bytes in memory (zero: 4 MiB) and
	// the rest in a file in SpoolDir (empty: os.TempDir()), then sent with
	// its length, which OSS's API reference requires. Chunked streams it
	// chunked as it is written instead, which OSS does not document.
	SpoolDir    string
	SpoolMemory int64
	Chunked     bool

	// Timeout bounds an invocation when Function Compute announces no
	// deadline (a custom runtime sent neither x-fc-function-deadline nor
	// x-fc-function-timeout). Zero means no bound of the runtime's own:
	// the invocation then ends when Function Compute ends it, by closing
	// the connection of POST /invoke. An announced deadline always wins.
	Timeout time.Duration

	// ready, when set, is called when the runtime can take invocations,
	// perhaps more than once: Start registers its signals then.
	ready func()
}

// isReady calls o.ready.
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

// deadline is the deadline of an invocation starting now that announced
// none; zero for none.
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

// serve runs h for one invocation, whose context ctx already has the
// deadline, and sends exactly one WriteGetObjectResponse. It returns what
// was delivered, and an error when the invocation failed: the handler
// failed or panicked (the runtime then answered the caller itself, or cut
// the response short), or the response could not be delivered.
func serve(ctx context.Context, h Handler, inv *Invocation, o *Options) (outcome, error) {
	g := inv.Event.GetObjectContext
	c := &wgor.Client{HTTPClient: o.httpClient(), Credentials: inv.Credentials}
	if o != nil {
		c.SpoolDir, c.SpoolMemory, c.Chunked = o.SpoolDir, o.SpoolMemory, o.Chunked
	}
	if _, err := wgor.RegionFromRoute(g.OutputRoute); err != nil {
		c.Region = inv.Region // a route that names no region: a local emulator
	}
	inv.httpClient = o.httpClient()
	ctx = context.WithValue(ctx, invocationKey{}, inv)
	w := newWriter(ctx, c, inv)
	return w.finish(call(ctx, h, w, inv))
}

// PanicError is the error of a handler that panicked.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the goroutine's stack at the panic

	pcs []uintptr // the frames, for the runtime API's stackTrace
}

// Error describes the panic.
func (e *PanicError) Error() string { return fmt.Sprintf("fcrt: the handler panicked: %v", e.Value) }

// call runs the handler, turning a panic into a *PanicError.
func call(ctx context.Context, h Handler, w ResponseWriter, inv *Invocation) (err error) {
	defer func() {
		if v := recover(); v != nil {
			pcs := make([]uintptr, 32)
			pcs = pcs[:runtime.Callers(3, pcs)] // from the panic's frame down
			err = &PanicError{Value: v, Stack: debug.Stack(), pcs: pcs}
		}
	}()
	if h == nil {
		return errors.New("fcrt: the Handler is nil: pass your function's handler to NewCustomRuntime")
	}
	return h.ServeGetObject(ctx, w, inv)
}

// logInvocation writes the record of one invocation.
func logInvocation(log *slog.Logger, inv *Invocation, o outcome, err error, start time.Time) {
	attrs := []slog.Attr{
		slog.String("fc_request_id", inv.RequestID),
		slog.Int("status", o.status),
		slog.Int64("bytes", o.bytes),
		slog.String("duration", readable(time.Since(start))),
	}
	if o.requestID != "" {
		attrs = append(attrs, slog.String("oss_request_id", o.requestID))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
		if pe := (*PanicError)(nil); errors.As(err, &pe) {
			attrs = append(attrs, slog.String("stack", string(pe.Stack)))
		}
		log.LogAttrs(context.Background(), slog.LevelError, "fcrt: invocation failed", attrs...)
		return
	}
	log.LogAttrs(context.Background(), slog.LevelInfo, "fcrt: answered GetObject", attrs...)
}

// readable rounds a duration for a log: "1.234ms", "2.5s".
func readable(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}
