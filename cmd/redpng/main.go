// Command redpng is the seed's example function: it answers every GetObject
// made through an Object FC Access Point with a 200×200 red PNG.
//
// The same binary deploys in either of Function Compute's ways (see
// fcrt.Start): as the handler of the built-in Go 1 runtime, which sets
// FC_RUNTIME_API, or as a custom runtime's bootstrap, listening on
// FC_SERVER_HOST:FC_SERVER_PORT (all interfaces, port 9000, by default).
// It logs JSON to standard error, as fcrt.Start does. See the README for
// building, deploying and running it against "wgor emulate".
package main

import (
	"github.com/wgor-dev/wgor/internal/redpng"
	"github.com/wgor-dev/wgor/wgor/fcrt"
)

func main() { fcrt.Start(redpng.Handler) }
