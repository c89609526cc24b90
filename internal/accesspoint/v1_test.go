package accesspoint

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/internal/redact"

	"github.com/wgor-dev/wgor/sign"
)

// v1Signing is how a test client signs with OSS V1, written from OSS's V1
// reference as the SDKs do; the vectors of testdata/v1-vectors.json are
// made by the older official Go SDK itself.
type v1Signing struct {
	creds       sign.Credentials
	query       bool      // the query form (Expires); else the header form
	at          time.Time // the Date (or, with ossDate, x-oss-date); zero: now
	ossDate     bool      // no Date: x-oss-date in RFC 1123, as Node's ali-oss
	subresource bool      // x-oss-write-get-object-response in the canonical resource
	expires     time.Time // the query form's Expires; zero: in 15 minutes
}

// sign signs r, a WriteGetObjectResponse.
func (v v1Signing) sign(r *http.Request) {
	creds := v.creds
	if creds.AccessKeyID == "" {
		creds = testCreds
	}
	if v.at.IsZero() {
		v.at = time.Now()
	}
	date := v.at.UTC().Format(http.TimeFormat)
	var subs []string
	if v.subresource {
		subs = append(subs, oss.WriteQuery)
	}
	if v.query {
		if v.expires.IsZero() {
			v.expires = time.Now().Add(15 * time.Minute)
		}
		date = strconv.FormatInt(v.expires.Unix(), 10)
		if creds.SecurityToken != "" {
			subs = append(subs, "security-token="+creds.SecurityToken)
		}
	} else {
		if v.ossDate {
			r.Header.Set("x-oss-date", date)
		} else {
			r.Header.Set("Date", date)
		}
		if creds.SecurityToken != "" {
			r.Header.Set("x-oss-security-token", creds.SecurityToken)
		}
	}
	var names []string
	for k := range r.Header {
		if strings.HasPrefix(strings.ToLower(k), "x-oss-") {
			names = append(names, strings.ToLower(k))
		}
	}
	sort.Strings(names)
	sts := r.Method + "\n" + r.Header.Get("Content-MD5") + "\n" + r.Header.Get("Content-Type") + "\n" + date + "\n"
	for _, n := range names {
		sts += n + ":" + r.Header.Get(n) + "\n"
	}
	sort.Strings(subs)
	sts += "/"
	if len(subs) > 0 {
		sts += "?" + strings.Join(subs, "&")
	}
	mac := hmac.New(sha1.New, []byte(creds.AccessKeySecret))
	mac.Write([]byte(sts))
	sig := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !v.query {
		r.Header.Set("Authorization", "OSS "+creds.AccessKeyID+":"+sig)
		return
	}
	q := r.URL.Query()
	q.Set("OSSAccessKeyId", creds.AccessKeyID)
	q.Set("Expires", date)
	q.Set("Signature", sig)
	if creds.SecurityToken != "" {
		q.Set("security-token", creds.SecurityToken)
	}
	r.URL.RawQuery = strings.ReplaceAll(q.Encode(), "x-oss-write-get-object-response=", "x-oss-write-get-object-response")
}

func v1Reply(v v1Signing, before func(*http.Request)) reply {
	return reply{body: strings.NewReader("v1 body"), noSign: true, after: func(r *http.Request) {
		if before != nil {
			before(r)
		}
		v.sign(r)
	}}
}

func TestV1SignaturesAreAccepted(t *testing.T) {
	withMD5 := func(r *http.Request) {
		sum := md5.Sum([]byte("v1 body"))
		r.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
		r.Header.Set("Content-Type", "application/xml")
	}
	tests := []struct {
		name   string
		v      v1Signing
		before func(*http.Request)
	}{
		{name: "header, resource with the sub-resource (SDK v2, ali-oss)", v: v1Signing{subresource: true}},
		{name: "header, resource without it (older Go SDK)", v: v1Signing{}},
		{name: "header with Content-MD5 and Content-Type", v: v1Signing{subresource: true}, before: withMD5},
		{name: "header, x-oss-date in the Date position (ali-oss)", v: v1Signing{ossDate: true, subresource: true}},
		{name: "header, a Date ten minutes off", v: v1Signing{at: time.Now().Add(-10 * time.Minute)}},
		{name: "query with security-token", v: v1Signing{query: true}},
		{name: "query with the sub-resource", v: v1Signing{query: true, subresource: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answers := make(chan answer, 1)
			s := start(t, Config{Function: replying(t, v1Reply(tt.v, tt.before), answers)})
			resp, body, err := get(t, s, "k", nil)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
			assert.Equal(t, "v1 body", string(body))
			a := receive(t, answers)
			assert.Equal(t, http.StatusOK, a.status, a.body)
		})
	}
}

