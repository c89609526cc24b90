package wgor

import (
	"context"

	"github.com/wgor-dev/wgor/creds/chain"
	"github.com/wgor-dev/wgor/internal/client"
)

// The names of package wgor are aliases of those of its implementation,
// which lives apart so that functions built on wgor/fcrt do not link the
// default credentials chain (see internal/client). Their documentation is
// summarised here; every field and method is documented at its definition.

// Client sends WriteGetObjectResponse requests. The zero Client is ready to
// use: it signs with the default credentials chain and sends over HTTPS. It
// is safe for concurrent use; set its fields before its first use. See
// Client.Write for what it sends and returns, and its Retries section for
// when an attempt is repeated.
type Client = client.Client

// Response is what a function answers the GetObject that invoked it with:
// the status, the forwarded headers and the body OSS relays to the caller.
type Response = client.Response

// Result is OSS's answer to a WriteGetObjectResponse it accepted.
type Result = client.Result

// Progress is how far a Write has got with its body: the bytes spooled,
// the bytes sent, and the length once known (-1 before). See
// Client.Progress.
type Progress = client.Progress

// RegionError says that the region cannot be told from a route: set
// Client.Region (a command line names its own flag instead).
type RegionError = client.RegionError

// SpoolError says that a body of unknown length could not be spooled (an
// unwritable SpoolDir, a full disk): nothing was sent. See Client.SpoolDir.
type SpoolError = client.SpoolError

// ServiceError is OSS's refusal of a WriteGetObjectResponse: any answer
// outside 2xx. Find it with errors.As.
type ServiceError = client.ServiceError

// Event is the event OSS invokes a function with for a GetObject made
// through an Object FC Access Point.
type Event = client.Event

// GetObjectContext is the event's getObjectContext: what the function needs
// to answer the GetObject.
type GetObjectContext = client.GetObjectContext

// Version is the version of wgor, sent in the default User-Agent.
const Version = client.Version

// Defaults of the retry policy and of the spool (see Client).
const (
	DefaultMaxRetries   = client.DefaultMaxRetries
	DefaultRetryBackoff = client.DefaultRetryBackoff
	DefaultSpoolMemory  = client.DefaultSpoolMemory
)

// DefaultUserAgent is the User-Agent wgor sends unless Client.UserAgent is
// set: "wgor/<version> (go<version>; <os>/<arch>)".
var DefaultUserAgent = client.DefaultUserAgent

// Errors that Write and ParseEvent wrap; test with errors.Is.
var (
	// ErrInvalidResponse: the Response cannot be sent; nothing was sent.
	ErrInvalidResponse = client.ErrInvalidResponse
	// ErrBodyLength: the body is shorter or longer than its declared
	// length.
	ErrBodyLength = client.ErrBodyLength
	// ErrInvalidEvent: the event is not an Object FC Access Point event.
	ErrInvalidEvent = client.ErrInvalidEvent
	// ErrNotSent: nothing of the request left the machine, so the
	// outputToken is still unused.
	ErrNotSent = client.ErrNotSent
)

func init() {
	client.DefaultCredentials = chain.Default
}

// Write sends r with a Client whose fields are all zero: credentials from
// the default credentials chain, HTTPS, the region derived from the route.
// See Client.Write.
func Write(ctx context.Context, r *Response) (*Result, error) {
	return (*Client)(nil).Write(ctx, r)
}

// ParseEvent parses the event a function received. See
// internal/client.ParseEvent for the rules; errors wrap ErrInvalidEvent and
// never quote the event.
func ParseEvent(data []byte) (*Event, error) { return client.ParseEvent(data) }

// RegionFromRoute returns the OSS region named in an outputRoute, the region
// a WriteGetObjectResponse to it must be signed for: the <region> of
// oss-<region>-internal.oss-object-process.aliyuncs.com and similar hosts.
// Any other route is an error: set Client.Region for those.
func RegionFromRoute(route string) (string, error) { return client.RegionFromRoute(route) }

// ValidStatus reports whether status is one OSS accepts as the status of
// the GetObject caller's answer: 200, 206, 301, 302, 303, 304, 400, 401,
// 403, 404, 405, 409, 411, 412, 416, 500 or 503 (OSS API reference,
// "WriteGetObjectResponse"). Write refuses any other before sending.
func ValidStatus(status int) bool { return client.ValidStatus(status) }
