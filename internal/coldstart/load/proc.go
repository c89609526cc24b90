package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is a process the load program started: the sink or a function.
type proc struct {
	cmd  *exec.Cmd
	addr string // host:port it serves on
}

func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM) // a profiling function writes its profile
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// startSink starts this program again as the sink: OSS's side of
// WriteGetObjectResponse, in a process of its own so that its work is not
// the function's. It prints its address on its first line.
func startSink(ctx context.Context) (*proc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self, "-sink")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("the sink did not start: %w", err)
	}
	return &proc{cmd: cmd, addr: strings.TrimSpace(line)}, nil
}

// serveSink reads every request's body whole and answers 200 with a request
// ID, as OSS answers a WriteGetObjectResponse it accepted.
func serveSink() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	var n int64
	var mu sync.Mutex
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		n++
		id := n
		mu.Unlock()
		w.Header().Set("x-oss-request-id", fmt.Sprintf("SINK%012d", id))
	}))
}

// startFunction starts a function binary as a custom runtime on a free
// loopback port, with env added, and waits until it accepts connections.
func startFunction(ctx context.Context, path string, env []string) (*proc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, path)
	cmd.Env = append(os.Environ(), append(env, "FC_SERVER_HOST=127.0.0.1", "FC_SERVER_PORT="+port)...)
	// Its log goes to a file a failed invocation can be looked up in.
	if logf, err := os.CreateTemp("", "load-fn-*.log"); err == nil {
		defer logf.Close()
		cmd.Stderr = logf
		fmt.Fprintf(os.Stderr, "load: %s logs to %s\n", filepath.Base(path), logf.Name())
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, addr: "127.0.0.1:" + port}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if c, err := net.Dial("tcp", p.addr); err == nil {
			c.Close()
			return p, nil
		}
	}
	p.stop()
	return nil, fmt.Errorf("%s did not listen on %s", path, p.addr)
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

// usage is what /proc says of a process: CPU time so far and peak RSS since
// the last reset.
type usage struct {
	cpu  time.Duration
	peak int64 // bytes
}

// resetPeak clears the process's peak RSS (proc(5), /proc/pid/clear_refs,
// value 5).
func resetPeak(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

func readUsage(pid int) (usage, error) {
	var u usage
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return u, err
	}
	// Fields 14 and 15 (utime, stime) in clock ticks, after the command
	// name in parentheses (proc(5)); Linux's USER_HZ is 100.
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	u.cpu = time.Duration(ut+st) * 10 * time.Millisecond
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return u, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			u.peak = kb << 10
		}
	}
	return u, nil
}

// invoke plays Function Compute: POST /invoke with an event whose route is
// the sink, and the invocation's credentials in the x-fc-* headers
// (Function Compute, "Custom runtime: context and log format").
func invoke(ctx context.Context, c *http.Client, fn, sink string, i int) error {
	event := fmt.Sprintf(`{"getObjectContext":{"outputRoute":"http://%s","outputToken":"OSSV1#load-%d"}}`, sink, i)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+fn+"/invoke", strings.NewReader(event))
	if err != nil {
		return err
	}
	for k, v := range map[string]string{
		"x-fc-request-id": fmt.Sprintf("load-%d", i), "x-fc-region": "cn-hangzhou",
		"x-fc-access-key-id": "STS.load", "x-fc-access-key-secret": "load-secret",
		"x-fc-security-token": "load-token", "x-fc-function-timeout": "600",
	} {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("invocation %d: %s", i, resp.Status)
	}
	return nil
}
