package sign_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/sign"
)

func TestVerifyRefusals(t *testing.T) {
	signed := func(mutate func(*sign.Options)) *http.Request {
		o := &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: testTime}
		if mutate != nil {
			mutate(o)
		}
		req := wgorRequest(t)
		require.NoError(t, sign.Sign(req, o))
		return req
	}
	cases := []struct {
		name string
		req  func() *http.Request
		opts func(*sign.VerifyOptions)
		code string
	}{
		{"unsigned", func() *http.Request { return wgorRequest(t) }, nil, "AccessDenied"},
		{"wrong secret", func() *http.Request {
			return signed(func(o *sign.Options) { o.Credentials.AccessKeySecret = "wrong" })
		}, nil, "SignatureDoesNotMatch"},
		{"tampered header", func() *http.Request {
			r := signed(nil)
			r.Header.Set("X-Oss-Fwd-Status", "500")
			return r
		}, nil, "SignatureDoesNotMatch"},
		{"added signed header", func() *http.Request {
			r := signed(nil)
			r.Header.Set("X-Oss-Fwd-Header-Etag", `"x"`)
			return r
		}, nil, "SignatureDoesNotMatch"},
		{"tampered query", func() *http.Request {
			r := signed(nil)
			r.URL.RawQuery += "&acl"
			return r
		}, nil, "SignatureDoesNotMatch"},
		{"wrong region", func() *http.Request {
			return signed(func(o *sign.Options) { o.Region = "cn-hangzhou" })
		}, nil, "InvalidArgument"},
		{"unknown key", func() *http.Request {
			return signed(func(o *sign.Options) { o.Credentials.AccessKeyID = "LTAIunknown" })
		}, nil, "InvalidAccessKeyId"},
		{"missing security token", func() *http.Request {
			return signed(func(o *sign.Options) { o.Credentials.SecurityToken = "" })
		}, nil, "InvalidSecurityToken"},
		{"too old", func() *http.Request { return signed(nil) }, func(v *sign.VerifyOptions) {
			v.Now = testTime.Add(16 * time.Minute)
		}, "RequestTimeTooSkewed"},
		{"malformed credential", func() *http.Request {
			r := signed(nil)
			r.Header.Set("Authorization", "OSS4-HMAC-SHA256 Credential=abc,Signature=00")
			return r
		}, nil, "InvalidArgument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vo := verifyOpts()
			if tc.opts != nil {
				tc.opts(vo)
			}
			_, err := sign.Verify(tc.req(), vo)
			var ve *sign.VerifyError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.code, ve.Code)
			assert.NotContains(t, err.Error(), testSecret)
			assert.NotContains(t, err.Error(), testToken)
			if tc.code == "SignatureDoesNotMatch" {
				assert.True(t, strings.HasPrefix(ve.StringToSign, "OSS4-HMAC-SHA256\n"), "server's string to sign: %q", ve.StringToSign)
			}
		})
	}
}

func TestVerifyAcceptsHostAsServerSeesIt(t *testing.T) {
	// On a server, net/http moves Host out of the header map.
	req := wgorRequest(t)
	req.Header.Set("Host", testRoute)
	require.NoError(t, sign.Sign(req, &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: testTime, AdditionalHeaders: []string{"Host"}}))
	require.Contains(t, req.Header.Get("Authorization"), "AdditionalHeaders=host,")
	req.Host = req.Header.Get("Host")
	req.Header.Del("Host")
	_, err := sign.Verify(req, verifyOpts())
	assert.NoError(t, err)
}

func TestPresignVerifiesAndExpires(t *testing.T) {
	req, err := http.NewRequest(http.MethodGet, "https://examplebucket.oss-cn-qingdao.aliyuncs.com/a%20b.txt?versionId=v+1", nil)
	require.NoError(t, err)
	o := &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: testTime, Bucket: "examplebucket", Key: "a b.txt", Expires: time.Hour}
	signedURL, err := sign.Presign(req, o)
	require.NoError(t, err)
	u, err := url.Parse(signedURL)
	require.NoError(t, err)
	assert.Equal(t, "3600", u.Query().Get("x-oss-expires"))
	assert.Equal(t, "v 1", u.Query().Get("versionId"))

	got, err := http.NewRequest(http.MethodGet, signedURL, nil)
	require.NoError(t, err)
	vo := &sign.VerifyOptions{Region: "cn-qingdao", Bucket: "examplebucket", Key: "a b.txt", Lookup: lookup(testCreds), Now: testTime.Add(59 * time.Minute)}
	v, err := sign.Verify(got, vo)
	require.NoError(t, err)
	assert.True(t, v.Presigned)

	vo.Now = testTime.Add(61 * time.Minute)
	_, err = sign.Verify(got, vo)
	var ve *sign.VerifyError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "AccessDenied", ve.Code)

	vo.Now, vo.Key = testTime, "other.txt"
	_, err = sign.Verify(got, vo)
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "SignatureDoesNotMatch", ve.Code)
}

func TestPresignRefusesBadExpiryAndSignedURLs(t *testing.T) {
	for _, d := range []time.Duration{time.Millisecond, -time.Second, 7*24*time.Hour + time.Second} {
		req, _ := http.NewRequest(http.MethodGet, "https://b.oss-cn-qingdao.aliyuncs.com/k", nil)
		_, err := sign.Presign(req, &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Expires: d})
		assert.ErrorIs(t, err, sign.ErrInvalid, "expires %v", d)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://b.oss-cn-qingdao.aliyuncs.com/k", nil)
	o := &sign.Options{Credentials: testCreds, Region: "cn-qingdao"}
	_, err := sign.Presign(req, o)
	require.NoError(t, err)
	_, err = sign.Presign(req, o)
	assert.ErrorIs(t, err, sign.ErrInvalid, "a URL is presigned once")
}

func TestErrInvalidIsNotAVerifyError(t *testing.T) {
	_, err := sign.Verify(nil, verifyOpts())
	var ve *sign.VerifyError
	assert.False(t, errors.As(err, &ve))
	assert.ErrorIs(t, err, sign.ErrInvalid)
}
