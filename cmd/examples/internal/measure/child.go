package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wgor-dev/wgor/cmd/examples/csv2jsonl"
	"github.com/wgor-dev/wgor/cmd/examples/decompress"
	"github.com/wgor-dev/wgor/cmd/examples/redact"
	"github.com/wgor-dev/wgor/cmd/examples/thumbnail"
	"github.com/wgor-dev/wgor/wgor/fcrt"
)

// handler is the function a child runs, by name; "forward" is
// fcrt.Forward, the yardstick.
func handler(name string) (fcrt.Handler, error) {
	switch name {
	case "forward":
		return fcrt.HandlerFunc(fcrt.Forward), nil
	case "redact":
		return redact.Handler, nil
	case "csv2jsonl":
		return csv2jsonl.Handler{}, nil
	case "decompress":
		h, err := decompress.FromEnv()
		return h, err
	case "thumbnail":
		h, err := thumbnail.FromEnv()
		return h, err
	}
	return nil, fmt.Errorf("no function %q", name)
}

// serveChild runs the function as a custom runtime, as deployed: on
// FC_SERVER_HOST:FC_SERVER_PORT, until SIGTERM.
func serveChild(name string) error {
	h, err := handler(name)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	return fcrt.Run(ctx, h, &fcrt.Options{Logger: slog.New(slog.DiscardHandler)})
}

// child is a function running in a process of its own, so that its
// peak memory is its own.
type child struct {
	cmd *exec.Cmd
	url string
}

func startChild(name string) (*child, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(os.Args[0], "-serve", name)
	cmd.Env = append(os.Environ(), "FC_SERVER_HOST=127.0.0.1", "FC_SERVER_PORT="+port)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, url: "http://" + addr}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if conn, err := net.Dial("tcp", addr); err == nil {
			conn.Close()
			return c, nil
		}
	}
	c.stop()
	return nil, errors.New("the function did not listen within 10 s")
}

// peakRSS is the child's peak resident set (VmHWM of /proc/PID/status,
// proc(5)), in bytes.
func (c *child) peakRSS() (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(c.cmd.Process.Pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmHWM in /proc/PID/status")
}

func (c *child) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	_ = c.cmd.Wait()
}
