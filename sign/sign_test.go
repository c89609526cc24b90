package sign_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/sign"
)

const (
	testSecret = "SECRET-4f2c9e-do-not-print"
	testToken  = "STS-TOKEN-8d1b77-do-not-print"
	testRoute  = "fc-ap-01-3b00521f653d2b3223680ec39dbbe2aa-opap.oss-cn-qingdao-internal.oss-object-process.aliyuncs.com"
)

var (
	testTime  = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	testCreds = sign.Credentials{AccessKeyID: "LTAI5tTestKey", AccessKeySecret: testSecret, SecurityToken: testToken}
)

// wgorRequest is the WriteGetObjectResponse request the benchmarks sign.
func wgorRequest(t testing.TB) *http.Request {
	req, err := http.NewRequest(http.MethodPost, "https://"+testRoute+"/?x-oss-write-get-object-response", nil)
	require.NoError(t, err)
	req.Header.Set("X-Oss-Request-Route", testRoute)
	req.Header.Set("X-Oss-Request-Token", "OSSV1#"+strings.Repeat("abc8", 30)+"=")
	req.Header.Set("X-Oss-Fwd-Status", "200")
	req.Header.Set("X-Oss-Fwd-Header-Content-Type", "image/png")
	return req
}

func lookup(c sign.Credentials) func(string) (sign.Credentials, bool) {
	return func(id string) (sign.Credentials, bool) { return c, id == c.AccessKeyID }
}

func verifyOpts() *sign.VerifyOptions {
	return &sign.VerifyOptions{Region: "cn-qingdao", Lookup: lookup(testCreds), Now: testTime}
}

func TestSignRejectsBadInputWithoutPanicOrLeak(t *testing.T) {
	good := func() *sign.Options {
		return &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: testTime}
	}
	cases := []struct {
		name   string
		req    func() *http.Request
		opts   func() *sign.Options
		expect string
	}{
		{"nil request", func() *http.Request { return nil }, good, "nil request"},
		{"nil URL", func() *http.Request { return &http.Request{Method: "POST"} }, good, "no URL"},
		{"nil options", func() *http.Request { return wgorRequest(t) }, func() *sign.Options { return nil }, "nil options"},
		{"empty access key ID", func() *http.Request { return wgorRequest(t) }, func() *sign.Options {
			o := good()
			o.Credentials.AccessKeyID = ""
			return o
		}, "access key ID"},
		{"empty secret", func() *http.Request { return wgorRequest(t) }, func() *sign.Options {
			o := good()
			o.Credentials.AccessKeySecret = ""
			return o
		}, "secret"},
		{"empty region", func() *http.Request { return wgorRequest(t) }, func() *sign.Options {
			o := good()
			o.Region = ""
			return o
		}, "region"},
		{"region with a slash", func() *http.Request { return wgorRequest(t) }, func() *sign.Options {
			o := good()
			o.Region = "cn/qingdao"
			return o
		}, "region"},
		{"security token with LF", func() *http.Request { return wgorRequest(t) }, func() *sign.Options {
			o := good()
			o.Credentials.SecurityToken = testToken + "\nX-Injected: 1"
			return o
		}, "security token"},
		{"header value with CR", func() *http.Request {
			r := wgorRequest(t)
			r.Header.Set("X-Oss-Request-Token", testToken+"\r")
			return r
		}, good, "X-Oss-Request-Token"},
		{"header value with LF", func() *http.Request {
			r := wgorRequest(t)
			r.Header.Set("X-Oss-Fwd-Header-Content-Type", "a\nb")
			return r
		}, good, "Content-Type"},
		{"header value with NUL", func() *http.Request {
			r := wgorRequest(t)
			r.Header.Add("X-Oss-Meta-A", "ok")
			r.Header.Add("X-Oss-Meta-A", testSecret+"\x00")
			return r
		}, good, "X-Oss-Meta-A"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, o := tc.req(), tc.opts()
			var before http.Header
			if req != nil {
				before = req.Header.Clone()
			}
			var errs []error
			assert.NotPanics(t, func() {
				errs = append(errs, sign.Sign(req, o))
				_, err := sign.Presign(req, o)
				errs = append(errs, err)
			})
			for _, err := range errs {
				require.Error(t, err)
				assert.ErrorIs(t, err, sign.ErrInvalid)
				assert.Contains(t, err.Error(), tc.expect)
				assert.NotContains(t, err.Error(), testSecret)
				assert.NotContains(t, err.Error(), testToken)
			}
			if req != nil {
				assert.Equal(t, before, req.Header, "a refused request is left unchanged")
			}
		})
	}
}

