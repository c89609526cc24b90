package decompress_test

import (
	"fmt"
	"net/http"

	"github.com/wgor-dev/wgor/cmd/examples/decompress"
)

// Headers first, then the magic bytes.
func ExampleDetect() {
	for _, c := range []struct {
		h    http.Header
		head string
	}{
		{http.Header{"Content-Encoding": {"deflate"}}, ""},
		{http.Header{"Content-Type": {"application/octet-stream"}}, "BZh9"},
		{http.Header{"Content-Encoding": {"br"}}, ""},
		{nil, "plain text"},
	} {
		f, unsupported := decompress.Detect(c.h, []byte(c.head))
		fmt.Printf("%q %q\n", f, unsupported)
	}
	// Output:
	// "zlib" ""
	// "bzip2" ""
	// "" "br"
	// "" ""
}
