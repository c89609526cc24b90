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

	"github.com/wgor-dev/wgor/internal/redact"
)

// Defaults of ExecInvoker.
const (
	DefaultStartTimeout = 10 * time.Second // for the first sign of life
	DefaultGracePeriod  = 5 * time.Second  // from SIGTERM to SIGKILL
)

// ExecInvoker runs a function's binary as Function Compute runs it, with
// FC_SERVER_PORT (a free loopback port), FC_SERVER_HOST=127.0.0.1 and
// FC_RUNTIME_API (the emulator's Go runtime API) added to its environment,
// and invokes it in whichever way it speaks: the first sign of life after
// Start decides for the life of the process. A poll of FC_RUNTIME_API makes
// it a Go runtime function (fc.Start of github.com/aliyun/fc-runtime-go-sdk);
// the port accepting a connection (probed every few milliseconds) makes it
// a custom runtime, invoked as [HTTPInvoker] does. Invocations before the
// decision wait for it. A process that does neither within StartTimeout,
// or exits, fails every invocation with its exit status and last lines of
// stderr, scrubbed of the invocations' secrets and Env's values. The
// process is never restarted; the credentials reach it only in x-fc-*
// headers.
//
// Set the fields, call Start once and Close once. Invoke is safe for
// concurrent use.
type ExecInvoker struct {
	// Path is the function's executable. Required.
	Path string

	// Args are its arguments, without the command name.
	Args []string

	// Env is appended to os.Environ() and the FC_* variables, which it may
	// override ("FC_RUNTIME_API=" hides the runtime API).
	Env []string

	// Stdout and Stderr receive the process's output; nil discards it.
	Stdout, Stderr io.Writer

	// Logger receives the protocol found, the exit and failed invocations;
	// nil means none. Secrets are never logged.
	Logger *slog.Logger

	// StartTimeout bounds the wait for the first sign of life; zero means
	// DefaultStartTimeout.
	StartTimeout time.Duration

	// GracePeriod is how long Close waits after SIGTERM before SIGKILL;
	// zero means DefaultGracePeriod. Both go to the process's whole group.
	GracePeriod time.Duration

	mu        sync.Mutex
	started   bool
	closed    bool
	cmd       *exec.Cmd
	api       *runtimeAPI
	transport *http.Transport
	custom    HTTPInvoker
	stopCtx   func() bool   // stops the watch of Start's ctx
	ctxDone   chan struct{} // closed when that watch has stopped the process
	stderr    tailWriter
	secrets   []string         // Env's values and the credentials, removed from what the process printed
	tokens    []string         // the latest invocations' tokens and URLs, removed too
	scrub     *redact.Scrubber // made from secrets and tokens by scrubber; nil when they changed
	scrubOut  *scrubbedOutput
	scrubErr  *scrubbedOutput

	alive    context.Context // cancelled, its cause the exit error, once the process has been waited for
	died     context.CancelCauseFunc
	detected chan struct{} // closed once the protocol is known, or cannot be
	invoker  Invoker       // api or custom; set before detected is closed
	detect   error         // likewise
	wg       sync.WaitGroup
}

// Start starts the runtime API and the process, in a process group of its
// own (Unix). When ctx ends the process is stopped as by Close; call Close
// in any case.
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
	api, err := startRuntimeAPI(e.Logger)
	if err != nil {
		return err
	}
	for _, kv := range e.Env {
		_, v, _ := strings.Cut(kv, "=")
		e.secrets = append(e.secrets, v)
	}
	cmd := exec.Command(e.Path, e.Args...)
	ownGroup(cmd)
	// os/exec keeps the last of duplicate variables: Env wins.
	cmd.Env = append(append(os.Environ(),
		"FC_SERVER_PORT="+port, "FC_SERVER_HOST=127.0.0.1", "FC_RUNTIME_API="+api.addr), e.Env...)
	e.scrubOut = &scrubbedOutput{e: e, w: cmp.Or[io.Writer](e.Stdout, io.Discard)}
	e.scrubErr = &scrubbedOutput{e: e, w: cmp.Or[io.Writer](e.Stderr, io.Discard)}
	cmd.Stdout = e.scrubOut
	cmd.Stderr = io.MultiWriter(e.scrubErr, &e.stderr)
	cmd.WaitDelay = time.Second // a child holding the output open must not hold Close
	if err := cmd.Start(); err != nil {
		api.close()
		return fmt.Errorf("accesspoint: start the function %s: %w", e.Path, err)
	}
	e.started, e.cmd, e.api = true, cmd, api
	e.transport = &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}
	addr := net.JoinHostPort(host, port)
	e.custom = HTTPInvoker{URL: "http://" + addr, Client: &http.Client{Transport: e.transport}}
	e.alive, e.died = context.WithCancelCause(context.Background())
	e.detected = make(chan struct{})
	e.log().Info("exec: started the function", "path", e.Path, "pid", cmd.Process.Pid,
		"FC_SERVER_PORT", port, "FC_RUNTIME_API", api.addr)
	e.wg.Add(2)
	go e.wait()
	go e.find(addr)
	e.ctxDone = make(chan struct{})
	e.stopCtx = context.AfterFunc(ctx, func() {
		defer close(e.ctxDone)
		e.terminate()
	})
	return nil
}

func (e *ExecInvoker) log() *slog.Logger { return cmp.Or(e.Logger, discard) }

// serverAddr returns where to reach a custom runtime: FC_SERVER_HOST and
// FC_SERVER_PORT of env (an unspecified host is 127.0.0.1), else a loopback
// port that was free a moment ago.
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
