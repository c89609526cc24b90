package fcrt

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/wgor-dev/wgor/internal/redact"
	"github.com/wgor-dev/wgor/sign"
	"github.com/wgor-dev/wgor/wgor"
)

// ShutdownGrace is how long the runtime, asked to stop, waits for the
// invocations in flight before it cancels them.
const ShutdownGrace = 10 * time.Second

// shutdownGrace is ShutdownGrace, shortened by tests.
var shutdownGrace = ShutdownGrace

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
}

// defaultHTTPClient is shared, so that shutting down can close its idle connections.
var defaultHTTPClient = sync.OnceValue(wgor.NewHTTPClient)

// Start runs h as a Function Compute function and never returns: it is the
// one call in main. With FC_RUNTIME_API set (the built-in Go 1 runtime) it
// long-polls the Go runtime API (GET …/2020-11-11/runtime/invocation/next,
// POST …/<request-id>/response or …/error), each invocation with the
// deadline of x-fc-function-deadline; otherwise (a custom runtime) it
// serves NewCustomRuntime on FC_SERVER_HOST:FC_SERVER_PORT (all
// interfaces, port 9000, when unset). Invocations run concurrently.
//
// It logs JSON lines to standard error, as Function Compute's logs are
// JSON. On SIGTERM or SIGINT it takes no new invocation, gives those in
// flight ShutdownGrace to finish, then ends their context, and exits 0; it
// exits 1, after logging why, if it cannot run or a handler still runs a
// second after its context ended.
func Start(h Handler) {
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	r := newRunner(h, &Options{Logger: log})
	// Registered once the runtime can take invocations, not before:
	// os/signal's set-up is 1-3% of a cold start (go run ./internal/coldstart),
	// and a signal before that has nothing in flight to lose.
	r.ready = sync.OnceFunc(func() {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
		go func() {
			<-stop
			cancel()
		}()
	})
	if err := r.run(ctx); err != nil {
		log.Error("fcrt: cannot run the function", "error", err.Error())
		os.Exit(1)
	}
	os.Exit(0)
}

// Run is Start with options for a larger program or a test: it returns when
// ctx ends (after the invocations in flight) or when it cannot run.
func Run(ctx context.Context, h Handler, o *Options) error {
	return newRunner(h, o).run(ctx)
}

func (r *runner) run(ctx context.Context) error {
	if r.h == nil {
		return errors.New("fcrt: the Handler is nil: pass your function's handler")
	}
	if api := os.Getenv("FC_RUNTIME_API"); api != "" {
		if _, _, err := net.SplitHostPort(api); err != nil {
			return fmt.Errorf("fcrt: FC_RUNTIME_API %.64q is not host:port", api)
		}
		r.log().Info("fcrt: serving the Go runtime API", "runtime_api", api)
		return r.pollRuntimeAPI(ctx, api)
	}
	port := cmp.Or(os.Getenv("FC_SERVER_PORT"), "9000") // Function Compute, "Custom runtime"
	addr := net.JoinHostPort(os.Getenv("FC_SERVER_HOST"), port)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("fcrt: listen on %s (FC_SERVER_HOST, FC_SERVER_PORT): %w", addr, err)
	}
	r.isReady()
	return r.serveCustom(ctx, l)
}

// runner runs the invocations of h, whichever protocol brings them.
type runner struct {
	h       Handler
	o       Options
	keys    sign.KeyCache  // the runtime's, for every invocation's signature
	running sync.WaitGroup // the invocations in flight
	ready   func()         // when set, called once the runtime can take invocations
}

func newRunner(h Handler, o *Options) *runner {
	r := &runner{h: h}
	if o != nil {
		r.o = *o
	}
	if r.o.HTTPClient == nil {
		r.o.HTTPClient = defaultHTTPClient()
	}
	return r
}

func (r *runner) isReady() {
	if r.ready != nil {
		r.ready()
	}
}

func (r *runner) log() *slog.Logger { return cmp.Or(r.o.Logger, slog.Default()) }

