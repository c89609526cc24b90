package accesspoint

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

const benchSize = 16 << 20

// BenchmarkRelay measures a GetObject whose function streams benchSize
// bytes through the emulator: two loopback transfers and the signature
// check. Compare with BenchmarkRelayBaseline, one plain loopback transfer
// of the same bytes.
func BenchmarkRelay(b *testing.B) {
	s := start(b, Config{AllowChunked: true, Function: InvokerFunc(func(ctx context.Context, inv *Invocation) error {
		a := send(ctx, inv, parseEvent(b, inv), reply{body: generated(benchSize), chunked: true})
		return a.err
	})})
	b.SetBytes(benchSize)
	for b.Loop() {
		fetchAll(b, s.URL()+"/k")
	}
}

// BenchmarkRelayBaseline is the floor for BenchmarkRelay: the same bytes
// served directly.
func BenchmarkRelayBaseline(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.Copy(w, generated(benchSize))
	}))
	defer srv.Close()
	b.SetBytes(benchSize)
	for b.Loop() {
		fetchAll(b, srv.URL+"/k")
	}
}

func fetchAll(b *testing.B, url string) {
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || n != benchSize {
		b.Fatalf("read %d bytes: %v", n, err)
	}
}
