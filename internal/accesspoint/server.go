package accesspoint

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
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
	creds, err := checkCredentials(cfg.Credentials)
	if err != nil {
		return nil, err
	}
	if err := checkPlaces(cfg); err != nil {
		return nil, err
	}
	s := &Server{
		function:   cfg.Function,
		creds:      creds,
		origin:     sign.Credentials{AccessKeyID: "LTAIemuorigin" + randomString(12), AccessKeySecret: randomString(30)},
		region:     cmp.Or(cfg.Region, DefaultRegion),
		objects:    cfg.Objects,
		objectsDir: cfg.ObjectsDir,
		timeout:    cmp.Or(cfg.Timeout, DefaultTimeout),
		advertised: strings.TrimRight(cfg.AdvertisedURL, "/"),
		log:        cmp.Or(cfg.Logger, discard),
		now:        cfg.Now,

		allowChunked:      cfg.AllowChunked,
		readHeaderTimeout: readHeaderTimeout,
		idleTimeout:       idleTimeout,
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.base, s.stop = context.WithCancel(context.Background())
	return s, nil
}

// checkCredentials returns the function's credentials: c, or random STS-like
// ones when c is empty.
func checkCredentials(c sign.Credentials) (sign.Credentials, error) {
	switch {
	case c.AccessKeyID == "" && (c.AccessKeySecret != "" || c.SecurityToken != ""):
		return c, errors.New("accesspoint: Config.Credentials has a secret or token but no access key ID")
	case c.AccessKeyID != "" && c.AccessKeySecret == "":
		return c, errors.New("accesspoint: Config.Credentials has no access key secret")
	case strings.ContainsAny(c.AccessKeyID, " ,/\r\n\x00"):
		return c, errors.New("accesspoint: Config.Credentials.AccessKeyID contains a space, ',' or '/'")
	case c.AccessKeyID == "":
		return sign.Credentials{
			AccessKeyID:     "STS.emu" + randomString(18),
			AccessKeySecret: randomString(30),
			SecurityToken:   "CAIS" + randomString(96),
		}, nil
	}
	return c, nil
}

// checkPlaces checks the region, the advertised URL and the objects.
func checkPlaces(cfg Config) error {
	if strings.ContainsAny(cfg.Region, " ,/\r\n\x00") {
		return fmt.Errorf("accesspoint: Config.Region %.64q is not a region name such as cn-hangzhou", cfg.Region)
	}
	if cfg.AdvertisedURL != "" {
		u, err := url.Parse(cfg.AdvertisedURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" && u.Path != "/" {
			return fmt.Errorf("accesspoint: Config.AdvertisedURL %.128q must be an http(s) URL with a host and no path", cfg.AdvertisedURL)
		}
	}
	if cfg.ObjectsDir == "" {
		return nil
	}
	if cfg.Objects != nil {
		return errors.New("accesspoint: both Config.Objects and Config.ObjectsDir are set: choose one")
	}
	root, err := os.OpenRoot(cfg.ObjectsDir)
	if err != nil {
		return fmt.Errorf("accesspoint: Config.ObjectsDir must be a directory that can be read: %w", err)
	}
	return root.Close()
}

// discard is the logger of a nil Logger.
var discard = slog.New(slog.DiscardHandler)

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
