package wgortest

import (
	"context"
	"io"
	"log/slog"
)

// runtimeLog is the in-process runtime's logger: Config.Runtime's, else
// Config's, else the warnings and errors to out, else none.
func runtimeLog(log *slog.Logger, cfg *Config, out io.Writer) *slog.Logger {
	switch {
	case log != nil:
		return log
	case cfg != nil && cfg.Logger != nil:
		return cfg.Logger
	case out != nil:
		return slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.DiscardHandler)
}

// failures is the in-process runtime's slog.Handler: it keeps the error of
// each failed invocation, which fcrt logs as "error" beside
// "fc_request_id", and passes every record on to next.
type failures struct {
	next slog.Handler
	rec  *recorder
}

func (f *failures) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError || f.next.Enabled(ctx, l)
}

func (f *failures) Handle(ctx context.Context, r slog.Record) error {
	var id string
	var err error
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "fc_request_id":
			id = a.Value.String()
		case "error":
			err, _ = a.Value.Any().(error)
		}
		return true
	})
	if id != "" && err != nil {
		f.rec.mu.Lock()
		f.rec.failed[id] = err
		f.rec.mu.Unlock()
	}
	if !f.next.Enabled(ctx, r.Level) {
		return nil
	}
	return f.next.Handle(ctx, r)
}

func (f *failures) WithAttrs(as []slog.Attr) slog.Handler {
	return &failures{next: f.next.WithAttrs(as), rec: f.rec}
}

func (f *failures) WithGroup(name string) slog.Handler {
	return &failures{next: f.next.WithGroup(name), rec: f.rec}
}