func TestV1RefusalsSayWhy(t *testing.T) {
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
		{name: "wrong secret", bad: v1Reply(v1Signing{creds: wrongSecret}, nil), wantStatus: 403, wantCode: CodeSignatureDoesNotMatch, wantEC: "0002-00000201"},
		{name: "wrong secret, query", bad: v1Reply(v1Signing{creds: wrongSecret, query: true}, nil), wantStatus: 403, wantCode: CodeSignatureDoesNotMatch, wantEC: "0002-00000201"},
		{name: "unknown access key", bad: v1Reply(v1Signing{creds: wrongKey}, nil), wantStatus: 403, wantCode: "InvalidAccessKeyId"},
		{name: "wrong security token", bad: v1Reply(v1Signing{creds: wrongToken}, nil), wantStatus: 403, wantCode: "InvalidSecurityToken", wantEC: "0002-00000006"},
		{name: "wrong security token, query", bad: v1Reply(v1Signing{creds: wrongToken, query: true}, nil), wantStatus: 403, wantCode: "InvalidSecurityToken", wantEC: "0002-00000006"},
		{name: "Date an hour old", bad: v1Reply(v1Signing{at: time.Now().Add(-time.Hour)}, nil), wantStatus: 403, wantCode: CodeRequestTimeTooSkewed, wantMessage: "sign with the current time", wantEC: "0002-00000504"},
		{name: "Date an hour ahead", bad: v1Reply(v1Signing{at: time.Now().Add(time.Hour)}, nil), wantStatus: 403, wantCode: CodeRequestTimeTooSkewed, wantEC: "0002-00000504"},
		{name: "expired URL", bad: v1Reply(v1Signing{query: true, expires: time.Now().Add(-time.Second)}, nil), wantStatus: 403, wantCode: CodeAccessDenied, wantMessage: "expired"},
		{
			name:       "no Date",
			bad:        v1Reply(v1Signing{}, nil),
			wantStatus: 403, wantCode: CodeAccessDenied, wantMessage: "RFC 1123", wantEC: "0002-00000503",
		},
		{
			name:       "Date not in RFC 1123",
			bad:        reply{noSign: true, after: func(r *http.Request) { v1Signing{}.sign(r); r.Header.Set("Date", "20261201T120000Z") }},
			wantStatus: 403, wantCode: CodeAccessDenied, wantMessage: "RFC 1123", wantEC: "0002-00000502",
		},
		{
			name:       "malformed Authorization",
			bad:        reply{noSign: true, after: func(r *http.Request) { r.Header.Set("Authorization", "OSS no-colon") }},
			wantStatus: 400, wantCode: CodeInvalidArgument, wantMessage: "OSS <AccessKeyId>:<Signature>",
		},
		{
			name:       "malformed signature V2",
			bad:        reply{noSign: true, after: func(r *http.Request) { r.Header.Set("Authorization", "OSS2 AccessKeyId:no-signature-here") }},
			wantStatus: 400, wantCode: CodeInvalidArgument, wantMessage: "V2", wantEC: "0002-00000102",
		},
		{
			name:       "query without Expires",
			bad:        reply{noSign: true, after: func(r *http.Request) { r.URL.RawQuery += "&OSSAccessKeyId=a&Signature=b" }},
			wantStatus: 403, wantCode: CodeAccessDenied, wantMessage: "OSSAccessKeyId, Expires and Signature",
		},
		{
			name: "status changed after signing",
			bad: reply{noSign: true, after: func(r *http.Request) {
				v1Signing{subresource: true}.sign(r)
				r.Header.Set(oss.HeaderStatus, "404")
			}},
			wantStatus: 403, wantCode: CodeSignatureDoesNotMatch, wantEC: "0002-00000201",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := tt.bad
			if tt.name == "no Date" {
				after := bad.after
				bad.after = func(r *http.Request) { after(r); r.Header.Del("Date") }
			}
			var authorization, query string
			after := bad.after
			bad.after = func(r *http.Request) {
				after(r)
				authorization, query = r.Header.Get("Authorization"), r.URL.Query().Get("Signature")
			}
			a := refusedThenServed(t, Config{}, bad)
			assert.Equal(t, tt.wantStatus, a.status)
			e := parseXMLError(t, a.body)
			assert.Equal(t, tt.wantCode, e.Code)
			assert.Contains(t, e.Message, tt.wantMessage)
			assert.Equal(t, tt.wantEC, e.EC)
			if tt.wantCode == CodeSignatureDoesNotMatch {
				assert.True(t, strings.HasPrefix(e.StringToSign, "POST\n"), "the server's V1 StringToSign: %q", e.StringToSign)
				assert.Contains(t, e.StringToSign, "x-oss-fwd-status:")
				assert.Contains(t, e.StringToSign, redact.Mark)
			} else {
				assert.Empty(t, e.StringToSign)
			}
			sig := authorization[strings.LastIndex(authorization, ":")+1:]
			noSecrets(t, a.body, sig, query, wrongToken.SecurityToken)
			noSecrets(t, e.StringToSign, sig, query, wrongToken.SecurityToken)
		})
	}
}

