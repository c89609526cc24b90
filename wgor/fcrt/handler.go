package fcrt

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/internal/redact"
)

// A Handler answers one GetObject made through an Object FC Access Point by
// writing to w; returning ends the response.
//
// An error returned before anything was sent is answered by the runtime:
// with the status, code and message of Error (or an *OriginalError), else
// 500 InternalError. An error or a panic after the body began to be sent
// cuts the response short, so that the caller never takes a truncated body
// for a whole one. Returning nil without writing answers an empty body, as
// net/http does.
type Handler interface {
	ServeGetObject(ctx context.Context, w ResponseWriter, inv *Invocation) error
}

// HandlerFunc adapts an ordinary function to the Handler interface.
type HandlerFunc func(ctx context.Context, w ResponseWriter, inv *Invocation) error

// ServeGetObject calls f(ctx, w, inv).
func (f HandlerFunc) ServeGetObject(ctx context.Context, w ResponseWriter, inv *Invocation) error {
	return f(ctx, w, inv)
}

// ResponseWriter is how a Handler answers, with the order rules of
// net/http.ResponseWriter: fill Header with the headers to forward, then
// WriteHeader (a status OSS accepts, see ValidStatus; only the first call
// counts), then Write (WriteHeader(200) first if not called; headers
// changed after are ignored; after WriteHeader(304) it returns
// http.ErrBodyNotAllowed). Close ends the response and returns OSS's
// answer; returning from the handler closes it too.
//
// With a Content-Length header the body streams to OSS as it is written,
// held to that length: a body that ends short or runs long is cut short.
// Without one, the body is spooled (see Options) and sent with its length
// once the handler returned, as OSS requires a Content-Length. Small
// writes are gathered up to 32 KiB; a first Write of the whole declared
// body is sent from p and returns once OSS answered. No Content-Type is
// sniffed. A ResponseWriter is not for concurrent use, nor for use after
// the handler returned.
type ResponseWriter interface {
	Header() http.Header
	WriteHeader(status int)
	Write(p []byte) (int, error)
	Close() error
}

// Invocation is what the runtime knows of one invocation; the handler must
// not modify it. Printed with fmt, logged with log/slog or marshalled to
// JSON, it shows neither the token, nor inputOssUrl's query, nor the
// credentials.
type Invocation struct {
	// Event is the parsed event.
	Event *Event

	// RequestID is Function Compute's request ID (x-fc-request-id).
	RequestID string

	// Region is the function's region (x-fc-region), which
	// WriteGetObjectResponse is signed for when the outputRoute names none
	// (a local emulator).
	Region string

	// Deadline is when Function Compute stops the invocation; it is also
	// the deadline of the handler's context. It is zero when a custom
	// runtime was told none and Options.Timeout is zero.
	Deadline time.Time

	// Credentials are the invocation's temporary credentials (x-fc-access-key-id,
	// x-fc-access-key-secret, x-fc-security-token), which sign
	// WriteGetObjectResponse and any other Alibaba Cloud request the handler
	// makes.
	Credentials creds.Provider

	// FunctionName and AccountID are x-fc-function-name and
	// x-fc-account-id, when Function Compute sends them.
	FunctionName string
	AccountID    string

	// httpClient reads the original object; nil means the runtime's own.
	httpClient *http.Client
}

// String describes the invocation without its secrets.
func (inv Invocation) String() string {
	ev, cred := "nil", "nil"
	if inv.Event != nil {
		ev = inv.Event.String()
	}
	if inv.Credentials != nil {
		cred = redact.Mark
	}
	deadline := "none"
	if !inv.Deadline.IsZero() {
		deadline = inv.Deadline.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("fcrt.Invocation{RequestID: %q, Region: %q, Deadline: %s, FunctionName: %q, AccountID: %q, Event: %s, Credentials: %s}",
		inv.RequestID, inv.Region, deadline, inv.FunctionName, inv.AccountID, ev, cred)
}

// Format makes every fmt verb print String.
func (inv Invocation) Format(f fmt.State, verb rune) { redact.Format(f, verb, inv.String()) }

// LogValue makes log/slog print String.
func (inv Invocation) LogValue() slog.Value { return redact.LogValue(inv.String()) }

// MarshalJSON writes String: slog's JSON handler marshals an Invocation
// held in a slice, a map or a struct with encoding/json, past LogValue.
func (inv Invocation) MarshalJSON() ([]byte, error) { return json.Marshal(inv.String()) }

type invocationKey struct{}

// FromContext returns the Invocation a handler's context belongs to.
func FromContext(ctx context.Context) (*Invocation, bool) {
	inv, ok := ctx.Value(invocationKey{}).(*Invocation)
	return inv, ok
}
