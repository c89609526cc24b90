package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// sample is one measurement: n invocations at once in one mode.
type sample struct {
	wall, cpu time.Duration
	peak      int64
	failed    int
	firstErr  string // the first failure's error, for the report
}

// measure sends n invocations at once to fn and waits for them all.
func measure(ctx context.Context, fn *proc, sink string, n int) (sample, error) {
	pid := fn.cmd.Process.Pid
	if err := resetPeak(pid); err != nil {
		return sample{}, err
	}
	before, err := readUsage(pid)
	if err != nil {
		return sample{}, err
	}
	c := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: n}}
	defer c.CloseIdleConnections()
	var wg sync.WaitGroup
	var mu sync.Mutex
	s := sample{}
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			if err := invoke(ctx, c, fn.addr, sink, i); err != nil {
				mu.Lock()
				if s.failed++; s.firstErr == "" {
					s.firstErr = err.Error()
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	s.wall = time.Since(start)
	after, err := readUsage(pid)
	if err != nil {
		return sample{}, err
	}
	s.cpu, s.peak = after.cpu-before.cpu, after.peak
	return s, nil
}

// results holds the samples by mode and N, in round order.
type results struct {
	by map[string]map[int][]sample
}

func newResults() *results { return &results{by: map[string]map[int][]sample{}} }

func (r *results) add(mode string, n int, s sample) {
	if r.by[mode] == nil {
		r.by[mode] = map[int][]sample{}
	}
	r.by[mode][n] = append(r.by[mode][n], s)
}

// table prints, for each N and mode, the medians of the rounds and the
// medians of the ratios to the base mode paired by round.
func (r *results) table(o options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| N | mode | wall (median, range) | CPU | peak RSS MiB (median, range) | failed | time / %s | CPU / %s |\n", o.base, o.base)
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	var notes []string // the first error of each failed sample
	for _, n := range o.ns {
		for _, m := range o.modes {
			ss := r.by[m][n]
			wall := collect(ss, func(s sample) float64 { return s.wall.Seconds() })
			cpu := collect(ss, func(s sample) float64 { return s.cpu.Seconds() })
			peak := collect(ss, func(s sample) float64 { return float64(s.peak) / (1 << 20) })
			failed := 0
			for _, s := range ss {
				failed += s.failed
				if s.firstErr != "" {
					notes = append(notes, fmt.Sprintf("- N=%d %s: %s\n", n, m, s.firstErr))
				}
			}
			fmt.Fprintf(&b, "| %d | %s | %.3f s (%.3f–%.3f) | %.2f s | %.0f (%.0f–%.0f) | %d | %s | %s |\n",
				n, m, median(wall), slices.Min(wall), slices.Max(wall), median(cpu),
				median(peak), slices.Min(peak), slices.Max(peak), failed,
				r.ratio(m, n, o.base, func(s sample) float64 { return s.wall.Seconds() }),
				r.ratio(m, n, o.base, func(s sample) float64 { return s.cpu.Seconds() }))
		}
	}
	b.WriteString(strings.Join(notes, ""))
	return b.String()
}

// ratio is the median, over rounds, of mode's value over base's in the same
// round, with its range.
func (r *results) ratio(mode string, n int, base string, v func(sample) float64) string {
	a, b := r.by[mode][n], r.by[base][n]
	if len(b) == 0 {
		return "–"
	}
	var rs []float64
	for i := range min(len(a), len(b)) {
		if d := v(b[i]); d > 0 {
			rs = append(rs, v(a[i])/d)
		}
	}
	if len(rs) == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f× (%.2f–%.2f)", median(rs), slices.Min(rs), slices.Max(rs))
}

func collect(ss []sample, v func(sample) float64) []float64 {
	out := make([]float64, len(ss))
	for i, s := range ss {
		out[i] = v(s)
	}
	return out
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
