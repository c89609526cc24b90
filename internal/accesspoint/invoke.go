package accesspoint

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/internal/redact"
	"github.com/wgor-dev/wgor/sign"
)

// Invocation is one call of the function, for one GetObject.
type Invocation struct {
	// RequestID is the GetObject's x-oss-request-id, sent as x-fc-request-id.
	RequestID string

	// Event is the JSON event (see the package documentation).
	Event []byte

	// Credentials are the function's temporary credentials, which
	// WriteGetObjectResponse must be signed with.
	Credentials sign.Credentials

	// Region to sign for: the event's loopback route names none
	// (x-fc-region for a runtime).
	Region string
}

// An Invoker runs the function for an invocation and returns when it
// returns; an error means it failed. The context ends at the timeout, when
// the caller leaves before a response, or at Server.Close. As in Function
// Compute, the function must send WriteGetObjectResponse before it returns,
// or the GetObject fails with FunctionResponseNotReceived.
type Invoker interface {
	Invoke(ctx context.Context, inv *Invocation) error
}

// InvokerFunc runs an in-process Go function as the function.
type InvokerFunc func(ctx context.Context, inv *Invocation) error

// Invoke calls f.
func (f InvokerFunc) Invoke(ctx context.Context, inv *Invocation) error { return f(ctx, inv) }

// HTTPInvoker invokes a function in a Function Compute custom runtime as
// Function Compute invokes an event function ("Custom runtime: event
// handlers", "Common request headers"): POST <URL>/invoke with the event
// and x-fc-request-id, x-fc-access-key-id, x-fc-access-key-secret,
// x-fc-security-token, x-fc-region and x-fc-control-path. A status other
// than 2xx, or an x-fc-status other than 200, fails the invocation.
type HTTPInvoker struct {
	// URL is the runtime's base URL, such as "http://127.0.0.1:9000".
	URL string

	// Client sends the request; nil means a client that ignores proxy
	// variables, which would see the credentials. Redirects are never
	// followed: they would carry the credentials elsewhere.
	Client *http.Client
}

// invokeClient is HTTPInvoker's default: the default transport, no proxy.
var invokeClient = func() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	return &http.Client{Transport: t}
}()

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// maxRuntimeAnswer bounds what is read of a runtime's answer.
const maxRuntimeAnswer = 64 << 10

// setFCHeaders sets the x-fc-* headers both runtimes read.
func setFCHeaders(h http.Header, inv *Invocation) {
	h.Set("X-Fc-Request-Id", inv.RequestID)
	h.Set(creds.HeaderFCAccessKeyID, inv.Credentials.AccessKeyID)
	h.Set(creds.HeaderFCAccessKeySecret, inv.Credentials.AccessKeySecret)
	if inv.Credentials.SecurityToken != "" {
		h.Set(creds.HeaderFCSecurityToken, inv.Credentials.SecurityToken)
	}
	h.Set("X-Fc-Region", inv.Region)
}

// Invoke posts the event to the custom runtime and waits for its answer.
func (h HTTPInvoker) Invoke(ctx context.Context, inv *Invocation) error {
	if h.URL == "" {
		return fmt.Errorf("accesspoint: HTTPInvoker has no URL: set it to the custom runtime's base URL")
	}
	url := strings.TrimRight(h.URL, "/") + "/invoke"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(inv.Event))
	if err != nil {
		return fmt.Errorf("accesspoint: build the invoke request for %s: %w", url, err)
	}
	setFCHeaders(req.Header, inv)
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("X-Fc-Control-Path", "/invoke")
	c := *invokeClient
	if h.Client != nil {
		c = *h.Client
	}
	c.CheckRedirect = noRedirect
	resp, err := c.Do(req)
	if err != nil {
		return scrubber(inv).Errorf("accesspoint: invoke the custom runtime: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxRuntimeAnswer))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxRuntimeAnswer)) // so the connection can be reused
	// The runtime's words enter here, and are scrubbed.
	sc := scrubber(inv)
	switch st := resp.Header.Get("X-Fc-Status"); {
	case resp.StatusCode/100 == 3:
		return sc.Errorf("accesspoint: custom runtime at %s answered %s: the emulator does not follow redirects, which would carry the function's credentials elsewhere; answer /invoke directly", url, resp.Status)
	case resp.StatusCode/100 != 2:
		return sc.Errorf("accesspoint: the function failed: custom runtime at %s answered %s%s", url, resp.Status, quoteAnswer(sc, answer))
	case st != "" && st != "200":
		return sc.Errorf("accesspoint: the function failed: custom runtime at %s reported x-fc-status %.16q%s", url, sc.String(st), quoteAnswer(sc, answer))
	}
	return nil
}

// quoteAnswer quotes the start of a runtime's answer, scrubbed first: cut
// first, a secret's head would survive the cut unrecognised.
func quoteAnswer(sc *redact.Scrubber, b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return fmt.Sprintf(" %.256q", sc.String(string(b)))
}

// invoke runs the function, turns a panic into an error, and scrubs the
// function's words of the invocation's secrets.
func invoke(ctx context.Context, f Invoker, inv *Invocation) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("accesspoint: the function panicked: %v", v)
		}
		err = scrubber(inv).Error(err)
	}()
	return f.Invoke(ctx, inv)
}
