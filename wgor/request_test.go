package wgor_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor"
)

func TestWriteRefusesBadInputBeforeSendingAnything(t *testing.T) {
	f := newFakeOSS(t)
	tests := []struct {
		name   string
		edit   func(r *wgor.Response, c *wgor.Client)
		target error
		says   string
	}{
		{"empty route", func(r *wgor.Response, _ *wgor.Client) { r.Route = "" }, wgor.ErrInvalidResponse, "Route is empty"},
		{"empty token", func(r *wgor.Response, _ *wgor.Client) { r.Token = "" }, wgor.ErrInvalidResponse, "Token is empty"},
		{"route with a path", func(r *wgor.Response, _ *wgor.Client) { r.Route += "/bucket/key" }, wgor.ErrInvalidResponse, "has a path"},
		{"bare route with a path", func(r *wgor.Response, _ *wgor.Client) { r.Route = testRoute + "/key" }, wgor.ErrInvalidResponse, "has a path"},
		{"route with a query", func(r *wgor.Response, _ *wgor.Client) { r.Route += "?x-oss-signature=" + testSecret }, wgor.ErrInvalidResponse, "has a query"},
		{"route with an empty query", func(r *wgor.Response, _ *wgor.Client) { r.Route += "?" }, wgor.ErrInvalidResponse, "has a query"},
		{"route with a fragment", func(r *wgor.Response, _ *wgor.Client) { r.Route += "#top" }, wgor.ErrInvalidResponse, "has a fragment"},
		{"route with user info", func(r *wgor.Response, _ *wgor.Client) {
			r.Route = "https://admin:" + testSecret + "@" + testRoute
		}, wgor.ErrInvalidResponse, "has user info"},
		{"route with another scheme", func(r *wgor.Response, _ *wgor.Client) { r.Route = "ftp://" + testRoute }, wgor.ErrInvalidResponse, "scheme"},
		{"route with a bad port", func(r *wgor.Response, _ *wgor.Client) { r.Route = testRoute + ":99999" }, wgor.ErrInvalidResponse, "invalid port"},
		{"route with a space", func(r *wgor.Response, _ *wgor.Client) { r.Route = "oss cn.aliyuncs.com" }, wgor.ErrInvalidResponse, `invalid character " " in host name`},
		{"route without a host", func(r *wgor.Response, _ *wgor.Client) { r.Route = "http://:8080" }, wgor.ErrInvalidResponse, "no host"},
		{"status below 100", func(r *wgor.Response, _ *wgor.Client) { r.Status = 99 }, wgor.ErrInvalidResponse, "Status 99"},
		{"status above 599", func(r *wgor.Response, _ *wgor.Client) { r.Status = 600 }, wgor.ErrInvalidResponse, "Status 600"},
		{"status zero", func(r *wgor.Response, _ *wgor.Client) { r.Status = 0 }, wgor.ErrInvalidResponse, "Status 0"},
		{"token with CR LF", func(r *wgor.Response, _ *wgor.Client) { r.Token = testToken + "\r\nX-Evil: 1" }, wgor.ErrInvalidResponse, "Token contains a control character"},
		{"token with NUL", func(r *wgor.Response, _ *wgor.Client) { r.Token = testToken + "\x00" }, wgor.ErrInvalidResponse, "Token contains"},
		{"typed header with LF", func(r *wgor.Response, _ *wgor.Client) { r.ContentType = "image/png\nX-Evil: 1" }, wgor.ErrInvalidResponse, "Content-Type contains"},
		{"typed header with NUL", func(r *wgor.Response, _ *wgor.Client) { r.ETag = "\"a\x00\"" }, wgor.ErrInvalidResponse, "Etag contains"},
		{"extra header value with CR", func(r *wgor.Response, _ *wgor.Client) {
			r.Header = http.Header{"X-Note": {"ok", "bad\rvalue"}}
		}, wgor.ErrInvalidResponse, "X-Note contains"},
		{"extra header name with a space", func(r *wgor.Response, _ *wgor.Client) {
			r.Header = http.Header{"Bad Name": {"v"}}
		}, wgor.ErrInvalidResponse, "not a valid HTTP header name"},
		{"extra header name already prefixed", func(r *wgor.Response, _ *wgor.Client) {
			r.Header = http.Header{"x-oss-fwd-header-foo": {"v"}}
		}, wgor.ErrInvalidResponse, "prefix"},
		{"framing header forwarded", func(r *wgor.Response, _ *wgor.Client) {
			r.Header = http.Header{"transfer-encoding": {"chunked"}}
		}, wgor.ErrInvalidResponse, "Header Transfer-Encoding describes"},
		{"length forwarded", func(r *wgor.Response, _ *wgor.Client) {
			r.Header = http.Header{"Content-Length": {"1"}}
		}, wgor.ErrInvalidResponse, "Response.ContentLength"},
		{"documented header twice", func(r *wgor.Response, _ *wgor.Client) {
			r.ContentType = "image/png"
			r.Header = http.Header{"content-type": {"text/plain"}}
		}, wgor.ErrInvalidResponse, "Content-Type is set both"},
		{"time header twice", func(r *wgor.Response, _ *wgor.Client) {
			r.Expires = time.Now()
			r.Header = http.Header{"Expires": {"0"}}
		}, wgor.ErrInvalidResponse, "Expires is set both"},
		{"negative length", func(r *wgor.Response, _ *wgor.Client) { r.ContentLength = -1 }, wgor.ErrInvalidResponse, "negative"},
		{"declared length without a body", func(r *wgor.Response, _ *wgor.Client) {
			r.Body, r.ContentLength = nil, 10
		}, wgor.ErrBodyLength, "Body is nil"},
		{"declared length longer than a bytes.Reader", func(r *wgor.Response, _ *wgor.Client) {
			r.Body, r.ContentLength = bytes.NewReader([]byte("short")), 10
		}, wgor.ErrBodyLength, "holds 5 bytes"},
		{"declared length shorter than a strings.Reader", func(r *wgor.Response, _ *wgor.Client) {
			r.Body, r.ContentLength = strings.NewReader("longer than three"), 3
		}, wgor.ErrBodyLength, "holds 17 bytes"},
		{"no region in the route and no override", func(r *wgor.Response, c *wgor.Client) { c.Region = "" }, wgor.ErrInvalidResponse, "set Client.Region"},
		{"bad client scheme", func(r *wgor.Response, c *wgor.Client) { r.Route = testRoute; c.Scheme = "ftp" }, wgor.ErrInvalidResponse, "Client.Scheme"},
		{"user agent with LF", func(r *wgor.Response, c *wgor.Client) { c.UserAgent = "a\nb" }, wgor.ErrInvalidResponse, "UserAgent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.client()
			r := f.response(strings.NewReader("body"))
			tt.edit(r, c)
			res, err := c.Write(context.Background(), r)
			require.Error(t, err)
			assert.Nil(t, res)
			assert.ErrorIs(t, err, tt.target)
			assert.Contains(t, err.Error(), tt.says)
			assert.Empty(t, leaked(err.Error(), testToken, testSecret, testSecurityToken))
			assert.Zero(t, f.hits.Load(), "no request may reach the access point")
		})
	}
}