// invoke runs the invocation inv under parent, with its deadline, unless
// err says it cannot run, and logs it. A failure's error is logged as a value
// under "error" beside "fc_request_id" (package wgortest reads it there).
func (r *runner) invoke(parent context.Context, inv *Invocation, err error) error {
	start := time.Now()
	w := &writer{}
	if err == nil {
		w, err = r.serve(parent, inv)
	}
	attrs := []slog.Attr{
		slog.String("fc_request_id", inv.RequestID),
		slog.Int("status", w.status),
		slog.Int64("written", w.written),
		slog.String("duration", time.Since(start).Round(time.Microsecond).String()),
	}
	if w.sent != nil {
		attrs = append(attrs, slog.Int64("bytes", w.sent.BytesSent), slog.String("oss_request_id", w.sent.RequestID))
	}
	if err == nil {
		r.log().LogAttrs(context.Background(), slog.LevelInfo, "fcrt: answered GetObject", attrs...)
		return nil
	}
	attrs = append(attrs, slog.Any("error", err))
	if pe := (*PanicError)(nil); errors.As(err, &pe) {
		attrs = append(attrs, slog.String("stack", string(pe.Stack)))
	}
	r.log().LogAttrs(context.Background(), slog.LevelError, "fcrt: invocation failed", attrs...)
	return err
}

// serve runs the handler for inv and sends exactly one
// WriteGetObjectResponse. It returns the writer, which holds what was
// delivered, and the invocation's failure, which holds none of its secrets.
func (r *runner) serve(parent context.Context, inv *Invocation) (*writer, error) {
	ctx, cancel := context.WithCancel(parent)
	if !inv.Deadline.IsZero() {
		ctx, cancel = context.WithDeadline(parent, inv.Deadline)
	}
	defer cancel()
	g := inv.Event.GetObjectContext
	c := &wgor.Client{HTTPClient: r.o.HTTPClient, Credentials: inv.Credentials, KeyCache: &r.keys,
		SpoolDir: r.o.SpoolDir, SpoolMemory: r.o.SpoolMemory, Chunked: r.o.Chunked}
	if _, err := wgor.RegionFromRoute(g.OutputRoute); err != nil {
		c.Region = inv.Region // a route that names no region: a local emulator
	}
	inv.httpClient = r.o.HTTPClient
	ctx = context.WithValue(ctx, invocationKey{}, inv)
	secrets := []string{g.OutputToken, g.InputOSSURL}
	if k, err := inv.Credentials.Credentials(ctx); err == nil {
		secrets = append(secrets, k.AccessKeySecret, k.SecurityToken)
	}
	w := &writer{ctx: ctx, c: c, inv: inv, scrub: redact.New(secrets...), header: make(http.Header), declare: -1}
	err := w.finish(w.call(ctx, r.h))
	return w, w.scrub.Error(err)
}

// call runs the handler; its error and panic value pass the scrubber where
// they enter.
func (w *writer) call(ctx context.Context, h Handler) (err error) {
	defer func() {
		if v := recover(); v != nil {
			pcs := make([]uintptr, 32)
			pcs = pcs[:runtime.Callers(3, pcs)] // from the panic's frame down
			err = &PanicError{Value: v, Stack: debug.Stack(), pcs: pcs, text: w.scrub.String(fmt.Sprint(v))}
		}
	}()
	if h == nil {
		return errors.New("fcrt: the Handler is nil: pass your function's handler to NewCustomRuntime")
	}
	if err := h.ServeGetObject(ctx, w, w.inv); err != nil {
		return &handlerError{w.scrub.Error(err)}
	}
	return nil
}

// stop waits up to grace for the invocations in flight, then calls cancel
// and waits one more second: a handler that ignores its context is
// reported, not awaited.
func (r *runner) stop(grace time.Duration, cancel func()) error {
	defer r.log().Info("fcrt: stopped")
	defer r.o.HTTPClient.CloseIdleConnections()
	done := make(chan struct{})
	go func() {
		r.running.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-time.After(grace):
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-time.After(time.Second):
		return errors.New("fcrt: stopped with handlers still running: a handler ignores the end of its context")
	}
}
