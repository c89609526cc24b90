// Package fcrt runs a Go function behind an OSS Object FC Access Point on
// Function Compute: one Start call in main, for both of Function Compute's
// protocols, and a Handler that answers through a ResponseWriter as an HTTP
// handler does.
//
//	func main() {
//		fcrt.Start(fcrt.HandlerFunc(func(ctx context.Context, w fcrt.ResponseWriter, inv *fcrt.Invocation) error {
//			w.Header().Set("Content-Type", "text/plain")
//			_, err := io.WriteString(w, "hello from the function\n")
//			return err
//		}))
//	}
//
// Each invocation sends exactly one WriteGetObjectResponse, signed with the
// invocation's credentials: the package links no default credentials chain
// and does not depend on fc-runtime-go-sdk. OpenOriginal, Forward and
// Transform read the original object. Test a handler with package wgortest.
package fcrt
