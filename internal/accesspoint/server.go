package accesspoint

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/wgor-dev/wgor/sign"
)

// DefaultRegion is the region WriteGetObjectResponse must be signed for when
// Config.Region is empty.
const DefaultRegion = "cn-hangzhou"

// DefaultTimeout is how long a GetObject waits for the function's
// WriteGetObjectResponse when Config.Timeout is zero.
const DefaultTimeout = 60 * time.Second

// Config describes an emulated Object FC Access Point.
type Config struct {
	// Function is invoked once for every GetObject. Required.
	Function Invoker

	// Credentials are the function's temporary credentials: handed to every
	// invocation, and the only ones a WriteGetObjectResponse may be signed
	// with (when SecurityToken is set, the request must carry it). Empty
	// (no AccessKeyID) means New generates random STS-like credentials;
	// Server.Credentials returns them.
	Credentials sign.Credentials

	// Region is the region WriteGetObjectResponse must be signed for and
	// the invocation's x-fc-region. Empty means DefaultRegion.
	Region string

	// ObjectsDir is a directory of original objects, served to the
	// function at the event's inputOssUrl; the object key is the path
	// beneath it. Only regular files are served, through os.Root: a path
	// or a symbolic link that leads out of the directory, a directory, a
	// FIFO or a device is answered 404 NoSuchKey, without blocking. Set
	// ObjectsDir or Objects, not both.
	ObjectsDir string

	// Objects holds the original objects in an fs.FS, such as
	// fstest.MapFS for objects in memory; the object key is the path in the
	// FS. Only regular files are served. For a directory use ObjectsDir:
	// os.DirFS follows symbolic links out of its directory. Nil (and no
	// ObjectsDir) means no object exists: every inputOssUrl answers 404
	// NoSuchKey.
	Objects fs.FS

	// Timeout bounds each GetObject: from the invocation to the end of the
	// relayed response. Zero means DefaultTimeout.
	Timeout time.Duration

	// AdvertisedURL, when set, is the base URL the function is told to use
	// (outputRoute and inputOssUrl), such as "http://host.docker.internal:8080"
	// for a function in a container. Empty means the listener's own URL.
	AdvertisedURL string

	// Logger receives a line for each invocation, relay and refusal; nil
	// means no logging. Tokens, secrets and signatures are never logged.
	Logger *slog.Logger

	// AllowChunked accepts a WriteGetObjectResponse without Content-Length
	// (a chunked body), relayed to the caller chunked. OSS's API reference
	// lists Content-Length as required and documents no chunked form of
	// this API, so by default such a request is refused with 411
	// MissingContentLength and its body is never relayed; set this only to
	// try a client that relies on what OSS does not document.
	AllowChunked bool

	// Now is the clock that signatures are checked and made with; nil means
	// time.Now. Timeouts always use the real clock.
	Now func() time.Time
}

// Server is an emulated Object FC Access Point. It is an http.Handler; Start
// or Serve run it on a listener of its own. All methods are safe for
// concurrent use.
type Server struct {
	function   Invoker
	creds      sign.Credentials
	origin     sign.Credentials // presigns and checks inputOssUrl
	region     string
	objects    fs.FS
	objectsDir string
	timeout    time.Duration
	advertised string
	log        *slog.Logger
	now        func() time.Time

	allowChunked bool

	// The listener's timeouts: ReadHeaderTimeout against a client that
	// never finishes its headers, IdleTimeout against idle keep-alive
	// connections kept open for ever. Fields so that tests can shorten them.
	readHeaderTimeout, idleTimeout time.Duration

	tokens tokenTable
	base   context.Context // parent of every invocation; ends at Close
	stop   context.CancelFunc

	mu       sync.Mutex
	url      string // set by Serve
	srv      *http.Server
	serving  bool
	closed   bool
	draining bool           // Shutdown began: no new GetObject
	inflight sync.WaitGroup // GetObjects being answered; Add under mu
}

