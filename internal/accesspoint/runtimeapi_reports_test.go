package accesspoint

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRuntimeAPIRefusesReportsForNoInvocationInProgress(t *testing.T) {
	a := rtStart(t)
	c := newRTClient(t, a)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	queued := rtInvokeAsync(ctx, a, "QUEUED", "{}")

	tests := []struct{ name, id, what string }{
		{"an unknown id", "NOSUCH", "response"},
		{"an unknown id's error", "NOSUCH", "error"},
		{"an invocation no poll has taken", "QUEUED", "response"},
		{"an id with an escaped slash", "QUEUED%2Fx", "response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, http.StatusNotFound, c.report(tt.id, tt.what, "{}"))
		})
	}
	cancel()
	assert.ErrorIs(t, rtWithin(t, queued), context.Canceled)

	t.Run("a second report", func(t *testing.T) {
		done := rtInvokeAsync(t.Context(), a, "TWICE", "{}")
		c.next()
		assert.Equal(t, http.StatusOK, c.report("TWICE", "response", "{}"))
		assert.NoError(t, rtWithin(t, done))
		assert.Equal(t, http.StatusNotFound, c.report("TWICE", "error", "{}"))
	})
}

func TestRuntimeAPIRefusesARequestIDThatCannotTravel(t *testing.T) {
	a := rtStart(t)
	for _, id := range []string{"", "a/b", "a b", "a\r\nb", strings.Repeat("a", 129)} {
		err := a.Invoke(t.Context(), &Invocation{RequestID: id})
		assert.ErrorContains(t, err, "cannot be sent to the runtime API", "%q", id)
	}
}

func TestRuntimeAPIRefusesTwoInvocationsWithOneID(t *testing.T) {
	a := rtStart(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	first := rtInvokeAsync(ctx, a, "SAME", "{}")
	require.Eventually(t, func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.inflight["SAME"] != nil
	}, 5*time.Second, time.Millisecond)
	err := a.Invoke(t.Context(), &Invocation{RequestID: "SAME"})
	assert.ErrorContains(t, err, "already in progress")
	cancel()
	rtWithin(t, first)
}

func TestRuntimeAPIHandsOverlappingInvocationsEachToOnePoll(t *testing.T) {
	a := rtStart(t)
	c := newRTClient(t, a)
	const n = 16
	dones := make(map[string]<-chan error)
	for i := range n {
		id := fmt.Sprintf("REQ%02d", i)
		dones[id] = rtInvokeAsync(t.Context(), a, id, `"`+id+`"`)
	}
	// Poll for all of them before answering any, as the SDK does.
	seen := make(map[string]int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			resp, body := c.next()
			id := resp.Header.Get("x-fc-request-id")
			assert.Equal(t, `"`+id+`"`, body)
			mu.Lock()
			seen[id]++
			mu.Unlock()
		})
	}
	wg.Wait()
	require.Len(t, seen, n)
	for id, count := range seen {
		assert.Equal(t, 1, count, id)
	}
	for id, done := range dones {
		assert.Equal(t, http.StatusOK, c.report(id, "response", "{}"))
		assert.NoError(t, rtWithin(t, done), id)
	}
}

func TestRuntimeAPIBoundsReports(t *testing.T) {
	a := rtStart(t)
	c := newRTClient(t, a)
	tests := []struct {
		what  string
		limit int
		sizes []int
	}{
		{"error", maxInvocationError, []int{maxInvocationError, maxInvocationError + 10}},
		{"response", maxInvocationResult, []int{maxInvocationResult + 10}}, // 32 MiB: once
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			for _, size := range tt.sizes {
				done := rtInvokeAsync(t.Context(), a, "BIG", "{}")
				c.next()
				// A JSON string of size bytes in all.
				body := `"` + strings.Repeat("x", size-2) + `"`
				status := c.report("BIG", tt.what, body)
				err := rtWithin(t, done)
				if size > tt.limit {
					assert.Equal(t, http.StatusRequestEntityTooLarge, status)
					assert.ErrorContains(t, err, "larger than")
				} else {
					assert.Equal(t, http.StatusOK, status)
					assert.NotContains(t, fmt.Sprint(err), "larger than", "a report of exactly the limit")
				}
			}
		})
	}
}

func TestRuntimeAPIInvokeEndsWithItsContext(t *testing.T) {
	a := rtStart(t)
	c := newRTClient(t, a)
	for _, polled := range []bool{false, true} {
		t.Run(fmt.Sprintf("polled=%v", polled), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			defer cancel()
			done := rtInvokeAsync(ctx, a, "SLOW", "{}")
			if polled {
				c.next()
			}
			assert.ErrorIs(t, rtWithin(t, done), context.DeadlineExceeded)
			if polled {
				assert.Equal(t, http.StatusNotFound, c.report("SLOW", "response", "{}"), "a late report")
			}
		})
	}
}

func TestRuntimeAPICloseEndsPollsAndInvocations(t *testing.T) {
	before := runtime.NumGoroutine()
	a, err := startRuntimeAPI(nil)
	require.NoError(t, err)
	c := newRTClient(t, a)
	polls := make(chan int, 1)
	go func() {
		resp, err := c.hc.Get(c.base + "next")
		if err != nil {
			polls <- 0
			return
		}
		resp.Body.Close()
		polls <- resp.StatusCode
	}()
	rtWithin(t, a.polled)
	queued := rtInvokeAsync(context.Background(), a, "HANDED", "{}")
	// The first poll takes HANDED; a second one waits.
	var second int
	wg := sync.WaitGroup{}
	wg.Go(func() {
		resp, err := c.hc.Get(c.base + "next")
		if err == nil {
			resp.Body.Close()
			second = resp.StatusCode
		}
	})
	assert.Equal(t, http.StatusOK, rtWithin(t, polls))
	time.Sleep(20 * time.Millisecond) // let the second poll arrive; either way it must end
	require.NoError(t, a.close())
	wg.Wait()
	assert.Contains(t, []int{0, http.StatusServiceUnavailable}, second)
	assert.ErrorIs(t, rtWithin(t, queued), errRuntimeAPIClosed)
	assert.ErrorIs(t, a.Invoke(t.Context(), &Invocation{RequestID: "LATE"}), errRuntimeAPIClosed)
	assert.NoError(t, a.close(), "a second close")
	c.hc.CloseIdleConnections()
	rtSettled(t, before)
}
