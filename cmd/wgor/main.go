// Command wgor answers, emulates and debugs OSS WriteGetObjectResponse calls.
//
// Usage:
//
//	wgor demo                   run the local access point and the red-PNG function, end to end
//	wgor emulate [flags]        run a local Object FC Access Point for a function process
//	wgor write [flags] [FILE|-] send a WriteGetObjectResponse
//	wgor sign [flags]           show how a request is signed (canonical request, string to sign)
//
// Exit codes: 0 success, 1 a failed operation, 2 bad usage. Run
// "wgor COMMAND --help" for the flags of a command.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// command is one subcommand: it parses its own flags from args and writes to
// the streams of env.
type command struct {
	name, summary string
	run           func(ctx context.Context, env *env, args []string) error
}

// env is what a command may touch, so tests can run commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	stderrIsTTY    bool
}

var commands = []command{
	{"demo", "run the local access point and the red-PNG function, end to end", runDemo},
	{"emulate", "run a local Object FC Access Point for a function process", runEmulate},
	{"write", "send a WriteGetObjectResponse from a file or standard input", runWrite},
	{"sign", "show how a request is signed: canonical request, string to sign, Authorization", runSign},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, stderrIsTTY: isTerminal(os.Stderr)}
	code := run(ctx, e, os.Args[1:])
	stop()
	os.Exit(code)
}

// usageError marks an error as bad usage: exit code 2. printed means the
// flag package has shown it already.
type usageError struct {
	msg     string
	printed bool
}

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

// run dispatches args to a command and returns the exit code.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		printUsage(e.stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		var ue *usageError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &ue) && ue.printed:
			return exitUsage
		case errors.As(err, &ue):
			fmt.Fprintf(e.stderr, "wgor %s: %v\nRun 'wgor %s --help' for usage.\n", c.name, err, c.name)
			return exitUsage
		default:
			fmt.Fprintf(e.stderr, "wgor %s: %v\n", c.name, err)
			return exitFail
		}
	}
	fmt.Fprintf(e.stderr, "wgor: unknown command %q\n", args[0])
	printUsage(e.stderr)
	return exitUsage
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "wgor answers, emulates and debugs OSS WriteGetObjectResponse calls.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: wgor COMMAND [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'wgor COMMAND --help' for the flags of a command.")
	fmt.Fprintln(w, "Exit codes: 0 success, 1 a failed operation, 2 bad usage.")
}

// newFlags returns a flag set whose errors are usage errors and whose help
// goes to stderr.
func newFlags(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("wgor "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: wgor %s\n\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, turning a flag error into a usage error (the flag
// package has printed it already).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{msg: err.Error(), printed: true}
	}
	return nil
}

// headerFlags collects repeated --header 'Name: value' flags.
type headerFlags []string

func (h *headerFlags) String() string     { return fmt.Sprint(*h) }
func (h *headerFlags) Set(v string) error { *h = append(*h, v); return nil }

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
