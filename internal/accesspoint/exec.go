package accesspoint

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults of ExecInvoker.
const (
	// DefaultStartTimeout is how long an ExecInvoker waits, from Start, for
	// the process to poll FC_RUNTIME_API or to listen on FC_SERVER_PORT.
	DefaultStartTimeout = 10 * time.Second

	// DefaultGracePeriod is how long Close waits after SIGTERM before it
	// kills the process.
	DefaultGracePeriod = 5 * time.Second
)

// ExecInvoker runs a function's binary as Function Compute runs it, and
// invokes it in whichever of Function Compute's two ways it speaks. The
// process is started with, added to its environment:
//
//	FC_SERVER_PORT=<a free loopback port>  FC_SERVER_HOST=127.0.0.1
//	FC_RUNTIME_API=<host:port of a RuntimeAPI>
//
// The port (Function Compute, "Custom runtime") is where a custom runtime
// listens for POST /invoke; the runtime API is where a function built on the Go
// runtime (fc.Start of github.com/aliyun/fc-runtime-go-sdk, fc/entry.go)
// polls for invocations; see RuntimeAPI.
//
// # Which protocol
//
// The first sign of life after Start decides, once for the life of the
// process: a poll of FC_RUNTIME_API makes it a Go runtime function, and
// every invocation is handed to its polls; FC_SERVER_PORT accepting a TCP
// connection (probed from Start, every few milliseconds) makes it a custom
// runtime, and every invocation is posted to it as HTTPInvoker does. A
// process that does both is served by the one it did first. Invocations
// made before the decision wait for it. A process that does neither within
// StartTimeout, or exits first, fails every invocation with an error that
// says so (with its exit status and last lines of stderr). The port is
// chosen free a moment before the process starts; in the unlikely case that
// another process takes it meanwhile, that one would be seen listening.
//
// The process is not restarted: once it has exited, every invocation fails
// with its exit status. Its stdout and stderr are copied to Stdout and
// Stderr. Every invocation's credentials reach the process (x-fc-* headers
// of the poll's answer or of POST /invoke), never its environment. Errors
// quote the last lines of stderr without the invocations' secrets (see
// Config.Logger) and without the values of Env.
//
// Set the fields, then call Start once and Close once. Invoke is safe for
// concurrent use.
type ExecInvoker struct {
	// Path is the function's executable. Required.
	Path string

	// Args are its arguments, without the command name.
	Args []string

	// Env is extra environment, appended to os.Environ() and to the
	// emulator's FC_* variables, which it may override: "FC_RUNTIME_API="
	// (empty) hides the runtime API, as for a custom runtime; a
	// FC_SERVER_PORT or FC_SERVER_HOST of its own is where the process is
	// expected to listen.
	Env []string

	// Stdout and Stderr receive the process's output; nil discards it.
	// Writes come from the goroutines of os/exec.
	Stdout, Stderr io.Writer

	// Logger receives the protocol found, the process's exit, and failed
	// invocations; nil means no logging. Secrets are never logged.
	Logger *slog.Logger

	// StartTimeout bounds the wait for the process's first sign of life;
	// zero means DefaultStartTimeout.
	StartTimeout time.Duration

	// GracePeriod is how long Close waits after SIGTERM before SIGKILL;
	// zero means DefaultGracePeriod. Both signals go to the process's whole
	// group: a child it started (a shell script's server, a worker) is
	// stopped too, even after the process itself has exited.
	GracePeriod time.Duration

	mu        sync.Mutex
	started   bool
	closed    bool
	cmd       *exec.Cmd
	api       *RuntimeAPI
	transport *http.Transport
	custom    HTTPInvoker
	stopCtx   func() bool   // stops the watch of Start's ctx
	ctxDone   chan struct{} // closed when that watch has stopped the process
	stderr    *tailWriter
	secrets   []string // Env's values and the credentials, removed from what the process printed
	tokens    []string // the latest invocations' tokens and URLs, removed too
	cancelRun context.CancelFunc

	// exitErr, proto and detect are set before exited or detected is
	// closed, and never change after: read them once it is.
	exited   chan struct{} // closed once the process has been waited for
	exitErr  error
	detected chan struct{} // closed once the protocol is known, or cannot be
	proto    string        // protoRuntimeAPI or protoCustom
	detect   error
	wg       sync.WaitGroup
}

