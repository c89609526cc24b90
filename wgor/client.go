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
// to the region read from the route. A Client is safe for concurrent use
// and reuses connections; set its fields before its first use and leave
// them alone afterwards.
//
// # Retries
//
// The outputToken is single-use: once OSS has seen a request carrying it,
// sending it again can only fail or, worse, answer twice. So Write retries
// only when the request provably never left the machine, and the body can
// be sent again from its start:
//
//   - the failure is one that comes before a connection is handed to the
//     request, so that not a byte of it was written: a DNS error other
//     than "no such host", a dial error (connection refused, timed out,
//     unreachable), or a TLS handshake that failed for a reason other than
//     the server's certificate (which retrying cannot fix);
//   - and the body is empty, a *bytes.Reader, *strings.Reader,
//     *bytes.Buffer or a regular *os.File, which Write rewinds to where it
//     started, or a body of unknown length that was spooled (see
//     SpoolDir), sent again from the spool.
//
// Any other failure is never retried, nor is any response from OSS,
// whatever its status. A retry sends the request as it was signed, with
// the body from its start. Retries wait RetryBackoff, then twice that, and
// so on, and stop when ctx ends. net/http itself may also resend a request
// on a reused keep-alive connection that the server had closed, but only
// when it wrote nothing to it.
//
// Redirects are never followed: a redirect would carry the token to
// another host. A 3xx from the route is a *ServiceError.
type Client struct {
	// HTTPClient's Transport (nil: http.DefaultTransport) sends the
	// requests, and its Timeout, when set, bounds each attempt. Its
	// CheckRedirect and Jar are not used. Nil means a shared client made
	// by NewHTTPClient.
	HTTPClient *http.Client

	// Credentials sign the requests; Write refuses to send without them.
	// A function passes its invocation's (fcrt.Invocation.Credentials,
	// creds.FromFCHeaders); anything else may use the default chain,
	// chain.Default() of package creds/chain. They are asked for once per
	// Write, before the body is read: a retry sends the request as it was
	// signed.
	Credentials creds.Provider

	// Region overrides the region derived from the route (see
	// RegionFromRoute); set it for a route that names none, such as a
	// local emulator.
	Region string

	// Scheme is "https" or "http", used for a route given as a bare host.
	// Empty means "https". A route with an explicit scheme keeps its own.
	Scheme string

	// UserAgent is sent as User-Agent; empty means DefaultUserAgent.
	UserAgent string

	// MaxRetries bounds the retries of an attempt that provably sent
	// nothing (see Retries above). Zero means DefaultMaxRetries (2);
	// negative means never retry.
	MaxRetries int

	// RetryBackoff is the wait before the first retry, doubled before each
	// next one. Zero means DefaultRetryBackoff (50ms).
	RetryBackoff time.Duration

	// SpoolDir is the directory where a body of unknown length is spooled
	// beyond SpoolMemory, so that it can be sent with the Content-Length
	// OSS requires. Empty means os.TempDir(), which in Function Compute is
	// the instance's /tmp. The file is created with os.CreateTemp and
	// removed on every path: on Unix its name is removed as soon as it is
	// created, so that nothing is left behind even by a crash; elsewhere
	// when Write returns. It is read back as it is sent, never whole.
	SpoolDir string

	// SpoolMemory is how many bytes of a body of unknown length are held
	// in memory before the rest goes to a file in SpoolDir. Zero means
	// DefaultSpoolMemory (4 MiB); negative means none. A body that fits
	// needs no file at all.
	SpoolMemory int64

	// SpoolBudget bounds what the spools of every Client that shares it
	// hold at once, in memory and on disk; nil means DefaultSpoolBudget,
	// which every Client and every invocation of wgor/fcrt in the process
	// shares (see SpoolBudget).
	SpoolBudget *SpoolBudget

	// KeyCache, when set, keeps the signing key derived last (see
	// sign.KeyCache): a Client that signs often, or a runtime that makes a
	// Client per invocation, shares one. Nil derives the key for each
	// request.
	KeyCache *sign.KeyCache

	// Chunked sends a body of unknown length with Transfer-Encoding:
	// chunked as it is read, instead of spooling it first (as does
	// Response.Chunked for one response). OSS's API reference lists
	// Content-Length as required for WriteGetObjectResponse and documents
	// no chunked upload for it: this relies on behaviour OSS does not
	// document. A body of known length is sent with its length either
	// way.
	Chunked bool

	// Progress, when set, is called as the body is spooled (Spooled grows)
	// and as it is handed to the connection (Sent grows), from the
	// goroutine doing the work; calls for one Write never overlap. It must
	// be quick. A body held in memory is reported once, when OSS answers.
	Progress func(Progress)

	// Logger, when set, receives a Debug record for each attempt (route
	// host, statuses, OSS's request ID, body bytes sent, duration, attempt)
	// and an Info record for each retry. Records never hold the token, a
	// secret or a signature.
	Logger *slog.Logger
}

// Progress is how far a Write has got with its body, as reported to
// Client.Progress.
type Progress struct {
	// Spooled is the bytes of a body of unknown length read into the spool
	// so far; 0 for a body that is not spooled.
	Spooled int64
	// Sent is the body bytes handed to the connection in this attempt.
	Sent int64
	// Total is the length of the body once known, -1 before: while a body
	// is spooled, and for a body sent chunked.
	Total int64
}

// Result is OSS's answer to a WriteGetObjectResponse it accepted.
type Result struct {
	RequestID  string // x-oss-request-id
	StatusCode int    // the HTTP status of OSS's response
	// Header is OSS's response headers, with every secret removed as from
	// ServiceError.Header.
	Header http.Header

	BytesSent int64 // body bytes sent
	Attempts  int   // requests made: 1, or more after retries (see Client)
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
// HTTPClient shares: HTTP/1.1 (the protocol's Content-Length or chunked
// body), up to 64 idle connections per host, HTTP(S)_PROXY honoured as
// net/http does, and connections that make sure that a refusal OSS sends
// before it has read the body is what Write returns, rather than the reset
// that follows it (see answerFirst; a Transport of your own may report the
// reset instead). A runtime that must close its idle connections on
// shutdown makes its own with it.
func NewHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	t.WriteBufferSize = 64 << 10 // whole TLS records for a streamed body
	t.ForceAttemptHTTP2 = false
	t.Protocols = new(http.Protocols)
	t.Protocols.SetHTTP1(true)
	t.DialContext = answerFirst(t.DialContext)
	return &http.Client{Transport: t}
}
