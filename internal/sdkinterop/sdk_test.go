package sdkinterop

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/accesspoint"
	"github.com/wgor-dev/wgor/sign"
)

func TestWriteGetObjectResponseFromTheOfficialSDKReachesTheCaller(t *testing.T) {
	img := redPNG(t)
	notFound := []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>")
	tests := []struct {
		name        string
		request     oss.WriteGetObjectResponseRequest
		body        []byte
		wantStatus  int
		wantHeaders map[string]string
	}{
		{
			name: "red PNG with every typed header",
			request: oss.WriteGetObjectResponseRequest{
				FwdStatus:                   oss.Ptr("200"),
				FwdHeaderAcceptRanges:       oss.Ptr("bytes"),
				FwdHeaderCacheControl:       oss.Ptr("no-cache"),
				FwdHeaderContentDisposition: oss.Ptr(`inline; filename="red.png"`),
				FwdHeaderContentEncoding:    oss.Ptr("identity"),
				FwdHeaderContentLanguage:    oss.Ptr("en-US"),
				FwdHeaderContentType:        oss.Ptr("image/png"),
				FwdHeaderEtag:               oss.Ptr(`"5B3C1A2B"`),
				FwdHeaderExpires:            oss.Ptr("Fri, 28 Feb 2031 05:38:42 GMT"),
				FwdHeaderLastModified:       oss.Ptr("Tue, 31 Oct 2023 03:17:58 GMT"),
			},
			body:       img,
			wantStatus: 200,
			wantHeaders: map[string]string{
				"Accept-Ranges": "bytes", "Cache-Control": "no-cache",
				"Content-Disposition": `inline; filename="red.png"`, "Content-Encoding": "identity",
				"Content-Language": "en-US", "Content-Type": "image/png", "ETag": `"5B3C1A2B"`,
				"Expires": "Fri, 28 Feb 2031 05:38:42 GMT", "Last-Modified": "Tue, 31 Oct 2023 03:17:58 GMT",
			},
		},
		{
			name: "partial content",
			request: oss.WriteGetObjectResponseRequest{
				FwdStatus:             oss.Ptr("206"),
				FwdHeaderContentRange: oss.Ptr("bytes 0-99/" + strconv.Itoa(len(img))),
				FwdHeaderContentType:  oss.Ptr("image/png"),
			},
			body:        img[:100],
			wantStatus:  206,
			wantHeaders: map[string]string{"Content-Range": "bytes 0-99/" + strconv.Itoa(len(img))},
		},
		{
			name: "not found with an XML body",
			request: oss.WriteGetObjectResponseRequest{
				FwdStatus:            oss.Ptr("404"),
				FwdHeaderContentType: oss.Ptr("application/xml"),
			},
			body:        notFound,
			wantStatus:  404,
			wantHeaders: map[string]string{"Content-Type": "application/xml"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			results := make(chan error, 1)
			s := start(t, func(ctx context.Context, inv *accesspoint.Invocation) error {
				ev := parseEvent(t, inv.Event)
				req := tt.request
				req.RequestRoute = oss.Ptr(ev.OutputRoute)
				req.RequestToken = oss.Ptr(ev.OutputToken)
				req.Body = io.NopCloser(bytes.NewReader(tt.body)) // not seekable: the SDK reads it for Content-MD5
				_, err := sdkClient(ev.OutputRoute, inv.Credentials, inv.Region).WriteGetObjectResponse(ctx, &req)
				results <- err
				return err
			})

			resp, err := http.Get(s.URL() + "/red.png")
			require.NoError(t, err)
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			require.NoError(t, err)

			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, tt.body, got, "the body arrived intact")
			assert.Equal(t, int64(len(tt.body)), resp.ContentLength)
			for name, want := range tt.wantHeaders {
				assert.Equal(t, want, resp.Header.Get(name), "header %s", name)
			}
			assert.NoError(t, <-results, "the SDK's WriteGetObjectResponse succeeded")
		})
	}
}