func TestSignSetsUnsignedPayloadOverCallersValue(t *testing.T) {
	const hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	for _, name := range []string{"X-Oss-Content-Sha256", "x-oss-content-sha256"} {
		t.Run(name, func(t *testing.T) {
			req := wgorRequest(t)
			req.Header[name] = []string{hash}
			tr := &sign.Trace{}
			require.NoError(t, sign.Sign(req, &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: testTime, Trace: tr}))
			assert.Equal(t, []string{sign.UnsignedPayload}, req.Header.Values(sign.HeaderContentSHA256))
			assert.NotContains(t, req.Header, "x-oss-content-sha256", "another spelling would be sent too")
			assert.True(t, strings.HasSuffix(tr.CanonicalRequest, "\nx-oss-date:20261124T120000Z\n"+
				"x-oss-fwd-header-content-type:image/png\nx-oss-fwd-status:200\nx-oss-request-route:"+testRoute+
				"\nx-oss-request-token:"+req.Header.Get("X-Oss-Request-Token")+"\nx-oss-security-token:"+testToken+"\n\n\nUNSIGNED-PAYLOAD"))
			assert.Contains(t, tr.CanonicalRequest, "\nx-oss-content-sha256:UNSIGNED-PAYLOAD\n")
			_, err := sign.Verify(req, verifyOpts())
			assert.NoError(t, err)
		})
	}
}

func TestPresignRefusesAPayloadHashOSSWouldRefuse(t *testing.T) {
	req, err := http.NewRequest(http.MethodGet, "https://b.oss-cn-qingdao.aliyuncs.com/k", nil)
	require.NoError(t, err)
	req.Header.Set(sign.HeaderContentSHA256, "e3b0c442")
	before := req.URL.String()
	_, err = sign.Presign(req, &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: testTime, Bucket: "b", Key: "k"})
	assert.ErrorIs(t, err, sign.ErrInvalid)
	assert.ErrorContains(t, err, "UNSIGNED-PAYLOAD")
	assert.Equal(t, before, req.URL.String(), "a refused request is left unchanged")

	req.Header.Set(sign.HeaderContentSHA256, sign.UnsignedPayload)
	tr := &sign.Trace{}
	_, err = sign.Presign(req, &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: testTime, Bucket: "b", Key: "k", Trace: tr})
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(tr.CanonicalRequest, "x-oss-content-sha256:UNSIGNED-PAYLOAD\n\n\nUNSIGNED-PAYLOAD"))
}

func TestSignIsDeterministicAndResignable(t *testing.T) {
	o := &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: testTime}
	a, b := wgorRequest(t), wgorRequest(t)
	require.NoError(t, sign.Sign(a, o))
	require.NoError(t, sign.Sign(b, o))
	assert.Equal(t, a.Header, b.Header)
	// Signing again (a retry) replaces the signer's headers instead of adding to them.
	require.NoError(t, sign.Sign(a, o))
	assert.Equal(t, b.Header, a.Header)
	assert.Len(t, a.Header.Values("Authorization"), 1)
}

