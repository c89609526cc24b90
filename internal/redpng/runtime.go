package redpng

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/wgor"
)

// maxEvent bounds the event a runtime reads: OSS events are a few KiB.
const maxEvent = 1 << 20

// Runtime is a Function Compute custom runtime for event functions: an
// http.Handler that answers POST /invoke with the event as the body and the
// invocation's credentials in x-fc-access-key-id, x-fc-access-key-secret and
// x-fc-security-token. Each invocation signs with its own credentials.
//
// A success answers 200. A failure answers 404 with x-fc-status: 404, as
// Function Compute expects of a custom runtime whose function failed, and a
// one-line reason that holds no secret.
type Runtime struct {
	// HTTPClient sends the WriteGetObjectResponse; nil means wgor's shared
	// client.
	HTTPClient *http.Client

	// Logger receives one line per invocation; nil means slog.Default().
	Logger *slog.Logger

	// Timeout bounds one invocation; zero means 60 seconds.
	Timeout time.Duration
}

// ServeHTTP implements http.Handler.
func (rt *Runtime) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/invoke" && r.Method == http.MethodPost:
		rt.invoke(w, r)
	case r.URL.Path == "/initialize" && r.Method == http.MethodPost:
		w.WriteHeader(http.StatusOK) // nothing to initialize
	case r.URL.Path == "/" || r.URL.Path == "/healthz":
		fmt.Fprintln(w, "redpng: a Function Compute custom runtime; POST /invoke with an Object FC Access Point event")
	default:
		http.NotFound(w, r)
	}
}

func (rt *Runtime) invoke(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	log := rt.Logger
	if log == nil {
		log = slog.Default()
	}
	reqID := r.Header.Get("X-Fc-Request-Id")
	timeout := rt.Timeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()

	res, err := rt.handle(ctx, r)
	if err != nil {
		log.Error("invocation failed", "fc_request_id", reqID, "error", err, "duration", time.Since(start))
		w.Header().Set("X-Fc-Status", "404")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintln(w, err)
		return
	}
	log.Info("answered GetObject", "fc_request_id", reqID, "oss_request_id", res.RequestID,
		"bytes", res.BytesSent, "duration", time.Since(start))
	w.Header().Set("X-Fc-Status", "200")
	w.WriteHeader(http.StatusOK)
}

func (rt *Runtime) handle(ctx context.Context, r *http.Request) (*wgor.Result, error) {
	provider, err := creds.FromFCHeaders(r.Header)
	if err != nil {
		return nil, err
	}
	event, err := io.ReadAll(io.LimitReader(r.Body, maxEvent+1))
	if err != nil {
		return nil, fmt.Errorf("redpng: read the event: %w", err)
	}
	if len(event) > maxEvent {
		return nil, fmt.Errorf("redpng: the event is larger than %d bytes", maxEvent)
	}
	c := &wgor.Client{HTTPClient: rt.HTTPClient, Credentials: provider}
	return Handle(ctx, c, event, r.Header.Get("X-Fc-Region"))
}
