package e2e_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"hash"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/internal/accesspoint"
	"github.com/wgor-dev/wgor/sign"
	"github.com/wgor-dev/wgor/wgor"
	"github.com/wgor-dev/wgor/wgor/fcrt"
)

const (
	keyID  = "LTAI5tE2EKeyID"
	secret = "E2E-SECRET-5b1f0c-never-print"
	stsTok = "E2E-STS-TOKEN-77aa01-never-print"
	region = "cn-qingdao"
)

var apCreds = sign.Credentials{AccessKeyID: keyID, AccessKeySecret: secret, SecurityToken: stsTok}

// startAP runs an emulated access point whose function is fn. It accepts
// chunked bodies, which the client sends for an unknown length.
func startAP(t *testing.T, timeout time.Duration, fn accesspoint.InvokerFunc) *accesspoint.Server {
	t.Helper()
	ap, err := accesspoint.New(accesspoint.Config{Function: fn, Credentials: apCreds, Region: region, Timeout: timeout, AllowChunked: true})
	require.NoError(t, err)
	require.NoError(t, ap.Start("127.0.0.1:0"))
	t.Cleanup(func() { ap.Close() })
	return ap
}

// clientFor is the client a function builds from its invocation, as in
// Function Compute: the invocation's credentials, and its region because a
// loopback route names none.
func clientFor(inv *accesspoint.Invocation) *wgor.Client {
	return &wgor.Client{
		Credentials: creds.Static(creds.Credentials{
			AccessKeyID:     inv.Credentials.AccessKeyID,
			AccessKeySecret: inv.Credentials.AccessKeySecret,
			SecurityToken:   inv.Credentials.SecurityToken,
		}),
		Region: inv.Region,
	}
}

// respond answers the invocation's GetObject with r, filling in the route
// and the token from the event.
func respond(ctx context.Context, c *wgor.Client, inv *accesspoint.Invocation, r *wgor.Response) (*wgor.Result, error) {
	ev, err := fcrt.ParseEvent(inv.Event)
	if err != nil {
		return nil, err
	}
	r.Route, r.Token = ev.GetObjectContext.OutputRoute, ev.GetObjectContext.OutputToken
	return c.Write(ctx, r)
}

// get makes a GetObject through the access point and reads the whole body.
func get(t *testing.T, ap *accesspoint.Server, key string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(ap.URL() + "/" + key)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

// serviceError returns err as a *wgor.ServiceError, failing the test if it
// is not one.
func serviceError(t *testing.T, err error) *wgor.ServiceError {
	t.Helper()
	var se *wgor.ServiceError
	require.True(t, errors.As(err, &se), "want a *wgor.ServiceError, got %v", err)
	return se
}

// pattern is a deterministic, non-seekable body of n bytes that does not
// allocate as it is read; its SHA-256 is known without keeping it.
type pattern struct {
	n, off int64
}

func (p *pattern) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	if rest := p.n - p.off; int64(len(b)) > rest {
		b = b[:rest]
	}
	for i := range b {
		x := uint64(p.off) + uint64(i)
		b[i] = byte(x ^ x>>8 ^ x>>16 ^ x>>24)
	}
	p.off += int64(len(b))
	return len(b), nil
}

// patternSum is the SHA-256 of the first n bytes of pattern.
func patternSum(n int64) []byte {
	h := sha256.New()
	_, _ = io.CopyBuffer(h, &pattern{n: n}, make([]byte, 1<<20))
	return h.Sum(nil)
}

// hashingReader hashes a body as it is read, keeping nothing else.
func hashBody(t *testing.T, r io.Reader) ([]byte, int64) {
	t.Helper()
	var h hash.Hash = sha256.New()
	n, err := io.CopyBuffer(h, r, make([]byte, 1<<20))
	require.NoError(t, err)
	return h.Sum(nil), n
}