func TestTheOfficialSDKSeesOSSErrors(t *testing.T) {
	wrongSecret := functionCreds
	wrongSecret.AccessKeySecret = "not-the-secret"
	tests := []struct {
		name       string
		creds      sign.Credentials
		region     string
		reuse      bool
		wantStatus int
		wantCode   string
		wantEC     string
	}{
		{name: "wrong secret", creds: wrongSecret, region: region, wantStatus: 403, wantCode: "SignatureDoesNotMatch", wantEC: "0002-00000201"},
		{name: "wrong region", creds: functionCreds, region: "cn-beijing", wantStatus: 400, wantCode: "InvalidArgument"},
		{name: "reused token", creds: functionCreds, region: region, reuse: true, wantStatus: 403, wantCode: "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			results := make(chan error, 1)
			s := start(t, func(ctx context.Context, inv *accesspoint.Invocation) error {
				ev := parseEvent(t, inv.Event)
				write := func(c *oss.Client, body string) error {
					_, err := c.WriteGetObjectResponse(ctx, &oss.WriteGetObjectResponseRequest{
						RequestRoute: oss.Ptr(ev.OutputRoute),
						RequestToken: oss.Ptr(ev.OutputToken),
						FwdStatus:    oss.Ptr("200"),
						Body:         strings.NewReader(body),
					})
					return err
				}
				good := sdkClient(ev.OutputRoute, inv.Credentials, inv.Region)
				if tt.reuse {
					if err := write(good, "served"); err != nil {
						return err
					}
					results <- write(good, "again")
					return nil
				}
				results <- write(sdkClient(ev.OutputRoute, tt.creds, tt.region), "refused")
				return write(good, "served")
			})

			resp, err := http.Get(s.URL() + "/k")
			require.NoError(t, err)
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "served", string(got))

			var serr *oss.ServiceError
			require.True(t, errors.As(<-results, &serr), "the SDK reports an OSS service error")
			assert.Equal(t, tt.wantStatus, serr.StatusCode)
			assert.Equal(t, tt.wantCode, serr.Code)
			assert.Equal(t, tt.wantEC, serr.EC)
			assert.Regexp(t, `^[0-9A-F]{24}$`, serr.RequestID)
		})
	}
}

// signingModes are the ways the SDK v2 can sign: V4 (its default) or V1
// (Config.WithSignatureVersion), each in the Authorization header (its
// default) or in the query (Options.AuthMethod, a presigned request).
var signingModes = []struct {
	name    string
	version oss.SignatureVersionType
	query   bool
}{
	{"V4 header", oss.SignatureVersionV4, false},
	{"V4 query", oss.SignatureVersionV4, true},
	{"V1 header", oss.SignatureVersionV1, false},
	{"V1 query", oss.SignatureVersionV1, true},
}

