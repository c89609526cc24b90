// Package wgortest runs an emulated OSS Object FC Access Point for tests, in
// the style of net/http/httptest: start one with a function's fcrt.Handler
// or the URL of a running function, give it objects, make a GetObject
// through it, and inspect what the function relayed.
//
//	ap := wgortest.Start(t, handler, &wgortest.Config{
//		ObjectMap: map[string][]byte{"hello.txt": []byte("hello")},
//	})
//	resp, err := ap.GetObject(ctx, "hello.txt", nil)
//
// The access point is the one "wgor emulate" runs, with the same checks (the
// README's "What the emulator checks"). An in-process Handler runs behind
// fcrt.NewCustomRuntime on a loopback port, so every invocation goes
// through the custom-runtime protocol as in Function Compute. The event
// adds to OSS's getObjectContext a userRequest member modelled on S3 Object
// Lambda's, which OSS does not document: a function must not need it.
// Everything listens on 127.0.0.1 only.
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
	// The original objects, served at each event's inputOssUrl; set one at
	// most (none: every original is 404 NoSuchKey). ObjectMap maps keys to
	// contents; Objects is an fs.FS (fstest.MapFS, embed.FS); ObjectsDir is
	// a directory, read through os.Root so that no key or link leads out
	// of it. Only regular files are served.
	ObjectMap  map[string][]byte
	Objects    fs.FS
	ObjectsDir string

	// Headers sets headers of the originals' 200 and 206 answers by key
	// (Content-Type, Content-Encoding, Cache-Control, ETag; not
	// Content-Length), over the emulator's own: an ETag that is the MD5 of
	// the content, as OSS's, against which conditional reads are judged.
	Headers map[string]http.Header

	// Region is the region WriteGetObjectResponse must be signed for, sent
	// as x-fc-region; empty means cn-hangzhou.
	Region string

	// Credentials are the function's temporary credentials, the only ones
	// its WriteGetObjectResponse may be signed with; empty means random
	// STS-like ones.
	Credentials sign.Credentials

	// Timeout bounds each GetObject (and an in-process handler's
	// invocation); zero means DefaultTimeout.
	Timeout time.Duration

	// Logger receives the access point's and the runtime's records; nil
	// means none, but for Start, which shows the runtime's warnings and
	// errors in the test's output.
	Logger *slog.Logger

	// AllowChunked accepts a WriteGetObjectResponse without Content-Length,
	// which OSS's API reference requires: by default it is refused with
	// 411 MissingContentLength.
	AllowChunked bool

	// Runtime configures an in-process Handler's runtime; nil means the
	// defaults. Its HTTPClient is always the access point's own, and a
	// zero Timeout is Config's.
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
// closes it when the test ends; it fails the test if it cannot start.
// Unless Config sets a Logger, the runtime's warnings and errors (a
// handler's error or panic, with its stack) go to the test's output.
func Start(tb testing.TB, h fcrt.Handler, cfg *Config) *Server {
	tb.Helper()
	if h == nil {
		tb.Fatal("wgortest: the Handler is nil")
	}
	s, err := newServer(h, "", cfg, tb.Output())
	if err != nil {
		tb.Fatalf("wgortest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// NewServer starts a test access point in front of the handler h, which
// runs in this process behind fcrt.NewCustomRuntime on a loopback port.
// Call Close when done.
func NewServer(h fcrt.Handler, cfg *Config) (*Server, error) {
	if h == nil {
		return nil, errors.New("wgortest: the Handler is nil")
	}
	return newServer(h, "", cfg, nil)
}

// NewServerURL starts a test access point in front of a function already
// running as a Function Compute custom runtime at functionURL, such as
// "http://127.0.0.1:9000". Call Close when done.
func NewServerURL(functionURL string, cfg *Config) (*Server, error) {
	return newServer(nil, functionURL, cfg, nil)
}

// newServer starts the access point in front of h, or else of fnURL; out,
// when not nil, receives the runtime's warnings and errors if Config sets
// no Logger.
func newServer(h fcrt.Handler, fnURL string, cfg *Config, out io.Writer) (*Server, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	c.Timeout = orDefault(c.Timeout, DefaultTimeout)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	s := &Server{limit: c.Timeout, hc: &http.Client{Transport: t,
		// GetObject shows what the function answered, a redirect included.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	s.rec.changed, s.rec.failed = sync.NewCond(&s.rec.mu), make(map[string]error)
	if h != nil {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("wgortest: listen for the function: %w", err)
		}
		fnURL = "http://" + l.Addr().String()
		s.fnSrv = &http.Server{Handler: s.runtime(h, c, cfg, out)}
		go func() { _ = s.fnSrv.Serve(l) }()
	}
	if err := s.start(c, fnURL); err != nil {
		if s.fnSrv != nil {
			s.fnSrv.Close()
		}
		return nil, err
	}
	return s, nil
}

// runtime is the in-process runtime of h, which records each invocation's
// failure as the runtime logs it.
func (s *Server) runtime(h fcrt.Handler, c Config, cfg *Config, out io.Writer) http.Handler {
	var o fcrt.Options
	if c.Runtime != nil {
		o = *c.Runtime
	}
	o.Timeout = orDefault(o.Timeout, c.Timeout)
	o.HTTPClient = s.hc
	o.Logger = slog.New(&failures{next: runtimeLog(o.Logger, cfg, out).Handler(), rec: &s.rec})
	rt := fcrt.NewCustomRuntime(h, &o)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.running.Add(1)
		defer s.running.Done()
		rt.ServeHTTP(w, r)
	})
}

// orDefault is d when positive, else def.
func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// start makes the access point for the function at fnURL and serves it.
func (s *Server) start(c Config, fnURL string) error {
	objects := c.Objects
	if c.ObjectMap != nil {
		if c.Objects != nil || c.ObjectsDir != "" {
			return errors.New("wgortest: Config sets more than one of ObjectMap, Objects and ObjectsDir: set one")
		}
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
	s.apSrv = &http.Server{Handler: s.rec.wrap(withHeaders(c.Headers, s.ap)), ReadHeaderTimeout: 10 * time.Second,
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
