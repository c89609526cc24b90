package fcrt_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor/fcrt"
)

// A runtime API that answers every poll at once with what cannot be an
// invocation (no x-fc-request-id to answer it by) is backed off from, as a
// failing one is, not polled in a busy loop.
func TestRuntimeAPIThatAnswersGarbageIsBackedOffFrom(t *testing.T) {
	var polls atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		polls.Add(1)
		w.Write([]byte("<html>not an invocation</html>"))
	}))
	defer api.Close()
	t.Setenv("FC_RUNTIME_API", strings.TrimPrefix(api.URL, "http://"))
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	require.NoError(t, fcrt.Run(ctx, handler(func(context.Context, fcrt.ResponseWriter, *fcrt.Invocation) error { return nil }), quiet))
	assert.Less(t, polls.Load(), int32(20), "polls in half a second")
}

// x-fc-function-timeout too large for a time.Duration is refused, not
// wrapped around into a deadline that has passed.
func TestCustomRuntimeRefusesATimeoutBeyondTimeDuration(t *testing.T) {
	oss := newFakeOSS(t, 1)
	var ran bool
	rt := fcrt.NewCustomRuntime(handler(func(context.Context, fcrt.ResponseWriter, *fcrt.Invocation) error {
		ran = true
		return nil
	}), quiet)
	req := httptest.NewRequest(http.MethodPost, "/invoke", bytes.NewReader(event(oss.URL, "t", "")))
	req.Header = fcHeaders(0)
	req.Header.Set("X-Fc-Function-Timeout", "9300000000") // 9.3e18 ns: more than math.MaxInt64
	rec := httptest.NewRecorder()
	rt.ServeHTTP(rec, req)
	assert.Equal(t, 404, rec.Code)
	assert.Contains(t, rec.Body.String(), "x-fc-function-timeout")
	assert.False(t, ran)
}