func TestEverySigningModeOfTheSDKReachesTheCallerByteExact(t *testing.T) {
	img := redPNG(t)
	for _, mode := range signingModes {
		t.Run(mode.name, func(t *testing.T) {
			results := make(chan error, 1)
			seen := recorder{requests: make(chan *http.Request, 1)}
			s := start(t, func(ctx context.Context, inv *accesspoint.Invocation) error {
				ev := parseEvent(t, inv.Event)
				cfg := oss.LoadDefaultConfig().
					WithCredentialsProvider(credentials.NewStaticCredentialsProvider(
						inv.Credentials.AccessKeyID, inv.Credentials.AccessKeySecret, inv.Credentials.SecurityToken)).
					WithRegion(inv.Region).
					WithEndpoint(ev.OutputRoute).
					WithRetryMaxAttempts(1).
					WithSignatureVersion(mode.version).
					WithHttpClient(&http.Client{Transport: seen})
				var opts []func(*oss.Options)
				if mode.query {
					opts = append(opts, func(o *oss.Options) { o.AuthMethod = oss.Ptr(oss.AuthMethodQuery) })
				}
				_, err := oss.NewClient(cfg).WriteGetObjectResponse(ctx, &oss.WriteGetObjectResponseRequest{
					RequestRoute:         oss.Ptr(ev.OutputRoute),
					RequestToken:         oss.Ptr(ev.OutputToken),
					FwdStatus:            oss.Ptr("200"),
					FwdHeaderContentType: oss.Ptr("image/png"),
					Body:                 bytes.NewReader(img),
				}, opts...)
				results <- err
				return err
			})

			resp, err := http.Get(s.URL() + "/red.png")
			require.NoError(t, err)
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", got)
			assert.Equal(t, img, got, "the body arrived byte-exact")
			assert.Equal(t, "image/png", resp.Header.Get("Content-Type"))
			assert.NoError(t, <-results, "the SDK's WriteGetObjectResponse succeeded")

			sent := <-seen.requests // the mode is the one named
			auth := sent.Header.Get("Authorization")
			q := sent.URL.Query()
			switch {
			case mode.query && mode.version == oss.SignatureVersionV4:
				assert.True(t, auth == "" && q.Has("x-oss-signature"), "V4 in the query: %s", sent.URL.RawQuery)
			case mode.query:
				assert.True(t, auth == "" && q.Has("Signature") && q.Has("security-token"), "V1 in the query: %s", sent.URL.RawQuery)
			case mode.version == oss.SignatureVersionV4:
				assert.True(t, strings.HasPrefix(auth, "OSS4-HMAC-SHA256 "), auth)
			default:
				assert.True(t, strings.HasPrefix(auth, "OSS "+functionCreds.AccessKeyID+":"), auth)
			}
		})
	}
}

// recorder is a transport that passes requests on and keeps each.

func TestTheSDKSeesTheServersStringToSignInEveryMode(t *testing.T) {
	wrong := functionCreds
	wrong.AccessKeySecret = "not-the-secret"
	for _, mode := range signingModes {
		t.Run(mode.name, func(t *testing.T) {
			results := make(chan error, 1)
			s := start(t, func(ctx context.Context, inv *accesspoint.Invocation) error {
				ev := parseEvent(t, inv.Event)
				write := func(c sign.Credentials) error {
					cfg := oss.LoadDefaultConfig().
						WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.AccessKeySecret, c.SecurityToken)).
						WithRegion(inv.Region).WithEndpoint(ev.OutputRoute).WithRetryMaxAttempts(1).
						WithSignatureVersion(mode.version)
					var opts []func(*oss.Options)
					if mode.query {
						opts = append(opts, func(o *oss.Options) { o.AuthMethod = oss.Ptr(oss.AuthMethodQuery) })
					}
					_, err := oss.NewClient(cfg).WriteGetObjectResponse(ctx, &oss.WriteGetObjectResponseRequest{
						RequestRoute: oss.Ptr(ev.OutputRoute), RequestToken: oss.Ptr(ev.OutputToken),
						FwdStatus: oss.Ptr("200"), Body: strings.NewReader("served"),
					}, opts...)
					return err
				}
				results <- write(wrong)
				return write(inv.Credentials)
			})
			resp, err := http.Get(s.URL() + "/k")
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode)

			var serr *oss.ServiceError
			require.True(t, errors.As(<-results, &serr), "the SDK reports an OSS service error")
			assert.Equal(t, "SignatureDoesNotMatch", serr.Code)
			assert.Equal(t, "0002-00000201", serr.EC)
			assert.Equal(t, "0002-00000201", serr.Headers.Get("x-oss-ec"), "the EC is in a header too")
			assert.Contains(t, string(serr.Snapshot), "<StringToSign>", "the server's StringToSign")
			assert.NotContains(t, string(serr.Snapshot), functionCreds.SecurityToken)
		})
	}
}
