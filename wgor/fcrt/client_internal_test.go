package fcrt

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/wgor"
)

// TestDefaultClientReportsAnEarlyRefusal: the runtime's own HTTP client is
// the client package's default one, whose connections let OSS's early
// refusal (written before it read the body, then a reset) reach the
// handler as the *ServiceError rather than as "connection reset by peer".
func TestDefaultClientReportsAnEarlyRefusal(t *testing.T) {
	const refusal = `<Error><Code>AccessDenied</Code><Message>The token has been used.</Message></Error>`
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close() // unread body: the kernel answers the rest with a reset
				br := bufio.NewReader(c)
				tp := textproto.NewReader(br)
				if _, err := tp.ReadLine(); err != nil { // the request line
					return
				}
				if _, err := tp.ReadMIMEHeader(); err != nil {
					return
				}
				io.CopyN(io.Discard, br, 10)
				fmt.Fprintf(c, "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nX-Oss-Request-Id: EARLY\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(refusal), refusal)
			}()
		}
	}()
	c := &wgor.Client{
		HTTPClient:  defaultHTTPClient(),
		Credentials: creds.Static(creds.Credentials{AccessKeyID: "LTAI5tEarly", AccessKeySecret: "early-secret"}),
		Region:      "cn-hangzhou",
	}
	for i := range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := c.Write(ctx, &wgor.Response{Route: "http://" + l.Addr().String(), Token: "OSSV1#early-token",
			Status: http.StatusOK, Body: bytes.NewReader(make([]byte, 32<<20))})
		cancel()
		var se *wgor.ServiceError
		require.ErrorAs(t, err, &se, "attempt %d", i)
		assert.Equal(t, "AccessDenied", se.Code)
	}
}
