// Command thumbnail is the thumbnail function (package thumbnail) as a
// Function Compute function, configured by its environment
// (THUMBNAIL_SIZE, THUMBNAIL_MAX_PIXELS): build it and deploy the binary
// as a custom runtime's bootstrap or as the handler of the built-in Go 1
// runtime.
package main

import (
	"log"

	"github.com/wgor-dev/wgor/cmd/examples/thumbnail"
	"github.com/wgor-dev/wgor/wgor/fcrt"
)

func main() {
	h, err := thumbnail.FromEnv()
	if err != nil {
		log.Fatal(err) // a wrong setting stops the function at its start, not at each invocation
	}
	fcrt.Start(h)
}
