package redact_test

import (
	"io"
	"os"
	"strings"

	"github.com/wgor-dev/wgor/cmd/examples/redact"
)

// The Reader on its own: text in, the same length out, personal data
// masked.
func ExampleNewReader() {
	in := "Li Lei <li.lei@example.com>, 138 1234 5678, card 4111-1111-1111-1111, order 4111.\n"
	_, _ = io.Copy(os.Stdout, redact.NewReader(strings.NewReader(in)))
	// Output:
	// Li Lei <******@***********>, *** **** ****, card ****-****-****-****, order 4111.
}
