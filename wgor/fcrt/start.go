package fcrt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// ShutdownGrace is how long the runtime, asked to stop, waits for the
// invocations in flight before it cancels them.
const ShutdownGrace = 10 * time.Second

// shutdownGrace is ShutdownGrace, shortened by tests.
var shutdownGrace = ShutdownGrace

// Start runs h as a Function Compute function and never returns: it is the
// one call in main. With FC_RUNTIME_API set (the built-in Go 1 runtime) it
// long-polls the Go runtime API (GET …/2020-11-11/runtime/invocation/next,
// POST …/<request-id>/response or …/error), each invocation with the
// deadline of x-fc-function-deadline; otherwise (a custom runtime) it
// serves NewCustomRuntime on FC_SERVER_HOST:FC_SERVER_PORT (all
// interfaces, port 9000, when unset). Invocations run concurrently.
//
// It logs JSON lines to standard error, as Function Compute's logs are
// JSON. On SIGTERM or SIGINT it lets the invocations in flight finish and
// exits 0; it exits 1, after logging why, if it cannot run.
func Start(h Handler) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	stop := make(chan os.Signal, 1)
	// Registered once the runtime can take invocations, not before:
	// os/signal's set-up is about 3% of a cold start (go run
	// ./internal/coldstart), and a signal before that has nothing in flight
	// to lose.
	err := Run(ctx, h, &Options{Logger: log, ready: sync.OnceFunc(func() {
		signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
		go func() {
			<-stop
			cancel()
		}()
	})})
	signal.Stop(stop)
	if err != nil {
		log.Error("fcrt: cannot run the function", "error", err.Error())
		os.Exit(1)
	}
	os.Exit(0)
}

// Run is Start with options for a larger program or a test: it returns when
// ctx ends (after the invocations in flight) or when it cannot run.
func Run(ctx context.Context, h Handler, o *Options) error {
	if h == nil {
		return errors.New("fcrt: the Handler is nil: pass your function's handler")
	}
	if api := os.Getenv("FC_RUNTIME_API"); api != "" {
		if _, _, err := net.SplitHostPort(api); err != nil {
			return fmt.Errorf("fcrt: FC_RUNTIME_API %.64q is not host:port", api)
		}
		o.logger().Info("fcrt: serving the Go runtime API", "runtime_api", api)
		return newRuntimeAPI(api, h, o).run(ctx)
	}
	port := os.Getenv("FC_SERVER_PORT")
	if port == "" {
		port = "9000" // Function Compute, "Custom runtime"
	}
	addr := net.JoinHostPort(os.Getenv("FC_SERVER_HOST"), port)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("fcrt: listen on %s (FC_SERVER_HOST, FC_SERVER_PORT): %w", addr, err)
	}
	o.isReady()
	return serveCustom(ctx, l, h, o)
}

// serveCustom serves the custom runtime on l until ctx ends, then shuts down.
func serveCustom(ctx context.Context, l net.Listener, h Handler, o *Options) error {
	// Bound first, logged after: the log never claims a port it lacks.
	o.logger().Info("fcrt: custom runtime listening", "addr", l.Addr().String())
	rt := NewCustomRuntime(h, o)
	var running sync.WaitGroup // the handlers, which Close does not wait for
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			running.Add(1)
			defer running.Done()
			rt.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err := <-served:
		return fmt.Errorf("fcrt: serve: %w", err)
	case <-ctx.Done():
	}
	o.logger().Info("fcrt: stopping: no new invocation; waiting for those in flight", "grace", shutdownGrace.String())
	grace, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(grace); err != nil {
		srv.Close() // the grace ran out: cancel the invocations left
	}
	<-served
	err := drain(&running, time.Second, func() {})
	o.httpClient().CloseIdleConnections()
	o.logger().Info("fcrt: stopped")
	return err
}

// drain waits for wg up to grace, then cancels what is left and waits one
// more second: a handler that ignores its context is reported, not awaited.
func drain(wg *sync.WaitGroup, grace time.Duration, cancel func()) error {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-t.C:
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-time.After(time.Second):
		return errors.New("fcrt: stopped with handlers still running: a handler ignores the end of its context")
	}
}