// New checks cfg and returns a Server that is not yet listening.
func New(cfg Config) (*Server, error) {
	if cfg.Function == nil {
		return nil, errors.New("accesspoint: Config.Function is nil: set an InvokerFunc or an HTTPInvoker")
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("accesspoint: Config.Timeout is negative: use zero for the default of 60s")
	}
	c := cfg.Credentials
	switch {
	case c.AccessKeyID == "" && (c.AccessKeySecret != "" || c.SecurityToken != ""):
		return nil, errors.New("accesspoint: Config.Credentials has a secret or token but no access key ID")
	case c.AccessKeyID != "" && c.AccessKeySecret == "":
		return nil, errors.New("accesspoint: Config.Credentials has no access key secret")
	case c.AccessKeyID == "":
		c = sign.Credentials{
			AccessKeyID:     "STS.emu" + randomString(18),
			AccessKeySecret: randomString(30),
			SecurityToken:   "CAIS" + randomString(96),
		}
	}
	if strings.ContainsAny(c.AccessKeyID, " ,/\r\n\x00") {
		return nil, errors.New("accesspoint: Config.Credentials.AccessKeyID contains a space, ',' or '/'")
	}
	region := cfg.Region
	if region == "" {
		region = DefaultRegion
	}
	if strings.ContainsAny(region, " ,/\r\n\x00") {
		return nil, fmt.Errorf("accesspoint: Config.Region %.64q is not a region name such as cn-hangzhou", region)
	}
	if cfg.AdvertisedURL != "" {
		u, err := url.Parse(cfg.AdvertisedURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" && u.Path != "/" {
			return nil, fmt.Errorf("accesspoint: Config.AdvertisedURL %.128q must be an http(s) URL with a host and no path", cfg.AdvertisedURL)
		}
	}
	if cfg.ObjectsDir != "" {
		if cfg.Objects != nil {
			return nil, errors.New("accesspoint: both Config.Objects and Config.ObjectsDir are set: choose one")
		}
		root, err := os.OpenRoot(cfg.ObjectsDir)
		if err != nil {
			return nil, fmt.Errorf("accesspoint: Config.ObjectsDir must be a directory that can be read: %w", err)
		}
		root.Close()
	}
	s := &Server{
		function:   cfg.Function,
		creds:      c,
		origin:     sign.Credentials{AccessKeyID: "LTAIemuorigin" + randomString(12), AccessKeySecret: randomString(30)},
		region:     region,
		objects:    cfg.Objects,
		objectsDir: cfg.ObjectsDir,
		timeout:    cfg.Timeout,
		advertised: strings.TrimRight(cfg.AdvertisedURL, "/"),
		log:        cfg.Logger,
		now:        cfg.Now,

		allowChunked: cfg.AllowChunked,

		readHeaderTimeout: readHeaderTimeout,
		idleTimeout:       idleTimeout,
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.base, s.stop = context.WithCancel(context.Background())
	return s, nil
}

// Timeouts of the server's connections. OSS documents none; these are
// generous for loopback tests and bound what an idle or stalled client holds.
const (
	readHeaderTimeout = 30 * time.Second
	idleTimeout       = 2 * time.Minute
)

// randomString returns n random characters of the URL-safe base64 alphabet.
func randomString(n int) string {
	b := make([]byte, (n*3+3)/4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

// Credentials returns the function's credentials: Config.Credentials or the
// ones New generated.
func (s *Server) Credentials() sign.Credentials { return s.creds }

// Region returns the region WriteGetObjectResponse must be signed for.
func (s *Server) Region() string { return s.region }

// URL returns the base URL of the server once Start or Serve has been
// called, such as "http://127.0.0.1:41234", and "" before. It is the
// outputRoute of every event (unless Config.AdvertisedURL is set), and
// GetObject is GET URL()/<key>.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Start listens on addr ("" means "127.0.0.1:0", a free loopback port) and
// serves in the background until Close or Shutdown.
func (s *Server) Start(addr string) error {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("accesspoint: listen on %s: %w", addr, err)
	}
	if err := s.begin(l); err != nil {
		l.Close()
		return err
	}
	go func() {
		if err := s.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", "error", err)
		}
	}()
	return nil
}

// Serve serves on l until Close or Shutdown, and then returns
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
	case s.serving:
		return errors.New("accesspoint: the server is already serving: make another Server for another listener")
	}
	s.serving = true
	s.url = "http://" + loopbackAddr(l.Addr())
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.readHeaderTimeout,
		IdleTimeout:       s.idleTimeout,
		BaseContext:       func(net.Listener) context.Context { return s.base },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	return nil
}

// loopbackAddr returns the listener's address, with an unspecified IP
// (0.0.0.0, ::) replaced by the loopback one that a function can dial.
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

// Shutdown stops the server gracefully: new GetObjects are answered 503
// ServiceUnavailable, while the ones in flight go on — their functions can
// still send WriteGetObjectResponse — until they are answered (a GetObject
// may wait up to Config.Timeout for its function); then the listener and
// the connections close. If ctx ends first, Shutdown returns its error and
// the server keeps running until Close. It does not cancel invocations;
// Close does.
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

// Close stops the server at once: it cancels every invocation and closes
// every connection.
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

// baseURL is the URL the function is told to use for r: Config.AdvertisedURL,
// or the URL of the server's own listener, or, when the Server is mounted as
// a handler on someone else's http.Server, the local address the request
// arrived on. Never the request's Host header, which the caller chooses: a
// caller must not be able to point the function's response, with its
// token, at a server of its choice.
func (s *Server) baseURL(r *http.Request) (string, error) {
	if s.advertised != "" {
		return s.advertised, nil
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

// ServeHTTP answers the three kinds of request:
//
//   - POST /?x-oss-write-get-object-response: a function's response.
//   - GET /<key> with a presigned query of the emulator's origin key: the
//     original object, for the function (the event's inputOssUrl).
//   - GET /<key>: a GetObject through the access point, which invokes the
//     function and answers with what it sends.
//
// Anything else is answered 405 MethodNotAllowed.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && r.URL.Query().Has("x-oss-write-get-object-response"):
		s.serveWriteGetObjectResponse(w, r)
	case (r.Method == http.MethodGet || r.Method == http.MethodHead) && s.isOriginRead(r):
		s.serveOrigin(w, r)
	case r.Method == http.MethodGet:
		s.serveGetObject(w, r)
	default:
		writeError(w, r, newRequestID(), newError(http.StatusMethodNotAllowed, CodeMethodNotAllowed,
			"The specified method is not allowed against this resource: use GET /<key> or POST /?x-oss-write-get-object-response."))
	}
}