func TestTraceDoesNotHoldTheSecret(t *testing.T) {
	tr := &sign.Trace{}
	req := wgorRequest(t)
	require.NoError(t, sign.Sign(req, &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: testTime, Trace: tr}))
	assert.Equal(t, "20261124/cn-qingdao/oss/aliyun_v4_request", tr.Scope)
	assert.True(t, strings.HasPrefix(tr.StringToSign, "OSS4-HMAC-SHA256\n20261124T120000Z\n"+tr.Scope+"\n"))
	assert.NotContains(t, fmt.Sprintf("%+v %#v", tr, tr), testSecret)
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v %s", testCreds, testCreds, testCreds, testCreds), testSecret)
	assert.NotContains(t, fmt.Sprintf("%v %#v", testCreds, testCreds), testToken)
}

func TestSignConcurrentlyWithManyKeys(t *testing.T) {
	var wg sync.WaitGroup
	keys := &sign.KeyCache{} // one cache, many secrets and days, under the goroutines' feet
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				c := testCreds
				c.AccessKeySecret = fmt.Sprintf("secret-%d", (g*7+i)%300)
				// Three days, five seconds in each.
				at := testTime.Add(time.Duration(i%3)*24*time.Hour + time.Duration(i%5)*time.Second)
				req := wgorRequest(t)
				if !assert.NoError(t, sign.Sign(req, &sign.Options{Credentials: c, Region: "cn-qingdao", Time: at, KeyCache: keys})) {
					return
				}
				_, err := sign.Verify(req, &sign.VerifyOptions{Region: "cn-qingdao", Lookup: lookup(c), Now: at})
				if !assert.NoError(t, err) {
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestSignedValuesSurviveGC keeps many signed requests across collections
// and checks that every value Sign set is intact: the values share
// allocations, and the signer's buffers are reused.
func TestSignedValuesSurviveGC(t *testing.T) {
	const n = 300
	reqs := make([]*http.Request, n)
	want := make([]http.Header, n)
	for i := range reqs {
		reqs[i] = wgorRequest(t)
		o := &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: testTime.Add(time.Duration(i) * time.Second)}
		if i%7 == 0 {
			// An access key ID long enough for the values not to fit in
			// the shared allocation.
			o.Credentials.AccessKeyID = strings.Repeat("K", 100)
		}
		require.NoError(t, sign.Sign(reqs[i], o))
		want[i] = reqs[i].Header.Clone() // copies of the strings, not the bytes
		for k, vs := range want[i] {
			for j := range vs {
				vs[j] = strings.Clone(vs[j])
			}
			want[i][k] = vs
		}
	}
	for range 3 {
		runtime.GC()
		garbage := make([][]byte, 0, 1000)
		for range 1000 {
			garbage = append(garbage, bytes.Repeat([]byte{0xff}, 256))
		}
		runtime.KeepAlive(garbage)
	}
	for i, req := range reqs {
		assert.Equal(t, want[i], req.Header, "request %d", i)
		assert.Equal(t, testTime.Add(time.Duration(i)*time.Second).Format("20060102T150405Z"), req.Header.Get(sign.HeaderOSSDate))
		_, err := sign.Verify(req, &sign.VerifyOptions{Region: "cn-qingdao", Now: testTime.Add(time.Duration(i) * time.Second),
			Lookup: func(id string) (sign.Credentials, bool) { c := testCreds; c.AccessKeyID = id; return c, true }})
		assert.NoError(t, err, "request %d", i)
	}
}

func TestSignFormatsTimesAsTheTimePackage(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		at := time.Unix(r.Int64N(253402300799), r.Int64N(1e9)).In(time.FixedZone("X", int(r.Int64N(86400))-43200))
		req := &http.Request{Method: "GET", URL: &url.URL{Scheme: "https", Host: "b.oss-cn-qingdao.aliyuncs.com"}}
		require.NoError(t, sign.Sign(req, &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: at}))
		if got, want := req.Header.Get(sign.HeaderOSSDate), at.UTC().Format("20060102T150405Z"); got != want {
			t.Fatalf("%v: x-oss-date %s, want %s", at, got, want)
		}
		if got, want := req.Header.Get(sign.HeaderDate), at.UTC().Format(http.TimeFormat); got != want {
			t.Fatalf("%v: Date %s, want %s", at, got, want)
		}
	}
}
