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
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/wgor-dev/wgor/sign"
)

// Defaults of Config.Region and Config.Timeout.
const (
	DefaultRegion  = "cn-hangzhou"
	DefaultTimeout = 60 * time.Second
)

// Config describes an emulated Object FC Access Point.
type Config struct {
	// Function is invoked once for every GetObject. Required.
	Function Invoker

	// Credentials are handed to every invocation and are the only ones a
	// WriteGetObjectResponse may be signed with. Empty means random
	// STS-like ones (Server.Credentials).
	Credentials sign.Credentials

	// Region WriteGetObjectResponse must be signed for; empty means
	// DefaultRegion.
	Region string

	// ObjectsDir is a directory of original objects served at inputOssUrl
	// (key = path beneath it), through os.Root, regular files only;
	// anything else is 404 NoSuchKey. Set ObjectsDir or Objects, not both.
	ObjectsDir string

	// Objects holds the original objects in an fs.FS (regular files only).
	// Nil and no ObjectsDir: every object is 404 NoSuchKey.
	Objects fs.FS

	// Timeout bounds each GetObject, from the invocation to the end of the
	// relay. Zero means DefaultTimeout.
	Timeout time.Duration

	// AdvertisedURL is the base URL the function is told to use, such as
	// "http://host.docker.internal:8080"; empty means the listener's URL.
	AdvertisedURL string

	// Logger receives a line per invocation, relay and refusal; nil means
	// none. Tokens, secrets and signatures are never logged.
	Logger *slog.Logger

	// AllowChunked accepts a WriteGetObjectResponse without Content-Length.
	// OSS lists Content-Length as required, so by default such a request
	// is refused 411 MissingContentLength.
	AllowChunked bool
}

// New checks cfg and returns a Server that is not yet listening.
func New(cfg Config) (*Server, error) {
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	if cfg.Credentials.AccessKeyID == "" {
		cfg.Credentials = sign.Credentials{
			AccessKeyID:     "STS.emu" + randomString(18),
			AccessKeySecret: randomString(30),
			SecurityToken:   "CAIS" + randomString(96),
		}
	}
	cfg.Region = cmp.Or(cfg.Region, DefaultRegion)
	cfg.Timeout = cmp.Or(cfg.Timeout, DefaultTimeout)
	cfg.AdvertisedURL = strings.TrimRight(cfg.AdvertisedURL, "/")
	s := &Server{
		cfg:               cfg,
		origin:            sign.Credentials{AccessKeyID: "LTAIemuorigin" + randomString(12), AccessKeySecret: randomString(30)},
		log:               cmp.Or(cfg.Logger, discard),
		readHeaderTimeout: readHeaderTimeout,
		idleTimeout:       idleTimeout,
	}
	s.base, s.stop = context.WithCancel(context.Background())
	return s, nil
}

// checkConfig refuses a Config that New cannot run.
func checkConfig(cfg Config) error {
	c := cfg.Credentials
	switch {
	case cfg.Function == nil:
		return errors.New("accesspoint: Config.Function is nil: set an InvokerFunc or an HTTPInvoker")
	case cfg.Timeout < 0:
		return errors.New("accesspoint: Config.Timeout is negative: use zero for the default of 60s")
	case c.AccessKeyID == "" && (c.AccessKeySecret != "" || c.SecurityToken != ""):
		return errors.New("accesspoint: Config.Credentials has a secret or token but no access key ID")
	case c.AccessKeyID != "" && c.AccessKeySecret == "":
		return errors.New("accesspoint: Config.Credentials has no access key secret")
	case strings.ContainsAny(c.AccessKeyID, " ,/\r\n\x00"):
		return errors.New("accesspoint: Config.Credentials.AccessKeyID contains a space, ',' or '/'")
	}
	return checkPlaces(cfg)
}

// checkPlaces refuses a region, an advertised URL or an objects directory
// that cannot be used.
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

// randomString returns n random characters of the URL-safe base64 alphabet.
func randomString(n int) string {
	b := make([]byte, (n*3+3)/4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

// Credentials returns the function's credentials.
func (s *Server) Credentials() sign.Credentials { return s.cfg.Credentials }

// Region returns the region WriteGetObjectResponse must be signed for.
func (s *Server) Region() string { return s.cfg.Region }
