package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/accesspoint"
)

// lockedBuffer collects output written from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// assertRedPNG checks, knowing nothing of redpng's code, that body is a
// 200×200 PNG whose every pixel is opaque red.
func assertRedPNG(t *testing.T, body []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(body))
	require.NoError(t, err, "not a PNG: %.200q", body)
	require.Equal(t, image.Rect(0, 0, 200, 200), img.Bounds())
	red := color.RGBAModel.Convert(color.RGBA{R: 255, A: 255})
	for y := range 200 {
		for x := range 200 {
			if got := color.RGBAModel.Convert(img.At(x, y)); got != red {
				require.Failf(t, "not red", "pixel (%d,%d) is %v", x, y, got)
			}
		}
	}
}

func TestExecRedPNGUnderBothProtocols(t *testing.T) {
	// One binary: redpng on fcrt, which speaks the Go runtime API when
	// FC_RUNTIME_API is set and is a custom runtime otherwise.
	tests := []struct {
		name  string
		env   []string
		proto string // as ExecInvoker logs it
	}{
		{"Go runtime API", nil, "runtime API"},
		// Hidden as in a custom runtime, where Function Compute sets no
		// FC_RUNTIME_API.
		{"custom runtime", []string{"FC_RUNTIME_API="}, "custom runtime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, redBin := build(t)
			var output, log lockedBuffer
			fn := &accesspoint.ExecInvoker{
				Path: redBin, Env: tt.env, Stdout: &output, Stderr: &output,
				Logger: slog.New(slog.NewTextHandler(&log, nil)),
			}
			require.NoError(t, fn.Start(t.Context()))
			t.Cleanup(func() {
				assert.NoError(t, fn.Close())
				if t.Failed() {
					t.Logf("function output:\n%s\nexec log:\n%s", output.String(), log.String())
				}
			})
			ap, err := accesspoint.New(accesspoint.Config{Function: fn, Credentials: apCreds, Region: region, Timeout: 20 * time.Second})
			require.NoError(t, err)
			require.NoError(t, ap.Start("127.0.0.1:0"))
			t.Cleanup(func() { ap.Close() })

			type got struct {
				resp *http.Response
				body []byte
				err  error
			}
			results := make([]got, 4)
			var wg sync.WaitGroup
			for i := range results {
				wg.Go(func() {
					ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
					defer cancel()
					r := &results[i]
					req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/image-%d.png", ap.URL(), i), nil)
					if r.resp, r.err = http.DefaultClient.Do(req); r.err == nil {
						r.body, r.err = io.ReadAll(r.resp.Body)
						r.resp.Body.Close()
					}
				})
			}
			wg.Wait()
			for _, r := range results {
				require.NoError(t, r.err)
				assert.Equal(t, http.StatusOK, r.resp.StatusCode, "%.300s", r.body)
				assert.Equal(t, "image/png", r.resp.Header.Get("Content-Type"))
				assertRedPNG(t, r.body)
			}
			assert.Contains(t, log.String(), "the function speaks the "+tt.proto)
			for _, s := range []string{output.String(), log.String()} {
				assert.False(t, strings.Contains(s, secret) || strings.Contains(s, stsTok), "a secret in the output")
			}
		})
	}
}
