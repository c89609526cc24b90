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
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
	srv    *httptest.Server // the access point's
	fn     *httptest.Server // the in-process function's; nil for a function given by URL
	hc     *http.Client
	limit  time.Duration
	closed sync.Once
	rec    recorder
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
	if c.ObjectMap != nil {
		if c.Objects != nil || c.ObjectsDir != "" {
			return nil, errors.New("wgortest: Config sets more than one of ObjectMap, Objects and ObjectsDir: set one")
		}
		m := make(fstest.MapFS, len(c.ObjectMap))
		for k, v := range c.ObjectMap {
			m[k] = &fstest.MapFile{Data: v, Mode: 0o444, ModTime: time.Unix(1764547200, 0)}
		}
		c.Objects = m
	}
	c.Timeout = cmp.Or(max(c.Timeout, 0), DefaultTimeout)
	rtLog := runtimeLog(c, out)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	t.Proxy = nil // a proxy would see the function's credentials, as HTTPInvoker says
	s := &Server{limit: c.Timeout, hc: &http.Client{Transport: t,
		// GetObject shows what the function answered, a redirect included.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	s.rec.failed = make(map[string]error)
	if h != nil {
		var o fcrt.Options
		if c.Runtime != nil {
			o = *c.Runtime
		}
		o.Timeout = cmp.Or(max(o.Timeout, 0), c.Timeout)
		o.HTTPClient = s.hc
		o.Logger = slog.New(failures{Handler: rtLog.Handler(), rec: &s.rec})
		s.fn = httptest.NewServer(fcrt.NewCustomRuntime(h, &o))
		fnURL = s.fn.URL
	}
	if err := s.start(c, fnURL); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// runtimeLog is the in-process runtime's logger: Config.Runtime's, else
// Config's, else the warnings and errors to out, else none.
func runtimeLog(c Config, out io.Writer) *slog.Logger {
	switch {
	case c.Runtime != nil && c.Runtime.Logger != nil:
		return c.Runtime.Logger
	case c.Logger != nil:
		return c.Logger
	case out != nil:
		return slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.DiscardHandler)
}

// start makes the access point for the function at fnURL and serves it.
func (s *Server) start(c Config, fnURL string) error {
	s.srv = httptest.NewUnstartedServer(nil)
	invoker := accesspoint.HTTPInvoker{URL: fnURL, Client: s.hc}
	ap, err := accesspoint.New(accesspoint.Config{
		Function: accesspoint.InvokerFunc(func(ctx context.Context, inv *accesspoint.Invocation) error {
			s.rec.begin()
			err := invoker.Invoke(ctx, inv)
			s.rec.end(func() { s.rec.invoked(inv.RequestID, err) })
			return err
		}),
		Credentials:   c.Credentials,
		Region:        c.Region,
		Objects:       c.Objects,
		ObjectsDir:    c.ObjectsDir,
		Timeout:       c.Timeout,
		AdvertisedURL: "http://" + s.srv.Listener.Addr().String(),
		Logger:        c.Logger,
		AllowChunked:  c.AllowChunked,
	})
	if err != nil {
		return fmt.Errorf("wgortest: %w", err)
	}
	s.ap = ap
	s.srv.Config.Handler = s.rec.wrap(withHeaders(c.Headers, ap))
	s.srv.Config.ReadHeaderTimeout = 10 * time.Second
	s.srv.Config.ErrorLog = slog.NewLogLogger(c.Logger.Handler(), slog.LevelDebug)
	s.srv.Start()
	return nil
}

// URL returns the access point's base URL, such as "http://127.0.0.1:41234":
// GetObject is GET URL()/<key>.
func (s *Server) URL() string { return s.srv.URL }

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
		if s.ap != nil {
			s.ap.Close()
		}
		for _, srv := range []*httptest.Server{s.srv, s.fn} {
			if srv != nil {
				srv.CloseClientConnections()
				srv.Close()
			}
		}
		s.hc.CloseIdleConnections()
	})
}
