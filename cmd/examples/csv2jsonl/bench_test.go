package csv2jsonl_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/wgor-dev/wgor/cmd/examples/csv2jsonl"
)

func BenchmarkConvert(b *testing.B) {
	var in bytes.Buffer
	in.WriteString("id,name,email,phone,city,amount,note\n")
	for i := 0; in.Len() < 4<<20; i++ {
		fmt.Fprintf(&in, "%d,User %d,user%d@example.com,1%d%09d,Hangzhou,%d.%02d,\"said \"\"hi\"\"\"\n", i, i, i, 3+i%7, i, i%1000, i%100)
	}
	b.SetBytes(int64(in.Len()))
	for b.Loop() {
		if err := csv2jsonl.Convert(io.Discard, bytes.NewReader(in.Bytes()), 0); err != nil {
			b.Fatal(err)
		}
	}
}
