// Command fn is the function the load program (internal/coldstart/load)
// measures: a custom runtime on wgor/fcrt whose handler writes
// $LOAD_BYTES zero bytes in pieces of $LOAD_PIECE, with a Content-Length
// when $LOAD_DECLARE=1, chunked when $LOAD_CHUNKED=1, and otherwise spooled
// as the runtime does for a body of unknown length, within the budget of
// $WGOR_SPOOL_MEMORY and $WGOR_SPOOL_DISK (see wgor.DefaultSpoolBudget).
package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"syscall"

	"github.com/wgor-dev/wgor/wgor/fcrt"
)

func main() {
	size, piece := envInt("LOAD_BYTES", 8<<20), envInt("LOAD_PIECE", 32<<10)
	declare := os.Getenv("LOAD_DECLARE") == "1"
	opts := &fcrt.Options{
		Chunked: os.Getenv("LOAD_CHUNKED") == "1",
		Logger:  slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	h := fcrt.HandlerFunc(func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
		if declare {
			w.Header().Set("Content-Length", strconv.Itoa(size))
		}
		buf := make([]byte, piece)
		for left := size; left > 0; left -= len(buf) {
			if left < len(buf) {
				buf = buf[:left]
			}
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
		return nil
	})
	if path := os.Getenv("LOAD_CPUPROFILE"); path != "" { // where the function's time goes
		f, err := os.Create(path)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
			defer stop()
			defer pprof.StopCPUProfile()
			_ = fcrt.Run(ctx, h, opts)
			return
		}
	}
	if err := fcrt.Run(context.Background(), h, opts); err != nil && err != io.EOF {
		slog.Error("fn", "error", err)
		os.Exit(1)
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
