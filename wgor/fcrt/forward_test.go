package fcrt_test

import (
	"fmt"
	"net/http"

	"github.com/wgor-dev/wgor/wgor/fcrt"
)

// A handler that opens the original itself keeps the headers that still
// describe a transformed object, and sets its own over them.
func ExampleOriginal_CopyObjectHeaders() {
	orig := &fcrt.Original{Header: http.Header{
		"Content-Type":   {"text/csv"},
		"Cache-Control":  {"max-age=60"},
		"Etag":           {`"A1B2"`},
		"Content-Length": {"1234"},
	}}
	h := http.Header{"Content-Type": {"application/jsonl"}}
	orig.CopyObjectHeaders(h)
	fmt.Println(h.Get("Content-Type"), h.Get("Cache-Control"), h.Get("Etag") == "", h.Get("Content-Length") == "")
	// Output: application/jsonl max-age=60 true true
}
