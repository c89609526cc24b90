package wgor_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/wgor"
)

// The rule (README: "No error (anywhere in its chain), log record, Result or
// panic holds the secret, the security token, the output token or a
// signature, raw, quoted, JSON- or URL-escaped"), applied to the body's own
// Read errors: whatever a body's Read says, on every way a body is sent.

// failAfter gives n bytes of the body, then fails with err.
func failAfter(n int, err error) io.Reader {
	return onlyReader{io.MultiReader(bytes.NewReader(pattern(n)), failingReader{err})}
}

type failingReader struct{ err error }

func (e failingReader) Read([]byte) (int, error) { return 0, e.err }

func TestABodysReadErrorNeverCarriesASecretOut(t *testing.T) {
	const token = "OSSV1#tab\there \"quoted\" <&> +/= *star"
	const sts = "STS token with spaces * and %"
	const secret = "SECRET-\"quote\"-\ttab"
	provider := creds.Static(creds.Credentials{AccessKeyID: testAKID, AccessKeySecret: secret, SecurityToken: sts})
	var said []string
	for _, s := range []string{token, sts, secret} {
		said = append(said, forms(s)...)
	}
	var printed []string // the forms, and the forms on one line
	for _, f := range said {
		printed = append(printed, f, strings.ReplaceAll(f, "\t", " "))
	}
	readErr := errors.New("backend failed for " + strings.Join(said, " and "))
	modes := map[string]func(r *wgor.Response){
		"spooled":         func(*wgor.Response) {},
		"declared length": func(r *wgor.Response) { r.ContentLength = 1 << 20 },
		"chunked":         func(r *wgor.Response) { r.Chunked = true },
	}
	for name, mode := range modes {
		for _, transport := range []string{"default", "own"} {
			t.Run(name+", "+transport+" transport", func(t *testing.T) {
				var logs syncBuffer
				f := newFakeOSS(t)
				c := &wgor.Client{Credentials: provider, Region: testRegion, Logger: newLogger(&logs)}
				if transport == "own" {
					c.HTTPClient = &http.Client{Transport: newTransport()}
				}
				for _, n := range []int{1, 300_000} { // in the first read, and after some were sent
					r := &wgor.Response{Route: f.srv.URL, Token: token, Status: 200, Body: failAfter(n, readErr)}
					mode(r)
					_, err := c.Write(context.Background(), r)
					require.Error(t, err)
					assert.Contains(t, err.Error(), "backend failed for "+"<redacted>", "the body's own words stay, without the secrets")
					for _, out := range append(chainTexts(err), logs.String()) {
						for _, form := range printed {
							assert.NotContains(t, out, form)
						}
					}
				}
			})
		}
	}
}

// TestAFailingBodyOfDeclaredLengthReturnsPromptly: a body whose Read fails
// midway is reported at once, as the chunked path reports it, and not held
// for an answer that a body's own failure never has; the access point
// never gets a complete request.
func TestAFailingBodyOfDeclaredLengthReturnsPromptly(t *testing.T) {
	boom := errors.New("the backend went away")
	for _, mode := range []string{"declared length", "chunked"} {
		for _, transport := range []string{"default", "own"} {
			t.Run(mode+", "+transport+" transport", func(t *testing.T) {
				f := newFakeOSS(t)
				c := &wgor.Client{Credentials: testCreds(), Region: testRegion}
				if transport == "own" {
					c.HTTPClient = &http.Client{Transport: newTransport()}
				}
				r := f.response(failAfter(1<<20, boom))
				r.ContentLength, r.Chunked = 2<<20, mode == "chunked"
				if mode == "chunked" {
					r.ContentLength = 0
				}
				start := time.Now()
				_, err := c.Write(context.Background(), r)
				elapsed := time.Since(start)
				t.Logf("Write returned after %v", elapsed)
				require.ErrorIs(t, err, boom)
				assert.NotErrorIs(t, err, wgor.ErrNotSent, "part of the body was sent")
				assert.Less(t, elapsed, 500*time.Millisecond, "Write was held after the body failed")
				got := f.waitRequests(1)
				assert.Error(t, got[0].BodyErr, "the access point must not receive a complete request")
				assert.Less(t, len(got[0].Body), 2<<20)
			})
		}
	}
}

// TestARouteNamingASecretIsNotPrinted: a route is not secret, but one that
// names a secret by mistake (here the security token as a host label) is
// scrubbed from the errors and log records that quote the host.
func TestARouteNamingASecretIsNotPrinted(t *testing.T) {
	var logs syncBuffer
	route := "http://" + testSecurityToken + ".example"
	c := &wgor.Client{
		HTTPClient: &http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
			return nil, errors.New("dial tcp: lookup " + req.URL.Hostname() + ": connection refused")
		})},
		Credentials: testCreds(), Region: testRegion, Logger: newLogger(&logs),
	}
	_, err := c.Write(context.Background(), &wgor.Response{Route: route, Token: testToken, Status: 200, Body: strings.NewReader("x")})
	require.Error(t, err)
	for _, out := range append(chainTexts(err), logs.String()) {
		assert.NotContains(t, out, testSecurityToken)
	}
	assert.Contains(t, logs.String(), "WriteGetObjectResponse failed")
}
