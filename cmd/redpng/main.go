// Command redpng is the seed's example function as a Function Compute custom
// runtime: it answers every GetObject made through an Object FC Access Point
// with a 200×200 red PNG, using wgor.
//
// It listens on $FC_SERVER_PORT (9000 when unset), as Function Compute
// expects of a custom runtime, and serves event invocations on POST /invoke
// with the credentials of each invocation. See the README for building it for
// Linux, deploying it and running it against "wgor emulate".
package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wgor-dev/wgor/internal/redpng"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	port := os.Getenv("FC_SERVER_PORT")
	if port == "" {
		port = "9000"
	}
	addr := net.JoinHostPort(os.Getenv("FC_SERVER_HOST"), port)
	srv := &http.Server{
		Addr:              addr,
		Handler:           &redpng.Runtime{Logger: log},
		ReadHeaderTimeout: 10 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Info("redpng custom runtime listening", "addr", addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("serve", "error", err)
		os.Exit(1)
	}
}
