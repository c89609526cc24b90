// Command wgor answers, emulates and debugs OSS WriteGetObjectResponse
// calls; "wgor --help" lists its commands, and the README's "The command
// line" says what they promise.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/wgor-dev/wgor/internal/redact"
	"github.com/wgor-dev/wgor/wgor"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// command is one subcommand: it parses its own flags from args.
type command struct {
	name, summary string
	run           func(ctx context.Context, e *env, args []string) error
}

var commands = []command{
	{"demo", "run the local access point and the red-PNG function, end to end", runDemo},
	{"emulate", "run a local Object FC Access Point for a function process", runEmulate},
	{"write", "send a WriteGetObjectResponse from a file or standard input", runWrite},
	{"sign", "show how a request is signed: canonical request, string to sign, Authorization", runSign},
	{"package", "build a main package for Function Compute: zip, s.yaml, RAM policy", runPackage},
	{"version", "print the versions of wgor and Go", runVersion},
}

// env is what a command may touch, so tests can run commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	stdinIsTTY     bool
	stderrIsTTY    bool

	// listenAddr, when set, maps emulate's --listen to the address used:
	// tests map the documented 127.0.0.1:8080 to a free port.
	listenAddr func(string) string

	usage   string   // the command's, set by newFlags
	secrets []string // held by the command: never printed
}

// hold adds secrets the command holds (a token, a key secret) to scrub's.
func (e *env) hold(secrets ...string) {
	e.secrets = append(e.secrets, secrets...)
}

// scrub redacts what the command prints from outside (flag values, errors,
// servers' answers): the secrets it holds and any signature.
func (e *env) scrub() *redact.Scrubber {
	return redact.New(e.secrets...)
}

func main() {
	// SIGHUP too, unless ignored (nohup): a closed terminal must stop
	// emulate's function, which runs in a process group of its own.
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	ctx, stop := signal.NotifyContext(context.Background(), sigs...)
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
	name, who := args[0], "wgor"
	switch name {
	case "help", "-h", "--help", "-help":
		if len(args) != 2 || name != "help" || args[1] == "help" {
			return help(e, args)
		}
		name, who, args = args[1], "wgor help", []string{args[1], "--help"}
	case "-version", "--version":
		name = "version"
	}
	i := 0
	for i < len(commands) && commands[i].name != name {
		i++
	}
	if i == len(commands) {
		fmt.Fprintf(e.stderr, "%s: unknown command %s\nRun 'wgor --help' for the commands.\n", who, quoteArg(name))
		return exitUsage
	}
	c := commands[i]
	err := c.run(ctx, e, args[1:])
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		synopsis, _, _ := strings.Cut(e.usage, "\n\n")
		fmt.Fprintf(e.stderr, "wgor %s: %s\nUsage: wgor %s\nRun 'wgor %s --help' for the flags.\n",
			c.name, e.scrub().String(ue.msg), synopsis, c.name)
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "wgor %s: %s\n", c.name, e.scrub().String(message(err)))
	return exitFail
}

// help answers "wgor help", "wgor --help" and their misuse; run takes
// "wgor help COMMAND".
func help(e *env, args []string) int {
	if len(args) > 2 || len(args) == 2 && args[0] != "help" {
		fmt.Fprintf(e.stderr, "wgor %s: unexpected argument %s\nRun 'wgor --help' for usage.\n", args[0], quoteArg(args[len(args)-1]))
		return exitUsage
	}
	printUsage(e.stdout)
	return exitOK
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, "wgor answers, emulates and debugs OSS WriteGetObjectResponse calls.\n\nUsage: wgor COMMAND [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun 'wgor COMMAND --help' (or 'wgor help COMMAND') for the flags of a command,\n"+
		"'wgor --version' for the version.\n"+
		"Exit codes: 0 success, 1 a failed operation, 2 bad usage.\n")
}

// message is how the command line shows an error that ended a command: the
// library's own words (an OSS refusal says what to do in
// ServiceError.Error), with flags named instead of the library's fields.
// run scrubs it.
func message(err error) string {
	msg := flagWords.Replace(err.Error())
	if se := (*wgor.ServiceError)(nil); errors.As(err, &se) && se.Code == "SignatureDoesNotMatch" {
		msg += "; 'wgor sign' shows what was signed"
	}
	return msg
}

// flagWords drops the packages' prefixes from a library's message and names
// the flag that sets each field it may mention.
var flagWords = strings.NewReplacer( // in order: the first pattern that matches wins
	"invalid response: Route ", "--route ",
	"invalid response: Token ", "--token ",
	"invalid response: Header name ", "--header name ",
	"invalid response: Header ", "--header ",
	"delete the entry; the body's length is Response.ContentLength", "drop it: write sends the body's length itself",
	"set Client.SpoolDir to a writable directory, declare Response.ContentLength, or send it chunked (Client.Chunked)",
	"set $TMPDIR to a writable directory, give the body as a FILE (sent with its length, never spooled), or send it --chunked",
	"the spool's disk budget (SpoolBudget)", "the spool's disk budget ($WGOR_SPOOL_DISK, in bytes): give the body as a FILE, or raise $WGOR_SPOOL_DISK",
	"wgor: ", "", "creds: ", "", "sign: ", "", "accesspoint: ", "", "invalid response: ", "",
	"Client.Region", "--region",
	"Config.Region", "--region",
	"Config.Credentials", "the credentials",
	"the outputToken was refused", "the --token was refused",
	"route host", "the --route host",
	"forwarded header ", "--header ",
)

const versionUsage = `version

Prints the versions of wgor and Go, and the OS and architecture.`

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

// newLogger logs to standard error; verbose adds the debug details.
func newLogger(e *env, verbose bool) *slog.Logger {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
