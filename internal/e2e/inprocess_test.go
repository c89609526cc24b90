package e2e_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/accesspoint"
	"github.com/wgor-dev/wgor/internal/redpng"
	"github.com/wgor-dev/wgor/wgor"
	"github.com/wgor-dev/wgor/wgor/fcrt"
)

func TestRedPNGArrivesIntact(t *testing.T) {
	ap := startAP(t, 10*time.Second, func(ctx context.Context, inv *accesspoint.Invocation) error {
		_, err := respond(ctx, clientFor(inv), inv, &wgor.Response{
			Status: http.StatusOK, ContentType: "image/png", CacheControl: "no-cache",
			Body: bytes.NewReader(redpng.PNG()),
		})
		return err
	})
	resp, body := get(t, ap, "photos/cat.png")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "image/png", resp.Header.Get("Content-Type"))
	assert.Equal(t, redpng.PNG(), body)
	assert.Regexp(t, `^[0-9A-F]{24}$`, resp.Header.Get("X-Oss-Request-Id"))
}

func TestPartialContentForwardsContentRange(t *testing.T) {
	whole := []byte(strings.Repeat("0123456789", 205))
	ap := startAP(t, 10*time.Second, func(ctx context.Context, inv *accesspoint.Invocation) error {
		_, err := respond(ctx, clientFor(inv), inv, &wgor.Response{
			Status:       http.StatusPartialContent,
			ContentRange: "bytes 100-199/2050",
			AcceptRanges: "bytes",
			ContentType:  "application/octet-stream",
			ETag:         `"5B3C1A2E053D763E1B002CC607C5A0FE"`,
			LastModified: time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC),
			Body:         bytes.NewReader(whole[100:200]),
		})
		return err
	})
	resp, body := get(t, ap, "range.bin")
	assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
	assert.Equal(t, "bytes 100-199/2050", resp.Header.Get("Content-Range"))
	assert.Equal(t, "bytes", resp.Header.Get("Accept-Ranges"))
	assert.Equal(t, `"5B3C1A2E053D763E1B002CC607C5A0FE"`, resp.Header.Get("ETag"))
	assert.Equal(t, "Tue, 24 Nov 2026 08:30:00 GMT", resp.Header.Get("Last-Modified"))
	assert.Equal(t, "100", resp.Header.Get("Content-Length"))
	assert.Equal(t, whole[100:200], body)
}

