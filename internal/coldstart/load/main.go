// Command load measures a function on wgor/fcrt answering many invocations
// at once on one instance, side by side with the floor (a custom runtime on
// the standard library alone, internal/coldstart/floor, streaming with a
// Content-Length) in the same rounds. Function Compute lets one instance
// serve up to 200 invocations at once ("Configure instance concurrency").
//
// Each invocation's handler writes -bytes zero bytes in 32 KiB pieces; OSS's
// side is a sink in a process of its own that reads each body whole. The
// function is measured by its wall time for N concurrent invocations, its
// CPU time and its peak RSS (/proc), in these modes:
//
//	spooled   wgor, no Content-Length: spooled, then sent with its length
//	declared  wgor, the handler sets Content-Length: streamed
//	chunked   wgor with Options.Chunked
//	floor     the floor, streaming with its Content-Length
//
// From the repository's root:
//
//	go -C internal/coldstart run ./load                       # N = 1, 16, 64, 200; 5 rounds
//	go -C internal/coldstart run ./load -n 200 -tmpdir /mnt/fc512   # a 512 MB disk
//	go -C internal/coldstart run ./load -n 1 -bytes 1073741824 -modes declared,floor
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

type options struct {
	ns        []int
	rounds    int
	bytes     int64
	modes     []string
	base      string
	tmpdir    string
	spoolDisk int64
	timeout   time.Duration
}

func main() {
	sink := flag.Bool("sink", false, "run as the sink (internal)")
	var o options
	ns := flag.String("n", "1,16,64,200", "concurrent invocations, comma-separated")
	modes := flag.String("modes", "spooled,declared,floor", "modes to measure: spooled, declared, chunked, floor")
	flag.IntVar(&o.rounds, "rounds", 5, "rounds; each measures every N in every mode")
	flag.Int64Var(&o.bytes, "bytes", 8<<20, "body bytes per invocation")
	flag.StringVar(&o.base, "base", "floor", "the mode ratios are taken to")
	flag.StringVar(&o.tmpdir, "tmpdir", "", "TMPDIR of the function processes (where the spool goes)")
	flag.Int64Var(&o.spoolDisk, "spool-disk", 0, "the spool's disk budget of the function, in bytes (0: wgor's default)")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Minute, "bound on the whole run")
	flag.Parse()
	if *sink {
		if err := serveSink(); err != nil {
			fmt.Fprintln(os.Stderr, "sink:", err)
			os.Exit(1)
		}
		return
	}
	for _, s := range strings.Split(*ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "load: -n: %q is not a positive number\n", s)
			os.Exit(2)
		}
		o.ns = append(o.ns, n)
	}
	o.modes = strings.Split(*modes, ",")
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	dir, err := os.MkdirTemp("", "load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for _, b := range []struct{ out, pkg string }{{"fn", "./load/fn"}, {"floor", "./floor"}} {
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(dir, b.out), b.pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s (run from internal/coldstart): %w\n%s", b.pkg, err, out)
		}
	}
	sink, err := startSink(ctx)
	if err != nil {
		return err
	}
	defer sink.stop()
	fns := map[string]*proc{}
	defer func() {
		for _, p := range fns {
			p.stop()
		}
	}()
	for _, m := range o.modes {
		path, env, err := modeEnv(dir, m, o)
		if err != nil {
			return err
		}
		if fns[m], err = startFunction(ctx, path, env); err != nil {
			return err
		}
	}
	res := newResults()
	for r := range o.rounds {
		for _, n := range o.ns {
			for i := range o.modes {
				m := o.modes[(i+r)%len(o.modes)] // rotate the order by round
				s, err := measure(ctx, fns[m], sink.addr, n)
				if err != nil {
					return err
				}
				res.add(m, n, s)
			}
		}
		fmt.Fprintf(os.Stderr, "load: round %d of %d done\n", r+1, o.rounds)
	}
	fmt.Print(res.table(o))
	return nil
}

// modeEnv returns the binary and the environment of a mode.
func modeEnv(dir, mode string, o options) (string, []string, error) {
	size := strconv.FormatInt(o.bytes, 10)
	var env []string
	if o.tmpdir != "" {
		env = append(env, "TMPDIR="+o.tmpdir)
	}
	if o.spoolDisk > 0 {
		env = append(env, "WGOR_SPOOL_DISK="+strconv.FormatInt(o.spoolDisk, 10))
	}
	fn := filepath.Join(dir, "fn")
	switch mode {
	case "spooled":
		return fn, append(env, "LOAD_BYTES="+size), nil
	case "declared":
		return fn, append(env, "LOAD_BYTES="+size, "LOAD_DECLARE=1"), nil
	case "chunked":
		return fn, append(env, "LOAD_BYTES="+size, "LOAD_CHUNKED=1"), nil
	case "floor":
		return filepath.Join(dir, "floor"), append(env, "FLOOR_BODY_BYTES="+size), nil
	}
	return "", nil, fmt.Errorf("-modes: unknown mode %q", mode)
}
