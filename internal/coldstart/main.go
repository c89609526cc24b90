// Command coldstart measures how a red-PNG function starts cold, side by
// side with its baselines, as Function Compute starts a new instance for a
// cold GetObject:
//
//   - redpng: cmd/redpng, the function built on wgor;
//   - floor: internal/coldstart/floor, the same function on the standard
//     library alone with a hand-written V4 signature;
//   - sdkv2: internal/sdkinterop/cmd/redpngsdk, the same function on the
//     official OSS Go SDK v2 (built in its own module, so wgor's module never
//     requires the SDK).
//
// Run it from the repository's root:
//
//	go -C internal/coldstart run .          # 2000 starts each: one to two minutes on 2 cores
//	go -C internal/coldstart run . -n 5     # a smoke run
//	go -C internal/coldstart run . -with ./internal/x/variant   # one more column
//
// It builds the three binaries as they are deployed (CGO_ENABLED=0,
// -trimpath -ldflags='-s -w'), copies each several times (a binary's layout
// in the page cache moves its start by 1–2%, so each start uses the next
// copy), and starts them in rotating order. For each start it plays both
// sides of the flow: Function Compute, which posts POST /invoke with an
// Object FC Access Point event, the x-fc-* credentials and x-fc-region; and
// OSS, whose loopback server is the event's outputRoute: it reads the whole
// WriteGetObjectResponse, checks its V4 signature with sign.Verify, its
// headers and that the body is the red PNG, and answers 200 with
// x-oss-request-id. A start's time runs from just before exec to the moment
// that answer is written. After the invocation returns it reads the
// process's VmRSS from /proc/<pid>/status, then kills it. Separate runs with
// GODEBUG=inittrace=1 count the package initialisers and their time.
//
// It prints a Markdown table: medians, the ratios to the floor and to the
// SDK v2 version (of the medians, and the median of the ratios within each
// round, which a change of the machine's load affects less), how much of the
// time passes before the function listens, the binaries' sizes, RSS and the
// initialisers. Other programs running on the machine move every figure:
// compare the columns of one run, and ranges across runs. Linux only
// (/proc).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"
)

// options are the command line's settings.
type options struct {
	starts    int    // measured starts per binary
	copies    int    // copies of each binary, used in turn
	initRuns  int    // GODEBUG=inittrace=1 runs per binary
	dir       string // where binaries are built; empty means a temporary directory
	warmup    int    // unmeasured starts per binary before measuring
	perStart  time.Duration
	verbosity bool
	extra     []string // more main packages of the main module to measure
}

func main() {
	var o options
	flag.IntVar(&o.starts, "n", 2000, "measured starts per binary (fewer than several hundred do not hold the ratios still)")
	flag.IntVar(&o.copies, "copies", 4, "copies of each binary, started in turn")
	flag.IntVar(&o.initRuns, "initruns", 20, "GODEBUG=inittrace=1 runs per binary")
	flag.IntVar(&o.warmup, "warmup", 5, "unmeasured starts per binary first, to fill the page cache")
	flag.StringVar(&o.dir, "dir", "", "build the binaries here and keep them (default: a temporary directory, removed)")
	flag.DurationVar(&o.perStart, "timeout", 10*time.Second, "limit for one start")
	flag.BoolVar(&o.verbosity, "v", false, "print progress")
	flag.Func("with", "also measure this `package` of the main module, such as ./internal/coldstart/floor with a change (repeatable)", func(s string) error {
		if !strings.HasPrefix(s, "./") {
			return errors.New("give a package path relative to the module, starting with ./")
		}
		o.extra = append(o.extra, s)
		return nil
	})
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: go -C internal/coldstart run . [-n starts] [-copies n] [-initruns n] [-warmup n] [-dir dir] [-timeout d] [-with ./pkg]... [-v]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 || o.starts < 1 || o.copies < 1 || o.initRuns < 1 || o.warmup < 0 || o.perStart <= 0 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
	fmt.Print(res.table())
}

// run builds, measures and returns the results of every binary.
func run(ctx context.Context, o options) (*results, error) {
	dir := o.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "coldstart-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	bins, err := build(ctx, dir, o.copies, o.extra)
	if err != nil {
		return nil, err
	}
	h, err := newHarness()
	if err != nil {
		return nil, err
	}
	defer h.close()

	res := &results{starts: o.starts}
	for _, b := range bins {
		res.bins = append(res.bins, &binResult{name: b.name, label: b.label, size: b.size})
	}
	progress := func(format string, args ...any) {
		if o.verbosity {
			fmt.Fprintf(os.Stderr, format+"\n", args...)
		}
	}

	// Warm-up and measured rounds: round r starts every binary once, in an
	// order rotated by r, each from its copy r mod copies.
	total := o.warmup + o.starts
	for r := range total {
		for _, i := range rotation(len(bins), r) {
			b := bins[i]
			s, err := h.start(ctx, b.copies[r%len(b.copies)], nil, o.perStart)
			if err != nil {
				return nil, fmt.Errorf("%s, round %d: %w", b.name, r, err)
			}
			if r >= o.warmup {
				res.bins[i].times = append(res.bins[i].times, s.elapsed)
				res.bins[i].listen = append(res.bins[i].listen, s.listen)
				res.bins[i].rss = append(res.bins[i].rss, s.rss)
			}
		}
		if (r+1)%50 == 0 {
			progress("round %d of %d", r+1, total)
		}
	}

	for r := range o.initRuns {
		for _, i := range rotation(len(bins), r) {
			b := bins[i]
			s, err := h.start(ctx, b.copies[r%len(b.copies)], []string{"GODEBUG=inittrace=1"}, o.perStart)
			if err != nil {
				return nil, fmt.Errorf("%s, inittrace run %d: %w", b.name, r, err)
			}
			n, clock, err := parseInitTrace(s.stderr)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", b.name, err)
			}
			res.bins[i].inits = n
			res.bins[i].initClock = append(res.bins[i].initClock, clock)
		}
	}
	progress("done")
	return res, nil
}

// rotation returns 0…n-1 rotated left by r: the order of round r.
func rotation(n, r int) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = (i + r) % n
	}
	return order
}