func TestV1StringToSignHidesTheTokens(t *testing.T) {
	sts := "POST\n\n\nDate\nx-oss-fwd-status:200\nx-oss-request-token:OSSV1#tok\nx-oss-security-token:CAIS-x\n/?security-token=CAIS-x&x-oss-write-get-object-response"
	assert.Equal(t, "POST\n\n\nDate\nx-oss-fwd-status:200\nx-oss-request-token:<redacted>\nx-oss-security-token:<redacted>\n/?security-token=<redacted>&x-oss-write-get-object-response", redact.New().Lines(sts))
}

func TestIsV1TellsTheFormsApart(t *testing.T) {
	tests := []struct {
		header, query string
		want          bool
	}{
		{"OSS id:sig", "", true},
		{"OSS4-HMAC-SHA256 Credential=a/b/c/oss/aliyun_v4_request,Signature=s", "", false},
		{"", "OSSAccessKeyId=a&Expires=1&Signature=s", true},
		{"", "x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-signature=s", false},
		{"", "", false},
	}
	for _, tt := range tests {
		r := &http.Request{Header: http.Header{}, URL: &url.URL{RawQuery: tt.query}}
		if tt.header != "" {
			r.Header.Set("Authorization", tt.header)
		}
		assert.Equal(t, tt.want, oldVersion(r) == 1, "%q %q", tt.header, tt.query)
	}
}

func FuzzVerifyV1(f *testing.F) {
	f.Add("OSS "+testCreds.AccessKeyID+":c2ln", time.Now().UTC().Format(http.TimeFormat), "x-oss-write-get-object-response", "")
	f.Add("", "", "OSSAccessKeyId="+testCreds.AccessKeyID+"&Expires=99999999999&Signature=x&security-token="+testCreds.SecurityToken, "")
	f.Add("OSS a:b", "", "", "Tue, 01 Dec 2026 12:00:00 GMT")
	f.Fuzz(func(t *testing.T, auth, date, query, ossDate string) {
		r := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/", RawQuery: query}, Header: http.Header{
			"X-Oss-Security-Token": {testCreds.SecurityToken},
			"X-Oss-Request-Token":  {"OSSV1#fuzz-request-token"},
		}}
		for name, v := range map[string]string{"Authorization": auth, "Date": date, "X-Oss-Date": ossDate} {
			if v != "" {
				r.Header.Set(name, v)
			}
		}
		err := verifyOld(r, 1, v1Options{now: time.Now(), lookup: func(id string) (sign.Credentials, bool) {
			return testCreds, id == testCreds.AccessKeyID
		}})
		if err == nil {
			t.Fatalf("accepted without the secret: %q %q %q", auth, date, query)
		}
		var ve *sign.VerifyError
		require.ErrorAs(t, err, &ve)
		for _, s := range []string{ve.Message, ve.StringToSign, err.Error()} {
			if strings.Contains(s, testCreds.AccessKeySecret) || strings.Contains(s, "fuzz-request-token") ||
				strings.Contains(s, "x-oss-security-token:"+testCreds.SecurityToken) {
				t.Fatalf("a secret in the refusal: %q", s)
			}
		}
	})
}
