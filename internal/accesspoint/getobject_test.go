package accesspoint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokenIsSingleUse(t *testing.T) {
	second := make(chan answer, 1)
	s := start(t, Config{Function: InvokerFunc(func(ctx context.Context, inv *Invocation) error {
		ev := parseEvent(t, inv)
		if a := send(ctx, inv, ev, reply{body: strings.NewReader("first")}); a.err != nil || a.status != 200 {
			return fmt.Errorf("first write: %d %v", a.status, a.err)
		}
		second <- send(ctx, inv, ev, reply{body: strings.NewReader("second")})
		return nil
	})})

	resp, body, err := get(t, s, "k", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "first", string(body))

	a := receive(t, second)
	require.NoError(t, a.err)
	assert.Equal(t, http.StatusForbidden, a.status)
	e := parseXMLError(t, a.body)
	assert.Equal(t, CodeAccessDenied, e.Code)
	assert.Contains(t, e.Message, "already been used")
}

func TestGetObjectFailsInTimeWhenTheFunctionDoesNotAnswer(t *testing.T) {
	const timeout = 200 * time.Millisecond
	late := make(chan answer, 1)
	sawCancel := make(chan error, 1)
	s := start(t, Config{Timeout: timeout, Function: InvokerFunc(func(ctx context.Context, inv *Invocation) error {
		<-ctx.Done() // a function that hangs until Function Compute stops it
		sawCancel <- ctx.Err()
		late <- send(context.Background(), inv, parseEvent(t, inv), reply{body: strings.NewReader("late")})
		return ctx.Err()
	})})

	began := time.Now()
	resp, body, err := get(t, s, "k", nil)
	took := time.Since(began)
	require.NoError(t, err)

	assert.Equal(t, http.StatusGatewayTimeout, resp.StatusCode)
	assert.Equal(t, "application/xml", resp.Header.Get("Content-Type"))
	e := parseXMLError(t, string(body))
	assert.Equal(t, CodeFunctionTimeout, e.Code)
	assert.Equal(t, resp.Header.Get("x-oss-request-id"), e.RequestID)
	assert.GreaterOrEqual(t, took, timeout)
	assert.Less(t, took, timeout+2*time.Second, "the caller must not wait much past the timeout")

	assert.ErrorIs(t, receive(t, sawCancel), context.DeadlineExceeded, "the function's context ends at the timeout")
	a := receive(t, late)
	require.NoError(t, a.err)
	assert.Equal(t, http.StatusForbidden, a.status)
	le := parseXMLError(t, a.body)
	assert.Equal(t, CodeAccessDenied, le.Code)
	assert.Contains(t, le.Message, "expired")
}

// TestAFunctionStoppedByTheTimeoutIsATimeout: a function that returns as
// soon as its context ends does so at the very moment the access point's
// own timer fires. Whichever the access point sees first, the caller gets
// FunctionTimeout, not FunctionInvocationFailed.
func TestAFunctionStoppedByTheTimeoutIsATimeout(t *testing.T) {
	s := start(t, Config{Timeout: 30 * time.Millisecond, Function: InvokerFunc(func(ctx context.Context, inv *Invocation) error {
		<-ctx.Done()
		return ctx.Err()
	})})
	// The race is lost now and then: try it often. Before the fix, one
	// run in three saw FunctionInvocationFailed.
	const rounds, callers = 8, 128
	for range rounds {
		var wg sync.WaitGroup
		for i := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, body, err := get(t, s, fmt.Sprintf("k%d", i), nil)
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, http.StatusGatewayTimeout, resp.StatusCode)
				assert.Equal(t, CodeFunctionTimeout, parseXMLError(t, string(body)).Code)
			}()
		}
		wg.Wait()
	}
}

func TestGetObjectReportsAFailedFunction(t *testing.T) {
	tests := []struct {
		name     string
		function InvokerFunc
		wantCode string
	}{
		{
			name:     "function returns an error",
			function: func(context.Context, *Invocation) error { return errors.New("cannot decode the image") },
			wantCode: CodeFunctionInvocationFailed,
		},
		{
			name:     "function panics",
			function: func(context.Context, *Invocation) error { panic("boom") },
			wantCode: CodeFunctionInvocationFailed,
		},
		{
			name:     "function returns without a response",
			function: func(context.Context, *Invocation) error { return nil },
			wantCode: CodeFunctionResponseNotReceived,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, Config{Function: tt.function})
			resp, body, err := get(t, s, "k", nil)
			require.NoError(t, err)
			assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
			e := parseXMLError(t, string(body))
			assert.Equal(t, tt.wantCode, e.Code)
			assert.Regexp(t, requestIDPattern, e.RequestID)
		})
	}
}

