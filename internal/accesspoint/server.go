package accesspoint

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/sign"
)

// Server is an emulated Object FC Access Point, an http.Handler that Start
// or Serve run on a listener of its own. Safe for concurrent use.
type Server struct {
	cfg    Config           // defaults filled in
	origin sign.Credentials // presigns and checks inputOssUrl
	log    *slog.Logger

	readHeaderTimeout, idleTimeout time.Duration // fields for tests

	tokens tokenTable
	base   context.Context // parent of every invocation; ends at Close
	stop   context.CancelFunc

	mu       sync.Mutex
	url      string       // set by Start or Serve
	srv      *http.Server // likewise
	closed   bool
	draining bool           // Shutdown began: no new GetObject
	inflight sync.WaitGroup // GetObjects being answered; Add under mu
}

// Timeouts of the server's connections: OSS documents none.
const (
	readHeaderTimeout = 30 * time.Second
	idleTimeout       = 2 * time.Minute
)

var discard = slog.New(slog.DiscardHandler)

// URL returns the base URL, such as "http://127.0.0.1:41234", once Start
// or Serve has been called; GetObject is GET URL()/<key>.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Start listens on addr ("" means "127.0.0.1:0") and serves in the
// background until Close or Shutdown.
func (s *Server) Start(addr string) error {
	l, err := net.Listen("tcp", cmp.Or(addr, "127.0.0.1:0"))
	if err != nil {
		return fmt.Errorf("accesspoint: listen: %w", err)
	}
	if err := s.begin(l); err != nil {
		l.Close()
		return err
	}
	serveInBackground(s.srv, l, s.log)
	return nil
}

// Serve serves on l until Close or Shutdown, then returns
// http.ErrServerClosed. A Server serves one listener at most.
func (s *Server) Serve(l net.Listener) error {
	if err := s.begin(l); err != nil {
		return err
	}
	return s.srv.Serve(l)
}

// begin records the listener's URL and makes the http.Server.
func (s *Server) begin(l net.Listener) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return http.ErrServerClosed
	case s.srv != nil:
		return errors.New("accesspoint: the server is already serving: make another Server for another listener")
	}
	s.url = "http://" + loopbackAddr(l.Addr())
	s.srv = newHTTPServer(s, s.log)
	s.srv.ReadHeaderTimeout, s.srv.IdleTimeout = s.readHeaderTimeout, s.idleTimeout
	s.srv.BaseContext = func(net.Listener) context.Context { return s.base }
	return nil
}

// newHTTPServer serves h with the emulator's header timeout, logging
// net/http's own complaints at debug level.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
}

// serveInBackground serves srv on l; the channel is closed once Serve has
// returned.
func serveInBackground(srv *http.Server, l net.Listener, log *slog.Logger) chan struct{} {
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("serve", "error", err)
		}
	}()
	return served
}

// loopbackAddr returns a's host:port, an unspecified IP made loopback.
func loopbackAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	ip := tcp.IP
	switch {
	case ip == nil || ip.IsUnspecified() && ip.To4() != nil:
		ip = net.IPv4(127, 0, 0, 1)
	case ip.IsUnspecified():
		ip = net.IPv6loopback
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(tcp.Port))
}

// Shutdown answers new GetObjects 503 ServiceUnavailable, waits for those
// in flight (up to Config.Timeout each), then closes the listener. If ctx
// ends first it returns ctx's error and the server runs on until Close.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed, s.draining = true, true
	srv := s.srv
	s.mu.Unlock()
	drained := make(chan struct{})
	go func() {
		s.inflight.Wait()
		close(drained)
	}()
	select {
	case <-drained:
	case <-ctx.Done():
		return ctx.Err()
	}
	if srv == nil {
		return nil
	}
	return srv.Shutdown(ctx)
}

// Close cancels every invocation and closes every connection.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	srv := s.srv
	s.mu.Unlock()
	s.stop()
	if srv == nil {
		return nil
	}
	return srv.Close()
}

// ServeHTTP answers POST /?x-oss-write-get-object-response (a function's
// response), GET /<key> presigned by the emulator (the event's
// inputOssUrl), and GET /<key> (a GetObject); anything else 405.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && r.URL.Query().Has(oss.WriteQuery):
		s.serveWriteGetObjectResponse(w, r)
	case (r.Method == http.MethodGet || r.Method == http.MethodHead) && s.isOriginRead(r):
		s.serveOrigin(w, r)
	case r.Method == http.MethodGet:
		s.serveGetObject(w, r)
	default:
		writeError(w, r, newRequestID(), newError(http.StatusMethodNotAllowed, CodeMethodNotAllowed,
			"The specified method is not allowed against this resource: use GET /<key> or POST /?"+oss.WriteQuery+"."))
	}
}

// enter counts a GetObject in, or reports false when Shutdown has begun.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return false
	}
	s.inflight.Add(1)
	return true
}

// baseURL is the URL the function is told to use: Config.AdvertisedURL,
// the listener's, or the local address r arrived on; never r's Host, so a
// caller cannot send the function's response and token elsewhere.
func (s *Server) baseURL(r *http.Request) (string, error) {
	if s.cfg.AdvertisedURL != "" {
		return s.cfg.AdvertisedURL, nil
	}
	if u := s.URL(); u != "" {
		return u, nil
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && a != nil {
		scheme := "http://"
		if r.TLS != nil {
			scheme = "https://"
		}
		return scheme + loopbackAddr(a), nil
	}
	return "", errors.New("the request has no local address: set Config.AdvertisedURL when calling ServeHTTP outside an http.Server")
}
