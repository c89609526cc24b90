// Package wgortest runs an emulated OSS Object FC Access Point for tests, in
// the style of net/http/httptest: start one with a function's fcrt.Handler
// or with the URL of a running function, give it objects, make a GetObject
// through it, and inspect what the function relayed.
//
//	ap := wgortest.Start(t, handler, &wgortest.Config{
//		ObjectMap: map[string][]byte{"hello.txt": []byte("hello")},
//	})
//	resp, err := ap.GetObject(ctx, "hello.txt", nil)
//
// The access point is the one "wgor emulate" runs, with the same checks:
// the OSS V4 signature of every WriteGetObjectResponse, against the
// credentials it hands the function, for its region; the single-use token;
// x-oss-fwd-status; the body's length and Content-MD5. It answers a refusal
// with OSS's XML error, and a function that fails or never answers with a
// 502 or 504. An in-process Handler runs behind fcrt.NewCustomRuntime on a
// loopback port, so every invocation goes through the custom-runtime
// protocol (POST /invoke with the x-fc-* headers) as in Function Compute.
// A handler's failure is shown in the test's output (with Start) and named
// in Invocations' Err: "fcrt: the handler returned: …" or "fcrt: the
// handler panicked: …".
//
// The event holds OSS's documented getObjectContext (outputRoute,
// outputToken, inputOssUrl; see package fcrt), plus a userRequest member
// with the caller's URL and headers, modelled on S3 Object Lambda's event,
// which OSS does not document: a function must not need it. Everything
// listens on 127.0.0.1 only.
package wgortest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wgor-dev/wgor/internal/accesspoint"
	"github.com/wgor-dev/wgor/sign"
	"github.com/wgor-dev/wgor/wgor/fcrt"
)

// Config describes a test access point. The zero Config is ready to use.
type Config struct {
	// The original objects, served at each event's inputOssUrl; set one
	// at most. With none, every original is 404 NoSuchKey.
	//
	// ObjectMap maps keys to contents. Objects is an fs.FS (fstest.MapFS,
	// embed.FS), the key being the path in the FS. ObjectsDir is a
	// directory, the key being the path beneath it, read through os.Root so
	// that no key or symbolic link leads out of it (os.DirFS would follow
	// links out). Only regular files are served.
	ObjectMap  map[string][]byte
	Objects    fs.FS
	ObjectsDir string

	// Region is the region WriteGetObjectResponse must be signed for, sent
	// to the function as x-fc-region; empty means cn-hangzhou.
	Region string

	// Credentials are the function's temporary credentials, handed to
	// every invocation and the only ones its WriteGetObjectResponse may be
	// signed with; empty means random STS-like ones.
	Credentials sign.Credentials

	// Timeout bounds each GetObject (and an in-process handler's
	// invocation); zero means 10 seconds.
	Timeout time.Duration

	// Logger receives the access point's and the runtime's records; nil
	// means none, but for Start, which shows the runtime's warnings and
	// errors in the test's output.
	Logger *slog.Logger

	// AllowChunked accepts a WriteGetObjectResponse without Content-Length
	// (chunked). OSS's API reference lists Content-Length as required and
	// documents no chunked form, so by default such a request is refused
	// with 411 MissingContentLength, as a test of a function should.
	AllowChunked bool

	// Runtime configures the runtime of an in-process Handler (spooling,
	// Chunked, a Logger); nil means the defaults. Its HTTPClient is
	// always the access point's own, and a zero Timeout is Config's.
	Runtime *fcrt.Options
}

// DefaultTimeout bounds a GetObject when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Server is a running test access point. Its methods are safe for
// concurrent use.
type Server struct {
	ap     *accesspoint.Server
	apSrv  *http.Server
	fnSrv  *http.Server // nil for a function given by URL
	hc     *http.Client
	url    string
	limit  time.Duration
	closed sync.Once

	running sync.WaitGroup // the in-process handlers
	rec     recorder
}

