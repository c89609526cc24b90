package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// dialWhenListening connects to addr, retrying every 50µs while nothing
// listens yet, until ctx ends or the process exits.
func dialWhenListening(ctx context.Context, addr string, exited <-chan struct{}) (net.Conn, error) {
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			return nil, err
		}
		select {
		case <-exited:
			return nil, errors.New("the function exited before it listened")
		case <-ctx.Done():
			return nil, fmt.Errorf("the function never listened on %s: %w", addr, ctx.Err())
		case <-time.After(50 * time.Microsecond):
		}
	}
}

// freePort returns a port that nothing listens on, outside the kernel's
// ephemeral range: a port from that range, freed for the child, can be
// taken meanwhile by any other program's listener or connection on the
// machine (it happened: a stranger answered POST /invoke with 404).
func freePort() (int, error) {
	lo, hi := ephemeralRange()
	for range 100 {
		p := 10000 + mrand.IntN(20000)
		if p >= lo && p <= hi {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			continue // in use
		}
		ln.Close()
		return p, nil
	}
	return 0, errors.New("found no free port outside the ephemeral range")
}

// ephemeralRange returns the kernel's range of ports for unbound sockets
// (Linux's ip_local_port_range), or its default.
func ephemeralRange() (lo, hi int) {
	lo, hi = 32768, 60999
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return lo, hi
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return lo, hi
	}
	l, err1 := strconv.Atoi(f[0])
	h, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil {
		return lo, hi
	}
	return l, h
}

func readRSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("read VmRSS (Linux only): %w", err)
	}
	return parseVmRSS(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
