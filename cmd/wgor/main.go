// Command wgor answers, emulates and debugs OSS WriteGetObjectResponse calls.
//
// Usage:
//
//	wgor demo                   run the local access point and the red-PNG function, end to end
//	wgor emulate [flags]        run a local Object FC Access Point for a function process
//	wgor write [flags] [FILE|-] send a WriteGetObjectResponse
//	wgor sign [flags]           show how a request is signed (canonical request, string to sign)
//	wgor version                print the versions of wgor and Go
//
// Exit codes: 0 success, 1 a failed operation, 2 bad usage. Every flag is
// checked before any work starts (before a file is opened or a connection
// made). Requested help ("wgor --help", "wgor help COMMAND", "wgor COMMAND
// --help") goes to standard output; usage errors go to standard error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/wgor-dev/wgor/wgor"
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
	stdinIsTTY     bool
	stderrIsTTY    bool

	// listenAddr, when set, maps the address emulate was asked to listen
	// on to the one it uses; tests map the documented 127.0.0.1:8080 to a
	// free port. Nil means the address as given.
	listenAddr func(string) string
}

var commands = []command{
	{"demo", "run the local access point and the red-PNG function, end to end", runDemo},
	{"emulate", "run a local Object FC Access Point for a function process", runEmulate},
	{"write", "send a WriteGetObjectResponse from a file or standard input", runWrite},
	{"sign", "show how a request is signed: canonical request, string to sign, Authorization", runSign},
	{"package", "build a main package for Function Compute: zip, s.yaml, RAM policy", runPackage},
	{"version", "print the versions of wgor and Go", runVersion},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv,
		stdinIsTTY: isTerminal(os.Stdin), stderrIsTTY: isTerminal(os.Stderr)}
	code := run(ctx, e, os.Args[1:])
	stop()
	os.Exit(code)
}

// usageError marks an error as bad usage: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

// run dispatches args to a command and returns the exit code.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		printUsage(e.stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "--help", "-help":
		if len(args) > 1 && args[0] == "help" && args[1] != "help" {
			if findCommand(args[1]) == nil {
				fmt.Fprintf(e.stderr, "wgor help: unknown command %s\nRun 'wgor --help' for the commands.\n", quoteArg(args[1]))
				return exitUsage
			}
			if len(args) > 2 {
				fmt.Fprintf(e.stderr, "wgor help: unexpected argument %s\nRun 'wgor --help' for usage.\n", quoteArg(args[2]))
				return exitUsage
			}
			return run(ctx, e, []string{args[1], "--help"})
		}
		if len(args) > 1 && !(args[0] == "help" && args[1] == "help" && len(args) == 2) {
			fmt.Fprintf(e.stderr, "wgor: unexpected argument %s after %s\nRun 'wgor --help' for usage.\n", quoteArg(args[len(args)-1]), args[0])
			return exitUsage
		}
		printUsage(e.stdout)
		return exitOK
	case "-version", "--version":
		args = append([]string{"version"}, args[1:]...)
	}
	c := findCommand(args[0])
	if c == nil {
		fmt.Fprintf(e.stderr, "wgor: unknown command %s\nRun 'wgor --help' for the commands.\n", quoteArg(args[0]))
		return exitUsage
	}
	err := c.run(ctx, e, args[1:])
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "wgor %s: %s\nRun 'wgor %s --help' for usage.\n", c.name, oneLine(ue.msg), c.name)
		return exitUsage
	default:
		fmt.Fprintf(e.stderr, "wgor %s: %s\n", c.name, message(err))
		return exitFail
	}
}

func findCommand(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
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
	fmt.Fprintln(w, "Run 'wgor COMMAND --help' (or 'wgor help COMMAND') for the flags of a command,")
	fmt.Fprintln(w, "'wgor --version' for the version.")
	fmt.Fprintln(w, "Exit codes: 0 success, 1 a failed operation, 2 bad usage.")
}

const versionUsage = `version

Prints the version of wgor, the Go version it was built with and the
operating system and architecture.`

func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", versionUsage)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("version takes no arguments, got %s", quoteArg(fs.Arg(0)))
	}
	fmt.Fprintf(e.stdout, "wgor %s %s %s/%s\n", wgor.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