func TestWriteRefusesANilResponseOrContext(t *testing.T) {
	_, err := (&wgor.Client{}).Write(context.Background(), nil)
	assert.ErrorIs(t, err, wgor.ErrInvalidResponse)
	//lint:ignore SA1012 a nil context is what is tested
	_, err = (&wgor.Client{}).Write(nil, &wgor.Response{Route: testRoute, Token: testToken, Status: 200}) //nolint:staticcheck
	assert.ErrorIs(t, err, wgor.ErrInvalidResponse)
	var nilClient *wgor.Client
	_, err = nilClient.Write(context.Background(), &wgor.Response{Route: "http://127.0.0.1:1", Token: testToken, Status: 200})
	assert.ErrorIs(t, err, wgor.ErrInvalidResponse, "a nil *Client is the default one, which needs a region")
}

func TestPackageWriteChecksLikeAClient(t *testing.T) {
	_, err := wgor.Write(context.Background(), testCreds(), &wgor.Response{Route: "http://127.0.0.1:1", Token: testToken, Status: 200})
	assert.ErrorIs(t, err, wgor.ErrInvalidResponse)
	assert.Contains(t, err.Error(), "set Client.Region", "the default client derives the region from the route")
}

func TestWriteWithAContextAlreadyDoneSendsNothing(t *testing.T) {
	f := newFakeOSS(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.client().Write(ctx, f.response(strings.NewReader("x")))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, f.hits.Load())
}

func TestWriteAcceptsRouteForms(t *testing.T) {
	f := newFakeOSS(t)
	host := strings.TrimPrefix(f.srv.URL, "http://")
	for _, route := range []string{f.srv.URL, f.srv.URL + "/", "HTTP://" + host} {
		t.Run(route, func(t *testing.T) {
			_, err := f.client().Write(context.Background(), &wgor.Response{Route: route, Token: testToken, Status: 200})
			require.NoError(t, err)
			assert.Equal(t, host, f.last().Header.Get("X-Oss-Request-Route"))
		})
	}
}

func TestResponsePrintsWithoutItsToken(t *testing.T) {
	r := wgor.Response{Route: testRoute, Token: testToken, Status: 200, ContentType: "image/png"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out := fmt.Sprintf(format, r) + fmt.Sprintf(format, &r)
		assert.NotContains(t, out, testToken, format)
		assert.Contains(t, out, "image/png", format)
	}
	var logs syncBuffer
	newLogger(&logs).Info("response", "r", r)
	assert.NotContains(t, logs.String(), testToken)
	assert.Contains(t, logs.String(), `"token_set":true`)

	// An inputOssUrl pasted into Route by mistake keeps its signature.
	r.Route = "https://b.oss-cn-qingdao.aliyuncs.com/o?x-oss-signature=abcdef0123&x-oss-security-token=tok12345"
	logs = syncBuffer{}
	newLogger(&logs).Info("response", "r", r)
	for _, out := range []string{fmt.Sprint(r), logs.String()} {
		assert.NotContains(t, out, "abcdef0123")
		assert.NotContains(t, out, "tok12345")
		assert.Contains(t, out, "b.oss-cn-qingdao.aliyuncs.com")
	}

	// Nor is the token printed when the route holds it too.
	r.Route = testRoute + "/?" + url.QueryEscape(testToken)
	logs = syncBuffer{}
	newLogger(&logs).Info("response", "r", r)
	for _, out := range []string{fmt.Sprint(r), fmt.Sprintf("%+q", r), logs.String()} {
		assert.NotContains(t, out, "REQ-TOKEN")
		assert.Contains(t, out, testRoute)
	}
}
