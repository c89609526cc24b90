package accesspoint

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteGetObjectResponseRefusalsLeaveTheTokenUsable(t *testing.T) {
	wrongSecret := testCreds
	wrongSecret.AccessKeySecret = "not-the-secret"
	wrongKey := testCreds
	wrongKey.AccessKeyID = "STS.SomeoneElse"
	wrongToken := testCreds
	wrongToken.SecurityToken = "CAIS-another-token"

	tests := []struct {
		name        string
		bad         reply
		wantStatus  int
		wantCode    string
		wantMessage string
		wantEC      string
	}{
		{
			name:        "wrong secret",
			bad:         reply{creds: &wrongSecret},
			wantStatus:  403,
			wantCode:    "SignatureDoesNotMatch",
			wantMessage: "signature we calculated does not match",
			wantEC:      "0002-00000201",
		},
		{
			name:        "wrong region",
			bad:         reply{region: "cn-beijing"},
			wantStatus:  400,
			wantCode:    "InvalidArgument",
			wantMessage: "expecting " + testRegion,
		},
		{
			name:       "status changed after signing",
			bad:        reply{after: func(r *http.Request) { r.Header.Set("x-oss-fwd-status", "500") }},
			wantStatus: 403,
			wantCode:   "SignatureDoesNotMatch",
			wantEC:     "0002-00000201",
		},
		{
			name: "forwarded header changed after signing",
			bad: reply{headers: map[string]string{"Content-Type": "image/png"}, after: func(r *http.Request) {
				r.Header.Set("x-oss-fwd-header-Content-Type", "text/html")
			}},
			wantStatus: 403,
			wantCode:   "SignatureDoesNotMatch",
			wantEC:     "0002-00000201",
		},
		{
			name:        "not signed",
			bad:         reply{noSign: true},
			wantStatus:  403,
			wantCode:    "AccessDenied",
			wantMessage: "not signed",
		},
		{
			name:       "unknown access key",
			bad:        reply{creds: &wrongKey},
			wantStatus: 403,
			wantCode:   "InvalidAccessKeyId",
		},
		{
			name:       "wrong security token",
			bad:        reply{creds: &wrongToken},
			wantStatus: 403,
			wantCode:   "InvalidSecurityToken",
			wantEC:     "0002-00000006",
		},
		{
			name:       "clock skew",
			bad:        reply{at: time.Now().Add(-time.Hour)},
			wantStatus: 403,
			wantCode:   "RequestTimeTooSkewed",
			wantEC:     "0002-00000504",
		},
		{
			name:        "unknown token",
			bad:         reply{before: func(r *http.Request) { r.Header.Set("x-oss-request-token", TokenPrefix+"bm90LWEtdG9rZW4") }},
			wantStatus:  403,
			wantCode:    "AccessDenied",
			wantMessage: "no GetObject request is waiting",
		},
		{
			name:        "route of another server",
			bad:         reply{before: func(r *http.Request) { r.Header.Set("x-oss-request-route", "http://127.0.0.2:1") }},
			wantStatus:  400,
			wantCode:    "InvalidArgument",
			wantMessage: "x-oss-request-route",
		},
		{
			name:        "no token",
			bad:         reply{before: func(r *http.Request) { r.Header.Del("x-oss-request-token") }},
			wantStatus:  400,
			wantCode:    "InvalidArgument",
			wantMessage: "x-oss-request-token",
		},
		{
			name:        "status that is not a number",
			bad:         reply{status: "OK"},
			wantStatus:  400,
			wantCode:    "InvalidArgument",
			wantMessage: "x-oss-fwd-status",
		},
		{
			name:       "informational status",
			bad:        reply{status: "100"},
			wantStatus: 400,
			wantCode:   "InvalidArgument",
		},
		{
			name:       "status out of range",
			bad:        reply{status: "600"},
			wantStatus: 400,
			wantCode:   "InvalidArgument",
		},
		{
			name:       "malformed Content-MD5",
			bad:        reply{before: func(r *http.Request) { r.Header.Set("Content-MD5", "not base64") }},
			wantStatus: 400,
			wantCode:   "InvalidDigest",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refused := make(chan answer, 1)
			var authorization string
			bad := tt.bad
			after := bad.after
			bad.after = func(r *http.Request) {
				authorization = r.Header.Get("Authorization")
				if after != nil {
					after(r)
				}
			}
			s := start(t, Config{Function: InvokerFunc(func(ctx context.Context, inv *Invocation) error {
				ev := parseEvent(t, inv)
				refused <- send(ctx, inv, ev, bad)
				return send(ctx, inv, ev, reply{body: strings.NewReader("ok")}).err
			})})

			resp, body, err := get(t, s, "k", nil)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode, "a refused request must leave the token usable")
			assert.Equal(t, "ok", string(body))

			a := receive(t, refused)
			require.NoError(t, a.err)
			assert.Equal(t, tt.wantStatus, a.status)
			assert.Equal(t, "application/xml", a.header.Get("Content-Type"))
			e := parseXMLError(t, a.body)
			assert.Equal(t, tt.wantCode, e.Code)
			assert.Contains(t, e.Message, tt.wantMessage)
			assert.Equal(t, tt.wantEC, e.EC)
			assert.Equal(t, tt.wantEC, a.header.Get("x-oss-ec"))
			assert.Regexp(t, requestIDPattern, e.RequestID)
			assert.Equal(t, e.RequestID, a.header.Get("x-oss-request-id"))
			assert.Equal(t, strings.TrimPrefix(s.URL(), "http://"), e.HostID)
			if tt.wantCode == "SignatureDoesNotMatch" {
				assert.True(t, strings.HasPrefix(e.StringToSign, "OSS4-HMAC-SHA256\n"), "StringToSign: %q", e.StringToSign)
				assert.Contains(t, e.StringToSign, "/"+testRegion+"/oss/aliyun_v4_request\n")
			} else {
				assert.Empty(t, e.StringToSign)
			}
			sig := authorization[strings.LastIndex(authorization, "=")+1:]
			noSecrets(t, a.body, sig)
		})
	}
}
