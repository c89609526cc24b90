package wgor

import (
	"context"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/sign"
)

// Version is the version of wgor, sent in the default User-Agent.
const Version = "0.1.0"

// DefaultUserAgent is the User-Agent wgor sends unless Client.UserAgent is
// set: "wgor/<version> (go<version>; <os>/<arch>)".
var DefaultUserAgent = "wgor/" + Version + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"

// Defaults of the retry policy and of the spool.
const (
	DefaultMaxRetries   = 2
	DefaultRetryBackoff = 50 * time.Millisecond
	// DefaultSpoolMemory is how many bytes of a body of unknown length
	// Write holds in memory (Client.SpoolMemory zero) before it spools
	// the rest to a file.
	DefaultSpoolMemory = 4 << 20
)

// Client sends WriteGetObjectResponse requests. A Client needs only its
// Credentials: it then sends over HTTPS with a shared HTTP/1.1 transport,
// to the region read from the route. It is safe for concurrent use and
// reuses connections; set its fields before its first use.
//
// # Retries
//
// The outputToken is single-use: once OSS has seen a request carrying it,
// sending it again can only fail or, worse, answer twice. So Write retries
// only when the request provably never left the machine (the failure came
// before a connection was handed to the request: a DNS error other than
// "no such host", a dial error, or a TLS handshake that failed for a
// reason other than the server's certificate) and the body can be sent
// again from its start (it is empty, a *bytes.Reader, *strings.Reader,
// *bytes.Buffer or regular *os.File, rewound to where it started, or a
// spooled body). Nothing else is retried, nor is any response from OSS. A
// retry sends the request as it was signed, after RetryBackoff, then twice
// that, and so on, until ctx ends. net/http itself may resend a request on
// a reused connection that the server had closed, when it wrote nothing.
//
// Redirects are never followed: a redirect would carry the token to
// another host. A 3xx from the route is a *ServiceError.
type Client struct {
	// HTTPClient's Transport (nil: http.DefaultTransport) sends the
	// requests, and its Timeout, when set, bounds each attempt; its
	// CheckRedirect and Jar are not used. Nil means a shared client made
	// by NewHTTPClient.
	HTTPClient *http.Client

	// Credentials sign the requests: the invocation's in a function
	// (fcrt.Invocation.Credentials, creds.FromFCHeaders), elsewhere the
	// default chain (chain.Default() of package creds/chain). They are
	// asked for once per Write, before the body is read.
	Credentials creds.Provider

	// Region overrides the region read from the route (see
	// RegionFromRoute), for a route that names none, such as an emulator.
	Region string

	// Scheme is "https" (when empty) or "http", for a route given as a
	// bare host. A route with an explicit scheme keeps its own.
	Scheme string

	// UserAgent is sent as User-Agent; empty means DefaultUserAgent.
	UserAgent string

	// MaxRetries bounds the retries (see Retries). Zero means
	// DefaultMaxRetries; negative means never retry.
	MaxRetries int

	// RetryBackoff is the wait before the first retry, doubled before each
	// next one. Zero means DefaultRetryBackoff.
	RetryBackoff time.Duration

	// SpoolDir is where a body of unknown length is spooled beyond
	// SpoolMemory, so that it can be sent with the Content-Length OSS
	// requires. Empty means os.TempDir(), in Function Compute the
	// instance's /tmp. The file's name is removed as soon as it is
	// created on Unix, elsewhere when Write returns; it is read back as it
	// is sent, never whole.
	SpoolDir string

	// SpoolMemory is how many bytes of a body of unknown length are held
	// in memory before the whole goes to a file in SpoolDir. Zero means
	// DefaultSpoolMemory; negative means none.
	SpoolMemory int64

	// SpoolBudget bounds what the spools sharing it hold at once, in memory
	// and on disk; nil means DefaultSpoolBudget, the process's.
	SpoolBudget *SpoolBudget

	// KeyCache, when set, keeps the signing key derived last (see
	// sign.KeyCache); nil derives the key for each request.
	KeyCache *sign.KeyCache

	// Chunked sends a body of unknown length with Transfer-Encoding:
	// chunked as it is read, instead of spooling it first (as
	// Response.Chunked does for one response). OSS's API reference
	// requires Content-Length and documents no chunked upload: this relies
	// on behaviour OSS does not document.
	Chunked bool

	// Progress, when set, is called as the body is spooled (Spooled grows)
	// and as it is handed to the connection (Sent grows), from the
	// goroutine doing the work; calls for one Write never overlap. It must
	// be quick. A body net/http reads by itself (one in memory, or a
	// spool file sent without Progress) is reported once, when OSS
	// answers.
	Progress func(Progress)

	// Logger, when set, receives a Debug record for each attempt (route
	// host, statuses, OSS's request ID, body bytes sent, duration, attempt)
	// and an Info record for each retry, never with a secret.
	Logger *slog.Logger
}

// Progress is how far a Write has got with its body (see Client.Progress).
type Progress struct {
	Spooled int64 // bytes of a body of unknown length read into the spool so far
	Sent    int64 // body bytes handed to the connection in this attempt
	Total   int64 // the length of the body once known; -1 while spooling, and chunked
}

// Result is OSS's answer to a WriteGetObjectResponse it accepted.
type Result struct {
	RequestID  string      // x-oss-request-id
	StatusCode int         // the HTTP status of OSS's response
	Header     http.Header // OSS's response headers, without a secret (see ServiceError)
	BytesSent  int64       // body bytes sent
	Attempts   int         // requests made: 1, or more after retries (see Client)
}

// Write sends r with a Client that signs with p and has every other field
// zero: HTTPS, the region read from the route. A handler passes its
// invocation's credentials (fcrt.Invocation.Credentials, creds.FromFCHeaders)
// or the default chain (chain.Default()). See Client.Write.
func Write(ctx context.Context, p creds.Provider, r *Response) (*Result, error) {
	return (&Client{Credentials: p}).Write(ctx, r)
}

var defaultHTTPClient = sync.OnceValue(NewHTTPClient)

// NewHTTPClient returns a client like the one a Client with a nil
// HTTPClient shares: HTTP/1.1, up to 64 idle connections per host,
// HTTP(S)_PROXY honoured as net/http does, answers with over 64 KiB of
// headers refused, and connections that make sure that a refusal OSS sends
// before it has read the body is what Write returns, rather than the reset
// that follows it (a Transport of your own may report the reset instead). A runtime that must close its idle
// connections on shutdown makes its own with it.
func NewHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	t.WriteBufferSize = 64 << 10            // whole TLS records for a streamed body
	t.MaxResponseHeaderBytes = maxErrorBody // OSS's answers have a few short headers; net/http's default is 10 MiB
	t.ForceAttemptHTTP2 = false
	t.Protocols = new(http.Protocols)
	t.Protocols.SetHTTP1(true)
	t.DialContext = answerFirst(t.DialContext)
	return &http.Client{Transport: t}
}
