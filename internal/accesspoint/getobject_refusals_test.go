package accesspoint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOtherRequestsAreRefused(t *testing.T) {
	s := start(t, Config{Function: replying(t, reply{}, nil)})
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantCode           string
	}{
		{"PUT", http.MethodPut, "/k", 405, CodeMethodNotAllowed},
		{"DELETE", http.MethodDelete, "/k", 405, CodeMethodNotAllowed},
		{"POST without the sub-resource", http.MethodPost, "/", 405, CodeMethodNotAllowed},
		{"HEAD", http.MethodHead, "/k", 405, ""},
		{"GET without a key", http.MethodGet, "/", 400, CodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, s.URL()+tt.path, nil)
			require.NoError(t, err)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			if tt.wantCode != "" { // a HEAD answer has no body
				assert.Equal(t, tt.wantCode, parseXMLError(t, string(body)).Code)
			}
		})
	}
}

func TestResponseBodyThatStallsIsCutAtTheTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	answers := make(chan answer, 1)
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	s := start(t, Config{AllowChunked: true, Timeout: timeout, Function: InvokerFunc(func(ctx context.Context, inv *Invocation) error {
		pr, pw := io.Pipe()
		go func() {
			_, _ = pw.Write([]byte("0123456789"))
			select { // the rest never comes; the body ends with the invocation
			case <-stop:
			case <-ctx.Done():
			}
			pw.CloseWithError(errors.New("the function was stopped"))
		}()
		answers <- send(ctx, inv, parseEvent(t, inv), reply{body: pr, chunked: true})
		return nil
	})})

	began := time.Now()
	resp, body, err := get(t, s, "k", nil)
	took := time.Since(began)
	require.Error(t, err, "the caller sees a broken transfer")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "0123456789", string(body))
	assert.Less(t, took, timeout+2*time.Second)

	a := receive(t, answers)
	assert.NotEqual(t, http.StatusOK, a.status)
	if a.err == nil {
		assert.Equal(t, CodeRequestTimeout, parseXMLError(t, a.body).Code)
	}
}

// failingBody yields a few bytes of a body declared longer, then fails, as a
// function that breaks off its response does.
type failingBody struct{ sent bool }

func (b *failingBody) Read(p []byte) (int, error) {
	if b.sent {
		return 0, errors.New("the function broke off its response")
	}
	b.sent = true
	return copy(p, "partial"), nil
}

// A function that declares a length, sends a few bytes and aborts its
// WriteGetObjectResponse has one observable outcome, however the race
// between its failure and its request falls: a broken transfer, never a
// 502 that says no response was sent.
func TestAFailureAfterTheFirstByteIsABrokenTransferEveryTime(t *testing.T) {
	var log execBuffer
	s := start(t, Config{Logger: slog.New(slog.NewTextHandler(&log, nil)), Function: InvokerFunc(func(ctx context.Context, inv *Invocation) error {
		req, err := build(ctx, inv, parseEvent(t, inv), reply{body: &failingBody{}, before: func(r *http.Request) { r.ContentLength = 100 }})
		if err != nil {
			return err
		}
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		resp, err := tr.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
			return errors.New("the broken response was answered")
		}
		return fmt.Errorf("the function failed: %w", err)
	})})
	for range 30 {
		resp, body, err := get(t, s, "k", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		require.Error(t, err, "the caller sees the transfer break")
		require.Equal(t, "partial", string(body))
	}
	assert.NotContains(t, log.String(), "no WriteGetObjectResponse arrived")
	assert.NotContains(t, log.String(), "has ended")
}