// The protocols an ExecInvoker can find.
const (
	protoRuntimeAPI = "runtime API"
	protoCustom     = "custom runtime"
)

// maxTrackedTokens bounds how many output tokens and inputOssUrls an
// ExecInvoker remembers to remove from the process's stderr: those of the
// latest invocations, whose lines are the last ones.
const maxTrackedTokens = 256

// Start starts the process, in a process group of its own where the system
// has them (Unix), and the runtime API it may poll, and returns once
// the process has been started. Like exec.CommandContext, ctx bounds the
// process's life: when it ends, the process is stopped as by Close. Call
// Close in any case, to stop the process and wait for it.
func (e *ExecInvoker) Start(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.Path == "":
		return errors.New("accesspoint: ExecInvoker has no Path: set it to the function's executable")
	case e.closed:
		return errors.New("accesspoint: the ExecInvoker is closed: make another one")
	case e.started:
		return errors.New("accesspoint: the ExecInvoker is already started")
	case ctx.Err() != nil:
		return fmt.Errorf("accesspoint: start the function: %w", context.Cause(ctx))
	}
	host, port, err := serverAddr(e.Env)
	if err != nil {
		return err
	}
	api := &RuntimeAPI{Logger: e.Logger}
	if err := api.Start("127.0.0.1:0"); err != nil {
		return err
	}
	e.stderr = &tailWriter{}
	for _, kv := range e.Env {
		_, v, _ := strings.Cut(kv, "=")
		e.secrets = append(e.secrets, v)
	}
	cmd := exec.Command(e.Path, e.Args...)
	ownGroup(cmd)
	// os/exec keeps the last of duplicate variables: Env wins.
	cmd.Env = append(append(os.Environ(),
		"FC_SERVER_PORT="+port, "FC_SERVER_HOST=127.0.0.1", "FC_RUNTIME_API="+api.Addr()), e.Env...)
	cmd.Stdout = e.Stdout
	stderr := io.Writer(io.Discard)
	if e.Stderr != nil {
		stderr = e.Stderr
	}
	cmd.Stderr = io.MultiWriter(stderr, e.stderr)
	// A child of the process that keeps its output open must not keep
	// Close waiting.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		api.Close()
		return fmt.Errorf("accesspoint: start the function %s: %w", e.Path, err)
	}
	e.started, e.cmd, e.api = true, cmd, api
	e.transport = &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}
	addr := net.JoinHostPort(host, port)
	e.custom = HTTPInvoker{URL: "http://" + addr, Client: &http.Client{
		Transport: e.transport,
		// A custom runtime answers the invocation itself; never follow it
		// elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	e.exited, e.detected = make(chan struct{}), make(chan struct{})
	run, cancel := context.WithCancel(context.Background())
	e.cancelRun = cancel
	e.log().Info("exec: started the function", "path", e.Path, "pid", cmd.Process.Pid,
		"FC_SERVER_PORT", port, "FC_RUNTIME_API", api.Addr())
	e.wg.Add(2)
	go e.wait()
	go e.find(run, addr)
	e.ctxDone = make(chan struct{})
	e.stopCtx = context.AfterFunc(ctx, func() {
		defer close(e.ctxDone)
		e.terminate()
	})
	return nil
}

func (e *ExecInvoker) log() *slog.Logger { return cmp.Or(e.Logger, discard) }

// serverAddr returns where a custom runtime is to listen, as the host and
// port to reach it at: FC_SERVER_HOST and FC_SERVER_PORT as env sets them
// (an unspecified host is reached on 127.0.0.1), else a loopback port that
// was free a moment ago.
func serverAddr(env []string) (host, port string, err error) {
	host = "127.0.0.1"
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "FC_SERVER_PORT":
			port = v
		case "FC_SERVER_HOST":
			host = v
		}
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", "", fmt.Errorf("accesspoint: ExecInvoker.Env sets FC_SERVER_PORT to %.16q: use a port number from 1 to 65535", port)
		}
		return host, port, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", "", fmt.Errorf("accesspoint: find a free port for FC_SERVER_PORT: %w", err)
	}
	defer l.Close()
	return host, strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}
