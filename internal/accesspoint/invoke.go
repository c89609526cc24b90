package accesspoint

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/wgor-dev/wgor/sign"
)

// Invocation is one call of the function, made for one GetObject request.
type Invocation struct {
	// RequestID identifies the invocation; it is also the x-oss-request-id
	// of the GetObject it serves and is sent as x-fc-request-id.
	RequestID string

	// Event is the JSON event, as Function Compute passes it to a function
	// (see the package documentation for its fields).
	Event []byte

	// Credentials are the temporary credentials Function Compute gives the
	// function; WriteGetObjectResponse must be signed with them.
	Credentials sign.Credentials

	// Region is the region to sign WriteGetObjectResponse for. The route in
	// the event is a loopback URL that names no region, so a client must be
	// told this one (x-fc-region for a custom runtime).
	Region string
}

// An Invoker runs the function for an invocation. It should return when the
// function returns: an error means the function failed. The context ends at
// the invocation's timeout, when the GetObject caller goes away before a
// response arrived, or when the server closes.
//
// The function is expected to send WriteGetObjectResponse before it returns,
// as in Function Compute, where an instance may be frozen once its handler
// has returned: a function that returns without having sent it fails the
// GetObject with FunctionResponseNotReceived.
type Invoker interface {
	Invoke(ctx context.Context, inv *Invocation) error
}

// InvokerFunc runs an in-process Go function as the function, for tests and
// demonstrations.
type InvokerFunc func(ctx context.Context, inv *Invocation) error

// Invoke calls f.
func (f InvokerFunc) Invoke(ctx context.Context, inv *Invocation) error { return f(ctx, inv) }

// HTTPInvoker invokes a function running in a Function Compute custom
// runtime, an HTTP server, as Function Compute invokes an event function:
//
//	POST <URL>/invoke
//	Content-Type: application/octet-stream
//	x-fc-request-id, x-fc-access-key-id, x-fc-access-key-secret,
//	x-fc-security-token (STS credentials only), x-fc-region,
//	x-fc-control-path: /invoke
//
//	<the event>
//
// The invocation fails when the runtime cannot be reached, answers a status
// other than 2xx, or reports failure in an x-fc-status header other than 200
// (Function Compute's convention for a function error is 404 in either);
// the error quotes the start of the runtime's answer, on one line, without
// the invocation's secrets.
// Source: Function Compute, "Custom runtime: event handlers" and "Common
// request headers".
type HTTPInvoker struct {
	// URL is the base URL of the custom runtime, such as
	// "http://127.0.0.1:9000"; "/invoke" is appended.
	URL string

	// Client sends the request; nil means a client of the emulator's own
	// that, as Function Compute, connects to the runtime directly, not
	// through a proxy named in the environment (which would see the
	// credentials). Its timeout, if any, should exceed the emulator's.
	// Redirects are never followed, whatever Client's CheckRedirect says:
	// following one would send the function's credentials to another
	// server. A 3xx answer fails the invocation.
	Client *http.Client
}

// invokeClient is HTTPInvoker's client when it has none: the default
// transport without a proxy.
var invokeClient = func() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	return &http.Client{Transport: t}
}()

// noRedirect makes a client return a redirect as the answer.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// maxRuntimeAnswer bounds how much of a runtime's answer is read and
// discarded so that its connection can be reused.
const maxRuntimeAnswer = 64 << 10

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
	hd := req.Header
	hd.Set("Content-Type", "application/octet-stream")
	hd.Set("X-Fc-Request-Id", inv.RequestID)
	hd.Set("X-Fc-Access-Key-Id", inv.Credentials.AccessKeyID)
	hd.Set("X-Fc-Access-Key-Secret", inv.Credentials.AccessKeySecret)
	if inv.Credentials.SecurityToken != "" {
		hd.Set("X-Fc-Security-Token", inv.Credentials.SecurityToken)
	}
	hd.Set("X-Fc-Region", inv.Region)
	hd.Set("X-Fc-Control-Path", "/invoke")

	client := invokeClient
	if h.Client != nil {
		client = h.Client
	}
	c := *client
	c.CheckRedirect = noRedirect
	resp, err := c.Do(req)
	if err != nil {
		return scrubber(inv).Errorf("accesspoint: invoke the custom runtime: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxRuntimeAnswer))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxRuntimeAnswer))
	// The runtime's words enter here: its status text, x-fc-status and
	// answer are scrubbed of the invocation's secrets and put on one line.
	sc := scrubber(inv)
	switch st := resp.Header.Get("X-Fc-Status"); {
	case resp.StatusCode/100 == 3:
		return sc.Errorf("accesspoint: custom runtime at %s answered %s: the emulator does not follow redirects, which would carry the function's credentials elsewhere; answer /invoke directly", url, resp.Status)
	case resp.StatusCode/100 != 2:
		return sc.Errorf("accesspoint: the function failed: custom runtime at %s answered %s%s", url, resp.Status, quoteAnswer(answer))
	case st != "" && st != "200":
		return sc.Errorf("accesspoint: the function failed: custom runtime at %s reported x-fc-status %.16q%s", url, st, quoteAnswer(answer))
	}
	return nil
}

// quoteAnswer quotes the start of a runtime's failure answer for an error.
func quoteAnswer(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return fmt.Sprintf(" %.256q", b)
}

// invoke runs the function and turns a panic of an in-process function into
// an error, so that one bad function cannot take the emulator down.
func invoke(ctx context.Context, f Invoker, inv *Invocation) (err error) {
	// The function's words enter here: its error, or what it panicked
	// with, is scrubbed of the invocation's secrets.
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("accesspoint: the function panicked: %v", v)
		}
		err = scrubber(inv).Error(err)
	}()
	return f.Invoke(ctx, inv)
}
