package legacyinterop

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/accesspoint"
	"github.com/wgor-dev/wgor/sign"
)

// presignV2 has the older SDK presign a WriteGetObjectResponse with
// Signature V2 (x-oss-signature-version=OSS2), as Bucket.SignURL does, for
// the bucket "" that the route's canonical resource "/" is, and sends it
// with Conn.DoURL. status is the x-oss-fwd-status signed; sent, the one
// sent (a different one is a tampered request).
func presignV2(ev StructEvent, creds sign.Credentials, status, sent string) (string, error) {
	c := ev.GetObjectContext
	client, err := oss.New(c.OutputRoute, creds.AccessKeyID, creds.AccessKeySecret,
		oss.SecurityToken(creds.SecurityToken), oss.AuthVersion(oss.AuthV2))
	if err != nil {
		return "", err
	}
	route := oss.SetHeader("x-oss-request-route", c.OutputRoute)
	token := oss.SetHeader("x-oss-request-token", c.OutputToken)
	bucket := oss.Bucket{Client: *client}
	signed, err := bucket.SignURL("unused", oss.HTTPPost, 60, oss.AddParam("x-oss-write-get-object-response", ""),
		route, token, oss.SetHeader("x-oss-fwd-status", status))
	if err != nil {
		return "", err
	}
	headers := map[string]string{
		"x-oss-request-route": c.OutputRoute, "x-oss-request-token": c.OutputToken, "x-oss-fwd-status": sent,
	}
	resp, err := client.Conn.DoURL(oss.HTTPPost, signed, headers, bytes.NewReader(redPNG()), 0, nil)
	if err != nil {
		return signed, err
	}
	return signed, resp.Body.Close()
}

func TestTheOlderSDKsV2PresignedURLIsAccepted(t *testing.T) {
	urls := make(chan string, 1)
	s := start(t, func(ctx context.Context, inv *accesspoint.Invocation) error {
		u, err := presignV2(parse(t, inv.Event), inv.Credentials, "200", "200")
		urls <- u
		return err
	})
	resp, err := http.Get(s.URL() + "/example.png")
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", got)
	assert.Equal(t, redPNG(), got)

	u, err := url.Parse(<-urls)
	require.NoError(t, err)
	q := u.Query()
	assert.Equal(t, "OSS2", q.Get("x-oss-signature-version"), "the SDK signed the URL with V2")
	assert.Equal(t, functionCreds.AccessKeyID, q.Get("x-oss-access-key-id"))
	assert.Equal(t, functionCreds.SecurityToken, q.Get("security-token"))
	assert.NotEmpty(t, q.Get("x-oss-signature"))
}

func TestTheOlderSDKsTamperedV2RequestsAreRefused(t *testing.T) {
	wrong := functionCreds
	wrong.AccessKeySecret = "not-the-secret"
	tests := []struct {
		name string
		send func(StructEvent, sign.Credentials) error
	}{
		{"presigned URL, x-oss-fwd-status changed after signing", func(ev StructEvent, c sign.Credentials) error {
			_, err := presignV2(ev, c, "200", "404")
			return err
		}},
		{"presigned URL, another secret", func(ev StructEvent, c sign.Credentials) error {
			_, err := presignV2(ev, wrong, "200", "200")
			return err
		}},
		{"Authorization header, another secret", func(ev StructEvent, c sign.Credentials) error {
			_, err := handleRequest(context.Background(), ev, wrong, oss.AuthVersion(oss.AuthV2))
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refusals := make(chan error, 1)
			s := start(t, func(ctx context.Context, inv *accesspoint.Invocation) error {
				ev := parse(t, inv.Event)
				refusals <- tt.send(ev, inv.Credentials)
				_, err := presignV2(ev, inv.Credentials, "200", "200")
				return err
			})
			resp, err := http.Get(s.URL() + "/example.png")
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode, "the refusal left the token usable")

			var serr oss.ServiceError
			require.True(t, errors.As(<-refusals, &serr), "the SDK reports an OSS service error")
			assert.Equal(t, http.StatusForbidden, serr.StatusCode)
			assert.Equal(t, "SignatureDoesNotMatch", serr.Code)
			assert.Equal(t, "0002-00000201", serr.Ec)
			assert.Contains(t, serr.RawMessage, "<StringToSign>POST&#xA;", "the server's V2 StringToSign")
			assert.Contains(t, serr.RawMessage, "%2F?", "its resource, encoded as V2 encodes it")
			for _, secret := range []string{functionCreds.SecurityToken, functionCreds.AccessKeySecret, wrong.AccessKeySecret} {
				assert.NotContains(t, serr.RawMessage, secret)
			}
		})
	}
}