func TestCallerThatLeavesEndsTheInvocation(t *testing.T) {
	invoked := make(chan struct{})
	late := make(chan answer, 1)
	ended := make(chan error, 1)
	s := start(t, Config{Function: InvokerFunc(func(ctx context.Context, inv *Invocation) error {
		close(invoked)
		<-ctx.Done()
		ended <- ctx.Err()
		late <- send(context.Background(), inv, parseEvent(t, inv), reply{body: strings.NewReader("late")})
		return nil
	})})

	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/k", nil)
	require.NoError(t, err)
	go func() {
		<-invoked
		cancel()
	}()
	_, err = http.DefaultClient.Do(req)
	require.ErrorIs(t, err, context.Canceled)

	assert.ErrorIs(t, receive(t, ended), context.Canceled)
	a := receive(t, late)
	require.NoError(t, a.err)
	assert.Equal(t, http.StatusForbidden, a.status)
	e := parseXMLError(t, a.body)
	assert.Equal(t, CodeAccessDenied, e.Code)
	assert.Contains(t, e.Message, "has ended")
}

func TestCallerThatLeavesMidResponseFailsTheWrite(t *testing.T) {
	answers := make(chan answer, 1)
	s := start(t, Config{AllowChunked: true, Function: InvokerFunc(func(ctx context.Context, inv *Invocation) error {
		answers <- send(ctx, inv, parseEvent(t, inv), reply{body: generated(256 << 20), chunked: true})
		return nil
	})})

	resp, err := http.Get(s.URL() + "/k")
	require.NoError(t, err)
	_, err = io.ReadFull(resp.Body, make([]byte, 1<<20))
	require.NoError(t, err)
	resp.Body.Close() // before the end: net/http closes the connection

	a := receive(t, answers)
	if a.err == nil { // the emulator answered before the function finished sending
		assert.Equal(t, http.StatusBadRequest, a.status)
		assert.Equal(t, CodeCallerDisconnected, parseXMLError(t, a.body).Code)
	}
	assert.NotEqual(t, http.StatusOK, a.status, "the function must not be told its response arrived")
}

func TestConcurrentGetObjectsEachGetTheirOwnResponse(t *testing.T) {
	s := start(t, Config{AllowChunked: true, Function: InvokerFunc(func(ctx context.Context, inv *Invocation) error {
		ev := parseEvent(t, inv)
		key := strings.TrimPrefix(ev.UserRequest.URL, strings.TrimRight(ev.GetObjectContext.OutputRoute, "/")+"/")
		a := send(ctx, inv, ev, reply{
			headers: map[string]string{"ETag": `"` + key + `"`},
			body:    strings.NewReader(strings.Repeat(key, 1000)),
			chunked: len(key)%2 == 0,
		})
		if a.err == nil && a.status != http.StatusOK {
			return fmt.Errorf("write answered %d", a.status)
		}
		return a.err
	})})

	const callers = 64
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("object-%d", i)
			resp, err := http.Get(s.URL() + "/" + key)
			if !assert.NoError(t, err) {
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			assert.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode, key)
			assert.Equal(t, `"`+key+`"`, resp.Header.Get("ETag"))
			assert.Equal(t, strings.Repeat(key, 1000), string(body))
		}()
	}
	wg.Wait()
}

func TestRouteIsAcceptedWithOrWithoutItsScheme(t *testing.T) {
	answers := make(chan answer, 1)
	s := start(t, Config{Function: replying(t, reply{
		body: strings.NewReader("ok"),
		before: func(r *http.Request) {
			r.Header.Set("x-oss-request-route", strings.TrimPrefix(r.Header.Get("x-oss-request-route"), "http://"))
		},
	}, answers)})

	resp, body, err := get(t, s, "k", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "ok", string(body))
	assert.Equal(t, http.StatusOK, receive(t, answers).status)
}
