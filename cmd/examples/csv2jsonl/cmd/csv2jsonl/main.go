// Command csv2jsonl is the csv2jsonl function (package csv2jsonl) as a
// Function Compute function: build it and deploy the binary as a custom
// runtime's bootstrap or as the handler of the built-in Go 1 runtime.
package main

import (
	"github.com/wgor-dev/wgor/cmd/examples/csv2jsonl"
	"github.com/wgor-dev/wgor/wgor/fcrt"
)

func main() { fcrt.Start(csv2jsonl.Handler{}) }
