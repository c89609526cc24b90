package wgortest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/wgor-dev/wgor/wgor/wgortest"
)

// The access point ignores proxy variables, as accesspoint.HTTPInvoker's
// own client does: a proxy would see the function's credentials and
// tokens. The proxy variables are read once per process, so the access
// point runs in a child process of its own.
func TestTheAccessPointSendsNoInvocationThroughAProxy(t *testing.T) {
	if os.Getenv("WGORTEST_PROXY_CHILD") == "1" {
		ap, err := wgortest.NewServerURL("http://function.invalid:9000", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ap.Close()
		_, _ = ap.GetObject(context.Background(), "k", nil)
		return
	}
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer proxy.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestTheAccessPointSendsNoInvocationThroughAProxy$")
	cmd.Env = append(os.Environ(), "WGORTEST_PROXY_CHILD=1", "HTTP_PROXY="+proxy.URL, "http_proxy="+proxy.URL, "NO_PROXY=", "no_proxy=")
	out, err := cmd.CombinedOutput()
	assert.NoError(t, err, "%s", out)
	assert.Zero(t, proxied.Load(), "the invocation, with the function's credentials, went through the proxy")
}
