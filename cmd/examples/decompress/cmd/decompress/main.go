// Command decompress is the decompress function (package decompress) as a
// Function Compute function, configured by its environment
// (DECOMPRESS_MAX_BYTES): build it and deploy the binary as a custom
// runtime's bootstrap or as the handler of the built-in Go 1 runtime.
package main

import (
	"log"

	"github.com/wgor-dev/wgor/cmd/examples/decompress"
	"github.com/wgor-dev/wgor/wgor/fcrt"
)

func main() {
	h, err := decompress.FromEnv()
	if err != nil {
		log.Fatal(err) // a wrong setting stops the function at its start, not at each invocation
	}
	fcrt.Start(h)
}
