package accesspoint

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/sign"
)

// signV4DateOnly signs r with V4 as the older official Go SDK does with
// AuthV4 (aliyun-oss-go-sdk oss/auth.go, getSignedStrV4): no x-oss-date,
// the Date header's RFC 1123 text in the string to sign, its day in the
// scope. The canonical request is sign's, less its x-oss-date line.
func signV4DateOnly(t *testing.T, r *http.Request, at time.Time) {
	t.Helper()
	var tr sign.Trace
	clone := r.Clone(context.Background())
	require.NoError(t, sign.Sign(clone, &sign.Options{Credentials: testCreds, Region: testRegion, Time: at, Trace: &tr}))
	var lines []string
	for _, l := range strings.Split(tr.CanonicalRequest, "\n") {
		if !strings.HasPrefix(l, "x-oss-date:") {
			lines = append(lines, l)
		}
	}
	date, day := at.UTC().Format(http.TimeFormat), at.UTC().Format("20060102")
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	scope := day + "/" + testRegion + "/oss/aliyun_v4_request"
	sts := "OSS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	key := []byte("aliyun_v4" + testCreds.AccessKeySecret)
	for _, part := range []string{day, testRegion, "oss", "aliyun_v4_request", sts} {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(part))
		key = m.Sum(nil)
	}
	r.Header.Set("Date", date)
	r.Header.Set("X-Oss-Content-Sha256", sign.UnsignedPayload)
	r.Header.Set("X-Oss-Security-Token", testCreds.SecurityToken)
	r.Header.Set("Authorization", "OSS4-HMAC-SHA256 Credential="+testCreds.AccessKeyID+"/"+scope+",Signature="+hex.EncodeToString(key))
}

// presigned makes rp a presigned WriteGetObjectResponse: signed by
// sign.Presign at at for ttl, then changed by edit.
func presigned(t *testing.T, at time.Time, ttl time.Duration, edit func(url.Values)) func(*http.Request) {
	return func(r *http.Request) {
		u, err := sign.Presign(r, &sign.Options{Credentials: testCreds, Region: testRegion, Time: at, Expires: ttl})
		require.NoError(t, err)
		parsed, err := url.Parse(u)
		require.NoError(t, err)
		if edit != nil {
			q := parsed.Query()
			edit(q)
			parsed.RawQuery = q.Encode()
		}
		r.URL = parsed
	}
}

func TestV4FormsAreAccepted(t *testing.T) {
	tests := []struct {
		name string
		rp   reply
	}{
		{"header with x-oss-date", reply{}},
		{"header with only Date (older Go SDK with AuthV4)", reply{noSign: true, after: func(r *http.Request) { signV4DateOnly(t, r, time.Now()) }}},
		{"presigned", reply{noSign: true, after: presigned(t, time.Now(), time.Hour, nil)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.rp.body = strings.NewReader("v4 body")
			answers := make(chan answer, 1)
			s := start(t, Config{Function: replying(t, tt.rp, answers)})
			resp, body, err := get(t, s, "k", nil)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
			assert.Equal(t, "v4 body", string(body))
			assert.Equal(t, http.StatusOK, receive(t, answers).status)
		})
	}
}

func TestV4RefusalsFollowOSS(t *testing.T) {
	tests := []struct {
		name       string
		bad        reply
		wantStatus int
		wantCode   string
		wantEC     string
	}{
		{
			name:       "Date-only an hour old",
			bad:        reply{noSign: true, after: func(r *http.Request) { signV4DateOnly(t, r, time.Now().Add(-time.Hour)) }},
			wantStatus: 403, wantCode: CodeRequestTimeTooSkewed, wantEC: "0002-00000504",
		},
		{
			name:       "x-oss-content-sha256 not UNSIGNED-PAYLOAD",
			bad:        reply{after: func(r *http.Request) { r.Header.Set("X-Oss-Content-Sha256", strings.Repeat("0", 64)) }},
			wantStatus: 400, wantCode: CodeInvalidArgument, wantEC: "0002-00000214",
		},
		{
			name:       "presigned an hour in the future",
			bad:        reply{noSign: true, after: presigned(t, time.Now().Add(time.Hour), time.Hour, nil)},
			wantStatus: 403, wantCode: CodeAccessDenied, wantEC: "0002-00000235",
		},
		{
			name: "presigned for more than seven days",
			bad: reply{noSign: true, after: presigned(t, time.Now(), time.Hour, func(q url.Values) {
				q.Set(sign.QueryExpires, "604801")
			})},
			wantStatus: 400, wantCode: CodeInvalidArgument, wantEC: "0002-00000232",
		},
		{
			name:       "presigned and expired",
			bad:        reply{noSign: true, after: presigned(t, time.Now().Add(-2*time.Hour), time.Hour, nil)},
			wantStatus: 403, wantCode: CodeAccessDenied,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := refusedThenServed(t, Config{}, tt.bad)
			assert.Equal(t, tt.wantStatus, a.status)
			e := parseXMLError(t, a.body)
			assert.Equal(t, tt.wantCode, e.Code, e.Message)
			assert.Equal(t, tt.wantEC, e.EC)
			assert.Equal(t, tt.wantEC, a.header.Get("x-oss-ec"))
			noSecrets(t, a.body)
		})
	}
}
