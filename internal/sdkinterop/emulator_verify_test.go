package sdkinterop

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/accesspoint"
)

// The SDK v2 signs WriteGetObjectResponse in each of its modes with unusual
// but legal parameters and headers and an STS token with '+', '/' and '=';
// the emulator must accept each as sent and refuse it tampered (SPEC.md §4).

var routeCases = []struct {
	name       string
	params     map[string]string
	headers    map[string]string
	additional []string
}{
	{name: "process and reserved parameters", params: map[string]string{
		"x-oss-process": "image/resize,w_100/rotate,90", "response-content-type": "text/plain; charset=utf-8 &=+"}},
	{name: "an empty sub-resource", params: map[string]string{"acl": ""}},
	{name: "user metadata in mixed case", headers: map[string]string{"X-oss-META-Author": "  Ann  O'Neil "}},
	{name: "an additional header", headers: map[string]string{"Content-Language": "en-GB"}, additional: []string{"content-language"}},
}

// routeChange is what happens to a request on its way, or the secret it is
// signed with; accept says whether OSS would take it in a mode.
type routeChange struct {
	name   string
	secret string
	apply  func(r *http.Request)
	accept func(v1 bool) bool
}

var routeChanges = []routeChange{
	{name: "as sent", accept: func(bool) bool { return true }},
	{name: "an unsigned header changed", apply: func(r *http.Request) { r.Header.Set("User-Agent", "someone-else") },
		accept: func(bool) bool { return true }},
	{name: "a parameter that is no sub-resource added", apply: func(r *http.Request) { r.URL.RawQuery += "&prefix=x" },
		accept: func(v1 bool) bool { return v1 }}, // V1 signs sub-resources only, V4 every parameter
	{name: "a sub-resource added", apply: func(r *http.Request) { r.URL.RawQuery += "&tagging" }},
	{name: "x-oss-fwd-status changed", apply: func(r *http.Request) { r.Header.Set("X-Oss-Fwd-Status", "404") }},
	{name: "the security token one byte off", apply: func(r *http.Request) {
		if r.Header.Get("X-Oss-Security-Token") != "" {
			r.Header.Set("X-Oss-Security-Token", "A"+r.Header.Get("X-Oss-Security-Token"))
			return
		}
		q := r.URL.Query()
		for _, name := range []string{"x-oss-security-token", "security-token"} {
			if q.Has(name) {
				q.Set(name, "A"+q.Get(name))
			}
		}
		r.URL.RawQuery = q.Encode()
	}},
	{name: "another secret", secret: "not-the-secret"},
}

// tampering is a transport that changes each request before it leaves.
type tampering func(r *http.Request)

func (t tampering) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if t != nil {
		t(r)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestTheEmulatorAcceptsExactlyWhatTheSDKSignedInEveryMode(t *testing.T) {
	creds := functionCreds
	creds.SecurityToken = "CAIS+sdk/interop==+/="
	for _, mode := range signingModes {
		for _, c := range routeCases {
			t.Run(mode.name+"/"+c.name, func(t *testing.T) {
				var ch routeChange
				results := make(chan error, 1)
				write := func(ctx context.Context, ev getObjectContext, inv *accesspoint.Invocation, ch routeChange) error {
					cr := inv.Credentials
					if ch.secret != "" {
						cr.AccessKeySecret = ch.secret
					}
					cfg := oss.LoadDefaultConfig().
						WithCredentialsProvider(credentials.NewStaticCredentialsProvider(cr.AccessKeyID, cr.AccessKeySecret, cr.SecurityToken)).
						WithRegion(inv.Region).WithEndpoint(ev.OutputRoute).WithRetryMaxAttempts(1).
						WithSignatureVersion(mode.version).WithAdditionalHeaders(c.additional).
						WithHttpClient(&http.Client{Transport: tampering(ch.apply)})
					var opts []func(*oss.Options)
					if mode.query {
						opts = append(opts, func(o *oss.Options) { o.AuthMethod = oss.Ptr(oss.AuthMethodQuery) })
					}
					_, err := oss.NewClient(cfg).WriteGetObjectResponse(ctx, &oss.WriteGetObjectResponseRequest{
						RequestRoute: oss.Ptr(ev.OutputRoute), RequestToken: oss.Ptr(ev.OutputToken),
						FwdStatus: oss.Ptr("200"), Body: bytes.NewReader([]byte("served")),
						RequestCommon: oss.RequestCommon{Parameters: c.params, Headers: c.headers},
					}, opts...)
					return err
				}
				s := startWith(t, func(ctx context.Context, inv *accesspoint.Invocation) error {
					ev := parseEvent(t, inv.Event)
					err := write(ctx, ev, inv, ch)
					results <- err
					if err == nil {
						return nil
					}
					return write(ctx, ev, inv, routeChange{}) // so that the caller is served
				}, creds)
				for _, ch = range routeChanges {
					resp, err := http.Get(s.URL() + "/k")
					require.NoError(t, err)
					got, err := io.ReadAll(resp.Body)
					require.NoError(t, err)
					require.NoError(t, resp.Body.Close())
					require.Equal(t, "served", string(got), ch.name)
					err = <-results
					if ch.accept != nil && ch.accept(mode.version == oss.SignatureVersionV1) {
						assert.NoError(t, err, ch.name)
						continue
					}
					var serr *oss.ServiceError
					if assert.True(t, errors.As(err, &serr), "%s: the SDK reports an OSS service error, got %v", ch.name, err) {
						assert.Equal(t, http.StatusForbidden, serr.StatusCode, ch.name)
					}
				}
			})
		}
	}
}
