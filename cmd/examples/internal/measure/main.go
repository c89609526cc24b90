// Command measure measures the cookbook's functions beside fcrt.Forward
// of the same original, in the same run: each function runs in a process
// of its own as a custom runtime, as deployed, behind the test access
// point (package wgortest), and answers one GetObject of a generated
// original; the caller reads the answer to its end. It prints, per
// function, the time, the throughput (original bytes per second) and the
// function process's peak RSS (VmHWM), as ranges over the runs.
//
//	go run ./internal/measure -size 1GiB -runs 3
//
// The originals: text.txt (log lines with personal data) for redact,
// data.csv for csv2jsonl, data.gz (text.txt gzipped, decompressing to
// -size bytes) for decompress, photo.jpg (-megapixels) for thumbnail.
// Linux only (/proc).
package main

import (
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wgor-dev/wgor/wgor/wgortest"
)

func main() {
	serve := flag.String("serve", "", "run as the function `NAME` (used by measure itself)")
	size := flag.String("size", "1GiB", "`SIZE` of the text and CSV originals and of the decompressed output (KiB, MiB, GiB or bytes)")
	runs := flag.Int("runs", 2, "runs of each function and of Forward")
	only := flag.String("functions", "redact,csv2jsonl,decompress,thumbnail", "comma-separated `LIST` of functions to measure")
	mp := flag.Int("megapixels", 24, "the photo's size, in megapixels (3:2)")
	flag.Parse()
	if *serve != "" {
		if err := serveChild(*serve); err != nil {
			fmt.Fprintln(os.Stderr, "measure:", err)
			os.Exit(1)
		}
		return
	}
	n, err := parseSize(*size)
	if err == nil {
		err = run(n, *runs, strings.Split(*only, ","), *mp)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
}

func parseSize(s string) (int64, error) {
	for suffix, unit := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if v, ok := strings.CutSuffix(s, suffix); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			return n * unit, err
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

// keys names each function's original.
var keys = map[string]string{"redact": "text.txt", "csv2jsonl": "data.csv", "decompress": "data.gz", "thumbnail": "photo.jpg"}

func run(size int64, runs int, functions []string, megapixels int) error {
	rng := rand.New(rand.NewPCG(24, 2026))
	textBlock, rowBlock := text(rng), rows(rng)
	csvSize := int64(len(csvHeader)) + max(1, (size-int64(len(csvHeader)))/int64(len(rowBlock)))*int64(len(rowBlock))
	w := megapixels * 1_000_000 * 3 / 2
	w = isqrt(w)
	h := w * 2 / 3
	jpg, err := photo(w, h)
	if err != nil {
		return err
	}
	objects := originals{
		"text.txt":  object("text.txt", nil, textBlock, size),
		"data.csv":  object("data.csv", []byte(csvHeader), rowBlock, csvSize),
		"photo.jpg": object("photo.jpg", jpg, nil, int64(len(jpg))),
	}
	for _, f := range functions {
		if f == "decompress" {
			name, err := gzipFile(os.TempDir(), textBlock, size)
			if err != nil {
				return err
			}
			defer os.Remove(name)
			objects["data.gz"] = func() (fs.File, error) { return os.Open(name) }
		}
	}
	fmt.Printf("originals: text.txt %d B, data.csv %d B, photo.jpg %d×%d (%d B); decompressed output %d B; %d runs\n\n",
		size, csvSize, w, h, len(jpg), size, runs)
	fmt.Println("| function | original | answer | time | original MB/s | peak RSS | Forward time | Forward MB/s | Forward peak RSS | ratio to Forward |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, f := range functions {
		var fn, fw []result
		for range runs {
			r, err := measureOne("forward", keys[f], objects)
			if err != nil {
				return fmt.Errorf("forward %s: %w", keys[f], err)
			}
			fw = append(fw, r)
			if r, err = measureOne(f, keys[f], objects); err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
			fn = append(fn, r)
		}
		report(f, fn, fw)
	}
	return nil
}

func isqrt(n int) int {
	r := 1
	for (r+1)*(r+1) <= n {
		r++
	}
	return r
}

// result is one GetObject through a function.
type result struct {
	in, out int64 // the original's and the answer's bytes
	d       time.Duration
	rss     int64
}

func measureOne(function, key string, objects fs.FS) (result, error) {
	c, err := startChild(function)
	if err != nil {
		return result{}, err
	}
	defer c.stop()
	ap, err := wgortest.NewServerURL(c.url, &wgortest.Config{Objects: objects, Timeout: time.Hour})
	if err != nil {
		return result{}, err
	}
	defer ap.Close()
	info, err := fs.Stat(objects, key)
	if err != nil {
		return result{}, err
	}
	start := time.Now()
	resp, err := ap.Client().Get(ap.URL() + "/" + key)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	d := time.Since(start)
	if err != nil {
		return result{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return result{}, fmt.Errorf("answered %s", resp.Status)
	}
	rss, err := c.peakRSS()
	return result{in: info.Size(), out: n, d: d, rss: rss}, err
}

func report(function string, fn, fw []result) {
	mbps := func(r result) float64 { return float64(r.in) / 1e6 / r.d.Seconds() }
	secs := func(r result) float64 { return r.d.Seconds() }
	mib := func(r result) float64 { return float64(r.rss) / (1 << 20) }
	var ratios []float64
	for i := range fn {
		ratios = append(ratios, mbps(fn[i])/mbps(fw[i]))
	}
	fmt.Printf("| %s | %s | %s | %s s | %s | %s MiB | %s s | %s | %s MiB | %s |\n", function,
		sizeOf(fn[0].in), sizeOf(fn[0].out), span(fn, secs, 2), span(fn, mbps, 0), span(fn, mib, 0),
		span(fw, secs, 2), span(fw, mbps, 0), span(fw, mib, 0), spanOf(ratios, 2))
}

func sizeOf(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d B", n)
}

func span(rs []result, f func(result) float64, prec int) string {
	var vs []float64
	for _, r := range rs {
		vs = append(vs, f(r))
	}
	return spanOf(vs, prec)
}

// spanOf writes the range of vs, "lo–hi", or one value when they agree.
func spanOf(vs []float64, prec int) string {
	lo, hi := vs[0], vs[0]
	for _, v := range vs {
		lo, hi = min(lo, v), max(hi, v)
	}
	a, b := strconv.FormatFloat(lo, 'f', prec, 64), strconv.FormatFloat(hi, 'f', prec, 64)
	if a == b {
		return a
	}
	return a + "–" + b
}
