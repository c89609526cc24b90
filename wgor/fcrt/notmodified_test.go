package fcrt_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor/fcrt"
	"github.com/wgor-dev/wgor/wgor/wgortest"
)

// A 304 has no content (RFC 9110, 15.4.5): as net/http's ResponseWriter,
// the writer refuses a body after WriteHeader(304), and a Content-Length
// there describes the representation (RFC 9110, 8.6), not a body to hold
// the handler to.
func TestNotModifiedHasNoBody(t *testing.T) {
	cases := map[string]func(w fcrt.ResponseWriter) error{
		"a Write after WriteHeader(304) is refused": func(w fcrt.ResponseWriter) error {
			w.WriteHeader(http.StatusNotModified)
			if _, err := io.WriteString(w, "body"); err != http.ErrBodyNotAllowed {
				return fcrt.Error(500, "WriteSucceeded", "want http.ErrBodyNotAllowed")
			}
			return nil
		},
		"the representation's Content-Length is kept out of the way": func(w fcrt.ResponseWriter) error {
			w.Header().Set("Content-Length", "1234")
			w.Header().Set("ETag", `"v1"`)
			w.WriteHeader(http.StatusNotModified)
			return nil
		},
		"a deliberate 304 is answered without an error document": func(fcrt.ResponseWriter) error {
			return fcrt.Error(http.StatusNotModified, "NotModified", "The object has not changed.")
		},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			ap := wgortest.Start(t, handler(func(_ context.Context, w fcrt.ResponseWriter, _ *fcrt.Invocation) error { return f(w) }), nil)
			ap.GetObject(context.Background(), "k", nil)
			relays := ap.Relays()
			require.Len(t, relays, 1)
			assert.Equal(t, http.StatusNotModified, relays[0].Status)
			assert.Empty(t, relays[0].Body)
			invs := ap.Invocations()
			require.Len(t, invs, 1)
			assert.NoError(t, invs[0].Err)
		})
	}
}
