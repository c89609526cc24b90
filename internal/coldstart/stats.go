package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// results are the measurements of every binary.
type results struct {
	starts int
	bins   []*binResult
}

// binResult is what was measured of one binary.
type binResult struct {
	name, label string
	size        int64           // bytes
	times       []time.Duration // exec → answered WriteGetObjectResponse, one per start (by round)
	listen      []time.Duration // exec → listening, one per start
	rss         []int64         // bytes, one per start
	inits       int             // package initialisers run
	initClock   []time.Duration // their total clock time, one per inittrace run
}

func (b *binResult) medianTime() time.Duration { return median(b.times) }
func (b *binResult) medianRSS() int64          { return median(b.rss) }

// median returns the middle value of v (the mean of the two middle ones for
// an even count); zero for none. v is not modified.
func median[T int64 | time.Duration](v []T) T {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// pairedRatio returns the median over rounds of a's time over b's in the
// same round: rounds are seconds apart, so a change in the machine's load
// affects both alike.
func pairedRatio(a, b *binResult) float64 {
	r := make([]float64, min(len(a.times), len(b.times)))
	for i := range r {
		r[i] = float64(a.times[i]) / float64(b.times[i])
	}
	if len(r) == 0 {
		return 0
	}
	slices.Sort(r)
	if n := len(r); n%2 == 0 {
		return (r[n/2-1] + r[n/2]) / 2
	}
	return r[len(r)/2]
}

// quantile returns the q-quantile of v (0 ≤ q ≤ 1) by the nearest rank.
func quantile(v []time.Duration, q float64) time.Duration {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := int(q*float64(len(s)-1) + 0.5)
	return s[i]
}

// parseInitTrace reads the lines GODEBUG=inittrace=1 prints to stderr, one
// per package initialiser run, such as
//
//	init crypto/internal/fips140deps/cpu @0.66 ms, 0.006 ms clock, 0 bytes, 0 allocs
//
// and returns their number and the sum of their clock times. Other lines
// (the program's own log) are skipped; no init line at all is an error.
func parseInitTrace(stderr []byte) (int, time.Duration, error) {
	var n int
	var total float64 // ms
	sc := bufio.NewScanner(bytes.NewReader(stderr))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "init ") {
			continue
		}
		_, rest, ok := strings.Cut(line, " ms, ")
		clock, _, ok2 := strings.Cut(rest, " ms clock")
		if !ok || !ok2 {
			return 0, 0, fmt.Errorf("an inittrace line is not in the form \"init PKG @T ms, C ms clock, …\": %q", line)
		}
		ms, err := strconv.ParseFloat(clock, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("an inittrace line's clock time %q: %w", clock, err)
		}
		n++
		total += ms
	}
	if n == 0 {
		return 0, 0, errors.New("no inittrace lines on stderr: was GODEBUG=inittrace=1 passed?")
	}
	return n, time.Duration(total * float64(time.Millisecond)), nil
}

// parseVmRSS returns the VmRSS of a /proc/<pid>/status file, in bytes.
func parseVmRSS(status []byte) (int64, error) {
	for line := range strings.SplitSeq(string(status), "\n") {
		v, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		kb, ok := strings.CutSuffix(strings.TrimSpace(v), " kB")
		n, err := strconv.ParseInt(strings.TrimSpace(kb), 10, 64)
		if !ok || err != nil {
			return 0, fmt.Errorf("VmRSS is not in kB: %q", line)
		}
		return n << 10, nil
	}
	return 0, errors.New("no VmRSS line in the process's status")
}

// table renders r as Markdown: a column per binary, medians and ratios.
func (r *results) table() string {
	floor, sdk := r.find("floor"), r.find("sdkv2")
	var b strings.Builder
	row := func(name string, cell func(*binResult) string) {
		b.WriteString("| " + name)
		for _, x := range r.bins {
			b.WriteString(" | " + cell(x))
		}
		b.WriteString(" |\n")
	}
	b.WriteString("|")
	for _, x := range r.bins {
		b.WriteString(" | " + x.label)
	}
	b.WriteString(" |\n|" + strings.Repeat(" --- |", len(r.bins)+1) + "\n")
	row("binary", func(x *binResult) string { return fmt.Sprintf("%.2f MB", float64(x.size)/1e6) })
	row("binary − floor's", func(x *binResult) string { return fmt.Sprintf("%+.2f MB", float64(x.size-floor.size)/1e6) })
	row(fmt.Sprintf("exec → first completed WriteGetObjectResponse (median of %d)", r.starts),
		func(x *binResult) string { return ms(x.medianTime()) })
	row("its interquartile range", func(x *binResult) string {
		return fmt.Sprintf("%.2f–%s", float64(quantile(x.times, 0.25))/float64(time.Millisecond), ms(quantile(x.times, 0.75)))
	})
	row("ratio to the floor", func(x *binResult) string { return ratio(x.medianTime(), floor.medianTime()) })
	row("ratio to SDK v2", func(x *binResult) string { return ratio(x.medianTime(), sdk.medianTime()) })
	row("ratio to the floor, paired by round (median)", func(x *binResult) string { return paired(x, floor) })
	row("ratio to SDK v2, paired by round (median)", func(x *binResult) string { return paired(x, sdk) })
	row("of which exec → listening (median)", func(x *binResult) string { return ms(median(x.listen)) })
	row("RSS after it (median)", func(x *binResult) string { return mib(x.medianRSS()) })
	row("RSS − floor's", func(x *binResult) string {
		return fmt.Sprintf("%+.1f MiB", float64(x.medianRSS()-floor.medianRSS())/(1<<20))
	})
	row(fmt.Sprintf("package initialisers run (`GODEBUG=inittrace=1`; count, median clock of %d runs)", len(r.bins[0].initClock)),
		func(x *binResult) string { return fmt.Sprintf("%d, %s", x.inits, ms(median(x.initClock))) })
	return b.String()
}

func (r *results) find(name string) *binResult {
	for _, x := range r.bins {
		if x.name == name {
			return x
		}
	}
	panic("coldstart: no binary " + name) // targets always has it
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func paired(a, b *binResult) string {
	if a == b {
		return "1"
	}
	return fmt.Sprintf("%.3f×", pairedRatio(a, b))
}

func ratio(a, b time.Duration) string {
	if a == b {
		return "1"
	}
	return fmt.Sprintf("%.3f×", float64(a)/float64(b))
}