// Start starts a test access point in front of h, as NewServer does, and
// closes it when the test ends; it fails the test if the access point
// cannot start. Unless Config sets a Logger, the runtime's warnings and
// errors (a handler's error or panic, with its stack) go to the test's
// output, shown when the test fails or runs with -v.
func Start(tb testing.TB, h fcrt.Handler, cfg *Config) *Server {
	tb.Helper()
	s, err := newServer(h, cfg, tb.Output())
	if err != nil {
		tb.Fatalf("wgortest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// NewServer starts a test access point in front of the handler h, which
// runs in this process behind fcrt.NewCustomRuntime on a loopback port.
// Call Close when done.
func NewServer(h fcrt.Handler, cfg *Config) (*Server, error) { return newServer(h, cfg, nil) }

// newServer is NewServer; out, when not nil, receives the runtime's
// warnings and errors if Config sets no Logger.
func newServer(h fcrt.Handler, cfg *Config, out io.Writer) (*Server, error) {
	if h == nil {
		return nil, errors.New("wgortest: the Handler is nil")
	}
	c := defaults(cfg)
	s := newServerOf(c)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("wgortest: listen for the function: %w", err)
	}
	var o fcrt.Options
	if c.Runtime != nil {
		o = *c.Runtime
	}
	if o.Timeout <= 0 {
		o.Timeout = c.Timeout
	}
	o.HTTPClient = s.hc
	o.Logger = slog.New(&failures{next: runtimeLog(o.Logger, cfg, out).Handler(), rec: &s.rec})
	rt := fcrt.NewCustomRuntime(h, &o)
	s.fnSrv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.running.Add(1)
		defer s.running.Done()
		rt.ServeHTTP(w, r)
	})}
	go func() { _ = s.fnSrv.Serve(l) }()
	if err := s.start(c, "http://"+l.Addr().String()); err != nil {
		s.fnSrv.Close()
		return nil, err
	}
	return s, nil
}

// NewServerURL starts a test access point in front of a function already
// running as a Function Compute custom runtime at functionURL, such as
// "http://127.0.0.1:9000" (POST <functionURL>/invoke). Call Close when done.
func NewServerURL(functionURL string, cfg *Config) (*Server, error) {
	c := defaults(cfg)
	s := newServerOf(c)
	if err := s.start(c, functionURL); err != nil {
		return nil, err
	}
	return s, nil
}

// defaults returns a copy of cfg with its defaults filled in.
func defaults(cfg *Config) Config {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func newServerOf(c Config) *Server {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return &Server{limit: c.Timeout, hc: &http.Client{Transport: t,
		// GetObject shows what the function answered, a redirect included.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// start makes the access point for the function at fnURL and serves it.
func (s *Server) start(c Config, fnURL string) error {
	objects, n := c.Objects, 0
	for _, set := range []bool{c.Objects != nil, c.ObjectMap != nil, c.ObjectsDir != ""} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		return errors.New("wgortest: Config sets more than one of ObjectMap, Objects and ObjectsDir: set one")
	case c.ObjectMap != nil:
		m := make(fstest.MapFS, len(c.ObjectMap))
		for k, v := range c.ObjectMap {
			m[k] = &fstest.MapFile{Data: v, Mode: 0o444, ModTime: time.Unix(1764547200, 0)}
		}
		objects = m
	}
	invoker := accesspoint.HTTPInvoker{URL: fnURL, Client: s.hc}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("wgortest: listen: %w", err)
	}
	s.url = "http://" + l.Addr().String()
	s.ap, err = accesspoint.New(accesspoint.Config{
		Function: accesspoint.InvokerFunc(func(ctx context.Context, inv *accesspoint.Invocation) error {
			s.rec.begin()
			err := invoker.Invoke(ctx, inv)
			s.rec.end(func() { s.rec.invoked(inv.RequestID, err) })
			return err
		}),
		Credentials:   c.Credentials,
		Region:        c.Region,
		Objects:       objects,
		ObjectsDir:    c.ObjectsDir,
		Timeout:       c.Timeout,
		AdvertisedURL: s.url,
		Logger:        c.Logger,
		AllowChunked:  c.AllowChunked,
	})
	if err != nil {
		l.Close()
		return fmt.Errorf("wgortest: %w", err)
	}
	s.apSrv = &http.Server{Handler: s.rec.wrap(s.ap), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(c.Logger.Handler(), slog.LevelDebug)}
	go func() { _ = s.apSrv.Serve(l) }()
	return nil
}

// URL returns the access point's base URL, such as "http://127.0.0.1:41234":
// GetObject is GET URL()/<key>.
func (s *Server) URL() string { return s.url }

// Region returns the region WriteGetObjectResponse must be signed for.
func (s *Server) Region() string { return s.ap.Region() }

// Credentials returns the credentials handed to the function.
func (s *Server) Credentials() sign.Credentials { return s.ap.Credentials() }

// Client returns an HTTP client for the access point, which does not
// follow redirects and whose connections Close closes.
func (s *Server) Client() *http.Client { return s.hc }

// Close stops the access point and the in-process function, waits for the
// function's handlers to return and closes every connection.
func (s *Server) Close() {
	s.closed.Do(func() {
		s.ap.Close()
		s.apSrv.Close()
		if s.fnSrv != nil {
			s.fnSrv.Close()
		}
		s.running.Wait()
		s.hc.CloseIdleConnections()
	})
}
