package wgor

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// holdWrite bounds how long a failed write waits for the response that
// may explain it.
const holdWrite = 2 * time.Second

// answerFirst wraps the connections of the default transport so that an
// early refusal reaches the caller. OSS may refuse a request before it has
// read the body (a used token, a bad signature): it writes its error,
// closes the connection, and the rest of the body meets a reset. net/http
// then has both a response and a failed write, and returns whichever it
// sees first, often the write error, dropping the refusal. So a failed
// write after others went through waits, at most holdWrite, until a read
// on the connection fails too (the response, if any, has then been read)
// or the connection is closed.
func answerFirst(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &holdConn{Conn: c, readFailed: make(chan struct{}), closed: make(chan struct{})}, nil
	}
}

type holdConn struct {
	net.Conn
	readFailed, closed  chan struct{}
	readOnce, closeOnce sync.Once
	wrote               atomic.Bool // a write went through: a request is under way
}

func (c *holdConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		c.readOnce.Do(func() { close(c.readFailed) })
	}
	return n, err
}

func (c *holdConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.settle(n > 0 && err == nil, err)
	return n, err
}

// ReadFrom keeps the connection's own ReadFrom, so that a body goes to the
// socket without a copy into net/http's write buffer.
func (c *holdConn) ReadFrom(r io.Reader) (int64, error) {
	rf, ok := c.Conn.(io.ReaderFrom)
	if !ok {
		return io.Copy(struct{ io.Writer }{c}, r)
	}
	n, err := rf.ReadFrom(r)
	c.settle(n > 0, err)
	return n, err
}

// settle records a write that went through, or holds a failed one.
func (c *holdConn) settle(wrote bool, err error) {
	if wrote {
		c.wrote.Store(true)
	}
	// Only once a request is under way can an answer be waiting: a first
	// write that fails (a TLS ClientHello met by a reset) is not held, nor
	// the body's own failure, which net/http's ReadFrom passes on.
	var be *bodyError
	if err == nil || !c.wrote.Load() || errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, net.ErrClosed) ||
		errors.As(err, &be) {
		return
	}
	t := time.NewTimer(holdWrite)
	defer t.Stop()
	select {
	case <-c.readFailed:
	case <-c.closed:
	case <-t.C:
	}
}

func (c *holdConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return c.Conn.Close()
}
