// Package fcrt runs a Go function behind an OSS Object FC Access Point on
// Function Compute: one Start call in main, speaking both of Function
// Compute's protocols, a Handler that answers through a ResponseWriter as
// an HTTP handler does, and helpers for the original object.
//
//	func main() {
//		fcrt.Start(fcrt.HandlerFunc(func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
//			w.Header().Set("Content-Type", "text/plain")
//			_, err := io.WriteString(w, "hello from the function\n")
//			return err
//		}))
//	}
//
// # One WriteGetObjectResponse per invocation
//
// The runtime parses the event, takes the invocation's credentials, and
// sends exactly one WriteGetObjectResponse to the event's outputRoute,
// signed with those credentials for the route's region (the invocation's
// Region when the route names none). What the handler writes streams into
// it (see ResponseWriter); a failure is answered or cut short as Handler
// says, and logged without the invocation's secrets (see Options.Logger).
//
// # The original object
//
// The event's inputOssUrl is a presigned URL of the object the caller
// asked for. OpenOriginal opens it as a stream; Forward passes it through
// and Transform streams a transformation of it, both in one call.
//
// # Two runtimes, one binary
//
// With FC_RUNTIME_API set, as in Function Compute's built-in Go 1 runtime,
// Start long-polls the Go runtime API (GET …/2020-11-11/runtime/invocation/next,
// then POST …/<request-id>/response or …/error) and runs invocations
// concurrently, each with the deadline of x-fc-function-deadline.
// Otherwise it is a custom runtime: an HTTP server on FC_SERVER_PORT (see
// NewCustomRuntime). This package does not depend on fc-runtime-go-sdk.
//
// Package fcrt links no default credentials chain: it always signs with
// the invocation's credentials. Test a handler with package wgortest.
package fcrt