func TestNotFoundWithAnXMLBody(t *testing.T) {
	const xmlBody = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`
	ap := startAP(t, 10*time.Second, func(ctx context.Context, inv *accesspoint.Invocation) error {
		_, err := respond(ctx, clientFor(inv), inv, &wgor.Response{
			Status:      http.StatusNotFound,
			ContentType: "application/xml",
			Body:        strings.NewReader(xmlBody),
		})
		return err
	})
	resp, body := get(t, ap, "missing.txt")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, "application/xml", resp.Header.Get("Content-Type"))
	assert.Equal(t, xmlBody, string(body))
}

func TestAQuarterGibibyteStreamsByteExactInConstantMemory(t *testing.T) {
	const size = 256 << 20
	want := patternSum(size)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ap := startAP(t, 2*time.Minute, func(ctx context.Context, inv *accesspoint.Invocation) error {
		_, err := respond(ctx, clientFor(inv), inv, &wgor.Response{
			Status:      http.StatusOK,
			ContentType: "application/octet-stream",
			Body:        io.MultiReader(&pattern{n: size}), // no length: chunked
		})
		return err
	})
	resp, err := http.Get(ap.URL() + "/big.bin")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	got, n := hashBody(t, resp.Body)
	runtime.ReadMemStats(&after)
	assert.Equal(t, int64(size), n)
	assert.Equal(t, want, got, "the body differs from what the function sent")
	// Sender, emulator and receiver all in this process: what they
	// allocated together stays far below the body's size.
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(size/4), "allocated bytes")
}

// tamper changes a signed header on its way out, as a proxy might.
type tamper struct {
	header, value string
	next          http.RoundTripper
}

func (tp tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(tp.header, tp.value)
	return tp.next.RoundTrip(r)
}

func TestTheAccessPointRefusesBadWrites(t *testing.T) {
	cases := []struct {
		name     string
		write    func(ctx context.Context, inv *accesspoint.Invocation) error
		wantCode string
	}{
		{"reused token", func(ctx context.Context, inv *accesspoint.Invocation) error {
			c := clientFor(inv)
			if _, err := respond(ctx, c, inv, &wgor.Response{Status: 200, Body: strings.NewReader("first")}); err != nil {
				return err
			}
			_, err := respond(ctx, c, inv, &wgor.Response{Status: 200, Body: strings.NewReader("second")})
			return err
		}, "AccessDenied"},
		{"wrong secret", func(ctx context.Context, inv *accesspoint.Invocation) error {
			inv.Credentials.AccessKeySecret = "not-the-secret"
			_, err := respond(ctx, clientFor(inv), inv, &wgor.Response{Status: 200})
			return err
		}, "SignatureDoesNotMatch"},
		{"wrong region", func(ctx context.Context, inv *accesspoint.Invocation) error {
			c := clientFor(inv)
			c.Region = "cn-beijing"
			_, err := respond(ctx, c, inv, &wgor.Response{Status: 200})
			return err
		}, "InvalidArgument"},
		{"tampered header", func(ctx context.Context, inv *accesspoint.Invocation) error {
			c := clientFor(inv)
			c.HTTPClient = &http.Client{Transport: tamper{"X-Oss-Fwd-Status", "500", http.DefaultTransport}}
			_, err := respond(ctx, c, inv, &wgor.Response{Status: 200})
			return err
		}, "SignatureDoesNotMatch"},
		{"unknown token", func(ctx context.Context, inv *accesspoint.Invocation) error {
			ev, err := fcrt.ParseEvent(inv.Event)
			if err != nil {
				return err
			}
			_, err = clientFor(inv).Write(ctx, &wgor.Response{Route: ev.GetObjectContext.OutputRoute, Token: "OSSV1#made-up", Status: 200})
			return err
		}, "AccessDenied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := make(chan error, 1)
			ap := startAP(t, 10*time.Second, func(ctx context.Context, inv *accesspoint.Invocation) error {
				err := tc.write(ctx, inv)
				errs <- err
				return err
			})
			resp, body := get(t, ap, "k")
			err := <-errs
			se := serviceError(t, err)
			assert.Equal(t, tc.wantCode, se.Code)
			assert.Regexp(t, `^[0-9A-F]{24}$`, se.RequestID)
			for _, s := range []string{secret, stsTok, "not-the-secret"} {
				assert.NotContains(t, err.Error(), s)
			}
			if tc.name == "reused token" {
				assert.Equal(t, http.StatusOK, resp.StatusCode, "the first write reached the caller")
				assert.Equal(t, "first", string(body))
			} else {
				assert.GreaterOrEqual(t, resp.StatusCode, 500, "the caller gets an error status")
				assert.Contains(t, string(body), "<Error>")
			}
			if tc.wantCode == "SignatureDoesNotMatch" {
				assert.NotEmpty(t, se.StringToSign, "the emulator sends its string to sign")
			}
		})
	}
}

func TestAFunctionThatNeverAnswersFailsTheCallerInTime(t *testing.T) {
	var invoked atomic.Bool
	ap := startAP(t, 300*time.Millisecond, func(ctx context.Context, inv *accesspoint.Invocation) error {
		invoked.Store(true)
		<-ctx.Done() // never answers
		return ctx.Err()
	})
	start := time.Now()
	resp, body := get(t, ap, "slow")
	elapsed := time.Since(start)
	assert.True(t, invoked.Load())
	assert.Equal(t, http.StatusGatewayTimeout, resp.StatusCode)
	assert.Contains(t, string(body), "<Code>FunctionTimeout</Code>")
	assert.Less(t, elapsed, 3*time.Second)
}

func TestAFailingFunctionFailsTheCaller(t *testing.T) {
	ap := startAP(t, 10*time.Second, func(ctx context.Context, inv *accesspoint.Invocation) error {
		return errors.New("the function crashed")
	})
	resp, body := get(t, ap, "k")
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	assert.Contains(t, string(body), "<Code>FunctionInvocationFailed</Code>")
}
