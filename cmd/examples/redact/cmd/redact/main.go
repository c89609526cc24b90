// Command redact is the redact function (package redact) as a Function
// Compute function: build it and deploy the binary as a custom runtime's
// bootstrap or as the handler of the built-in Go 1 runtime.
package main

import (
	"github.com/wgor-dev/wgor/cmd/examples/redact"
	"github.com/wgor-dev/wgor/wgor/fcrt"
)

func main() { fcrt.Start(redact.Handler) }
