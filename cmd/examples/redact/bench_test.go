package redact_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/wgor-dev/wgor/cmd/examples/redact"
)

func BenchmarkReader(b *testing.B) {
	in := text(4 << 20)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := io.Copy(io.Discard, redact.NewReader(bytes.NewReader(in))); err != nil {
			b.Fatal(err)
		}
	}
}
