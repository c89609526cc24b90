package wgor_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/wgor-dev/wgor/sign"

	"github.com/wgor-dev/wgor/wgor"
)

// The benchmarks put wgor next to a plain net/http POST of the same body,
// through the same kind of transport, to the same loopback server that
// drains every body: the difference is what wgor costs.

func benchServer(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Oss-Request-Id", "bench")
		w.WriteHeader(http.StatusOK)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// benchTransport speaks HTTP/1.1 and keeps connections alive, for both
// sides.
func benchTransport(b *testing.B) *http.Transport {
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}
	b.Cleanup(tr.CloseIdleConnections)
	return tr
}

func benchClient(b *testing.B) *wgor.Client {
	return &wgor.Client{
		HTTPClient:  &http.Client{Transport: benchTransport(b)},
		Credentials: testCreds(),
		KeyCache:    &sign.KeyCache{}, // as fcrt's runtime signs
		Region:      testRegion,
	}
}

// plainPost is the baseline: a POST of body with net/http alone.
func plainPost(b *testing.B, hc *http.Client, url string, body io.Reader, length int64) {
	req, err := http.NewRequest(http.MethodPost, url+"/?x-oss-write-get-object-response", body)
	if err != nil {
		b.Fatal(err)
	}
	req.ContentLength = length
	resp, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

// BenchmarkStream sends a non-seekable body: of unknown length spooled
// (the default) and chunked (Client.Chunked), and of declared length, each
// next to a plain net/http POST of the same body (chunked, as net/http
// sends an unknown length, and with Content-Length).
func BenchmarkStream(b *testing.B) {
	srv := benchServer(b)
	for _, size := range []struct {
		name string
		n    int64
	}{{"1MiB", 1 << 20}, {"256MiB", 256 << 20}} {
		for _, mode := range []string{"spooled", "chunked", "sized"} {
			b.Run("wgor-"+size.name+"-"+mode, func(b *testing.B) {
				c := benchClient(b)
				c.Chunked = mode == "chunked"
				c.SpoolDir = b.TempDir()
				declared := int64(0)
				if mode == "sized" {
					declared = size.n
				}
				ctx := context.Background()
				b.SetBytes(size.n)
				b.ReportAllocs()
				for b.Loop() {
					res, err := c.Write(ctx, &wgor.Response{Route: srv.URL, Token: testToken, Status: 200,
						Body: &zeros{left: size.n}, ContentLength: declared})
					if err != nil {
						b.Fatal(err)
					}
					if res.BytesSent != size.n {
						b.Fatalf("sent %d bytes, want %d", res.BytesSent, size.n)
					}
				}
			})
			if mode == "spooled" {
				continue // the plain POST of unknown length is the chunked one
			}
			b.Run("plain-"+size.name+"-"+mode, func(b *testing.B) {
				hc := &http.Client{Transport: benchTransport(b)}
				declared := int64(0)
				if mode == "sized" {
					declared = size.n
				}
				b.SetBytes(size.n)
				b.ReportAllocs()
				for b.Loop() {
					plainPost(b, hc, srv.URL, &zeros{left: size.n}, declared)
				}
			})
		}
	}
}

// BenchmarkSpool1GiBPeakRSS spools 1 GiB read from a pipe, as
// "wgor write -" does, and reports the process's peak resident memory
// (VmHWM) afterwards. Run it alone, so that no other benchmark's memory
// counts: go test -run '^$' -bench Spool1GiB ./wgor/
func BenchmarkSpool1GiBPeakRSS(b *testing.B) {
	srv := benchServer(b)
	c := benchClient(b)
	c.SpoolDir = b.TempDir()
	for b.Loop() {
		pr, pw, err := os.Pipe()
		if err != nil {
			b.Fatal(err)
		}
		go func() {
			io.Copy(pw, &zeros{left: 1 << 30})
			pw.Close()
		}()
		res, err := c.Write(context.Background(), &wgor.Response{Route: srv.URL, Token: testToken, Status: 200, Body: pr})
		if err != nil || res.BytesSent != 1<<30 {
			b.Fatal(err, res)
		}
	}
	b.SetBytes(1 << 30)
	b.ReportMetric(peakRSS(b), "peak-RSS-MiB")
}

// peakRSS reads VmHWM from /proc/self/status, in MiB.
func peakRSS(b *testing.B) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status:", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb / 1024
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// BenchmarkSmall sends 1 KiB responses one after the other over a kept-alive
// connection.
func BenchmarkSmall(b *testing.B) {
	srv := benchServer(b)
	body := pattern(1 << 10)
	b.Run("wgor", func(b *testing.B) {
		c := benchClient(b)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Write(ctx, &wgor.Response{Route: srv.URL, Token: testToken, Status: 200,
				ContentType: "application/octet-stream", Body: bytes.NewReader(body)}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
	b.Run("plain", func(b *testing.B) {
		hc := &http.Client{Transport: benchTransport(b)}
		b.ReportAllocs()
		for b.Loop() {
			plainPost(b, hc, srv.URL, bytes.NewReader(body), int64(len(body)))
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
	// The same POST with the headers a WriteGetObjectResponse carries
	// (signed once up front, copied for each request as a hand-written
	// client would set them), straight to the transport as wgor sends it:
	// what the protocol itself costs net/http and the server, so that the
	// difference with wgor is wgor's own work (checks, signing, tracing).
	b.Run("plain-same-headers", func(b *testing.B) {
		tr := benchTransport(b)
		header := signedHeader(b, srv.URL)
		b.ReportAllocs()
		for b.Loop() {
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/?x-oss-write-get-object-response", bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			req.Header = header.Clone()
			resp, err := tr.RoundTrip(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
}

// signedHeader returns the headers wgor sends for a 1 KiB response.
func signedHeader(b *testing.B, url string) http.Header {
	var got http.Header
	c := &wgor.Client{
		HTTPClient: &http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
			got = req.Header.Clone()
			return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}}, nil
		})},
		Credentials: testCreds(),
		KeyCache:    &sign.KeyCache{}, // as fcrt's runtime signs
		Region:      testRegion,
	}
	if _, err := c.Write(context.Background(), &wgor.Response{Route: url, Token: testToken, Status: 200,
		ContentType: "application/octet-stream", Body: bytes.NewReader(pattern(1 << 10))}); err != nil {
		b.Fatal(err)
	}
	return got
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
