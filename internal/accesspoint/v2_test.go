package accesspoint

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/sign"
)

// v2Signing is how a test client signs with OSS Signature V2, written from
// the V2 error pages and the SDKs' description of it (see v2.go); the
// older Go SDK's own V2 requests are tried in internal/legacyinterop.
type v2Signing struct {
	creds      sign.Credentials
	query      bool     // the URL form; else Authorization: OSS2
	additional []string // AdditionalHeaders, lower case
	expires    time.Time
}

func pct(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func (v v2Signing) sign(r *http.Request) {
	creds := v.creds
	if creds.AccessKeyID == "" {
		creds = testCreds
	}
	date := time.Now().UTC().Format(http.TimeFormat)
	q := r.URL.Query()
	if v.query {
		if v.expires.IsZero() {
			v.expires = time.Now().Add(time.Minute)
		}
		date = strconv.FormatInt(v.expires.Unix(), 10)
		q.Set("x-oss-signature-version", "OSS2")
		q.Set("x-oss-expires", date)
		q.Set("x-oss-access-key-id", creds.AccessKeyID)
		q.Set("security-token", creds.SecurityToken)
		if len(v.additional) > 0 {
			q.Set("x-oss-additional-headers", strings.Join(v.additional, ";"))
		}
	} else {
		r.Header.Set("Date", date)
		r.Header.Set("x-oss-security-token", creds.SecurityToken)
	}
	var lines []string
	for k := range r.Header {
		l := strings.ToLower(k)
		if strings.HasPrefix(l, "x-oss-") || contains(v.additional, l) {
			lines = append(lines, l+":"+r.Header.Get(k)+"\n")
		}
	}
	if contains(v.additional, "host") {
		lines = append(lines, "host:"+r.URL.Host+"\n")
	}
	sort.Strings(lines)
	var params []string
	for k := range q {
		p := pct(k)
		if val := q.Get(k); val != "" {
			p += "=" + pct(val)
		}
		params = append(params, p)
	}
	sort.Strings(params)
	extra := append([]string(nil), v.additional...)
	sort.Strings(extra)
	sts := r.Method + "\n" + r.Header.Get("Content-MD5") + "\n" + r.Header.Get("Content-Type") + "\n" + date + "\n" +
		strings.Join(lines, "") + strings.Join(extra, ";") + "\n%2F?" + strings.Join(params, "&")
	mac := hmac.New(sha256.New, []byte(creds.AccessKeySecret))
	mac.Write([]byte(sts))
	sig := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if v.query {
		q.Set("x-oss-signature", sig)
		r.URL.RawQuery = q.Encode()
		return
	}
	auth := "OSS2 AccessKeyId:" + creds.AccessKeyID
	if len(v.additional) > 0 {
		auth += ",AdditionalHeaders:" + strings.Join(v.additional, ";")
	}
	r.Header.Set("Authorization", auth+",Signature:"+sig)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func v2Reply(v v2Signing, before func(*http.Request)) reply {
	return reply{body: strings.NewReader("v2 body"), noSign: true, after: func(r *http.Request) {
		if before != nil {
			before(r)
		}
		v.sign(r)
	}}
}

func TestV2SignaturesAreAccepted(t *testing.T) {
	withUserAgent := func(r *http.Request) { r.Header.Set("User-Agent", "v2 test") }
	tests := []struct {
		name   string
		v      v2Signing
		before func(*http.Request)
	}{
		{name: "header", v: v2Signing{}},
		{name: "header with AdditionalHeaders", v: v2Signing{additional: []string{"user-agent", "host"}}, before: withUserAgent},
		{name: "query", v: v2Signing{query: true}},
		{name: "query with x-oss-additional-headers", v: v2Signing{query: true, additional: []string{"user-agent"}}, before: withUserAgent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answers := make(chan answer, 1)
			s := start(t, Config{Function: replying(t, v2Reply(tt.v, tt.before), answers)})
			resp, body, err := get(t, s, "k", nil)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
			assert.Equal(t, "v2 body", string(body))
			a := receive(t, answers)
			assert.Equal(t, http.StatusOK, a.status, a.body)
		})
	}
}

func TestV2RefusalsCarryOSSsDetailedCodes(t *testing.T) {
	auth := func(v string) reply {
		return reply{noSign: true, after: func(r *http.Request) {
			r.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
			r.Header.Set("Authorization", v)
		}}
	}
	query := func(drop, empty string) reply {
		return reply{noSign: true, after: func(r *http.Request) {
			v2Signing{query: true}.sign(r)
			q := r.URL.Query()
			if drop != "" {
				q.Del(drop)
			}
			if empty != "" {
				q.Set(empty, "")
			}
			r.URL.RawQuery = q.Encode()
		}}
	}
	wrongSecret := testCreds
	wrongSecret.AccessKeySecret = "not-the-secret"
	tests := []struct {
		name       string
		bad        reply
		wantStatus int
		wantCode   string
		wantEC     string
	}{
		{"one field", auth("OSS2 AccessKeyId:id"), 400, CodeInvalidArgument, "0002-00000102"},
		{"a trailing comma", auth("OSS2 AccessKeyId:id,Signature:s,"), 400, CodeInvalidArgument, "0002-00000102"},
		{"a field without a colon", auth("OSS2 AccessKeyId:id,AdditionalHeadershost,Signature:s"), 400, CodeInvalidArgument, "0002-00000103"},
		{"an unknown field", auth("OSS2 AccessKeyId:id,Signature:s,UnknownKey:ABC"), 400, CodeInvalidArgument, "0002-00000104"},
		{"no AccessKeyId", auth("OSS2 AdditionalHeaders:host,Signature:s"), 400, CodeInvalidArgument, "0002-00000105"},
		{"an empty AccessKeyId", auth("OSS2 AccessKeyId:,Signature:s"), 400, CodeInvalidArgument, "0002-00000106"},
		{"an AccessKeyId with a tab", auth("OSS2 AccessKeyId:a\tb,Signature:s"), 400, CodeInvalidArgument, "0002-00000107"},
		{"no Signature", auth("OSS2 AccessKeyId:id,AdditionalHeaders:host"), 400, CodeInvalidArgument, "0002-00000108"},
		{"an empty Signature", auth("OSS2 AccessKeyId:id,Signature:"), 400, CodeInvalidArgument, "0002-00000109"},
		{"empty AdditionalHeaders", auth("OSS2 AccessKeyId:id,AdditionalHeaders:,Signature:s"), 400, CodeInvalidArgument, "0002-00000110"},
		{"an empty additional header", auth("OSS2 AccessKeyId:id,AdditionalHeaders:host;,Signature:s"), 400, CodeInvalidArgument, "0002-00000111"},
		{"an additional header not sent", auth("OSS2 AccessKeyId:id,AdditionalHeaders:range,Signature:s"), 400, CodeInvalidArgument, "0002-00000112"},
		{"URL without x-oss-expires", query("x-oss-expires", ""), 403, CodeAccessDenied, "0002-00000113"},
		{"URL with an empty x-oss-access-key-id", query("", "x-oss-access-key-id"), 403, CodeAccessDenied, "0002-00000116"},
		{"URL without x-oss-signature", query("x-oss-signature", ""), 403, CodeAccessDenied, "0002-00000117"},
		{"URL with an empty x-oss-signature", query("", "x-oss-signature"), 403, CodeAccessDenied, "0002-00000118"},
		{"URL expired", v2Reply(v2Signing{query: true, expires: time.Now().Add(-time.Second)}, nil), 403, CodeAccessDenied, ""},
		{"header, another secret", v2Reply(v2Signing{creds: wrongSecret}, nil), 403, CodeSignatureDoesNotMatch, "0002-00000201"},
		{"URL, another secret", v2Reply(v2Signing{creds: wrongSecret, query: true}, nil), 403, CodeSignatureDoesNotMatch, "0002-00000201"},
		{"status changed after signing", reply{noSign: true, after: func(r *http.Request) {
			v2Signing{}.sign(r)
			r.Header.Set("x-oss-fwd-status", "404")
		}}, 403, CodeSignatureDoesNotMatch, "0002-00000201"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := refusedThenServed(t, Config{}, tt.bad)
			assert.Equal(t, tt.wantStatus, a.status, a.body)
			e := parseXMLError(t, a.body)
			assert.Equal(t, tt.wantCode, e.Code)
			assert.Equal(t, tt.wantEC, e.EC)
			if tt.wantCode == CodeSignatureDoesNotMatch {
				assert.True(t, strings.HasPrefix(e.StringToSign, "POST\n"), "the server's V2 StringToSign: %q", e.StringToSign)
				assert.Contains(t, e.StringToSign, "\n%2F?", "its resource, V2-encoded")
				assert.Contains(t, e.StringToSign, "x-oss-request-token:<redacted>")
			}
			noSecrets(t, a.body)
		})
	}
}

// A V1 signed URL carries the STS token in its security-token parameter
// (OSS, "Include signatures in URLs"): sent as a header instead, the
// refusal says where to put it.
func TestV1URLWithTheTokenInAHeaderIsToldToUseTheQuery(t *testing.T) {
	bad := reply{noSign: true, after: func(r *http.Request) {
		v1Signing{query: true}.sign(r)
		q := r.URL.Query()
		q.Del("security-token")
		r.URL.RawQuery = q.Encode()
		r.Header.Set("x-oss-security-token", testCreds.SecurityToken)
	}}
	a := refusedThenServed(t, Config{}, bad)
	assert.Equal(t, http.StatusForbidden, a.status)
	e := parseXMLError(t, a.body)
	assert.Equal(t, "InvalidSecurityToken", e.Code)
	assert.Contains(t, e.Message, "security-token query parameter")
	assert.NotContains(t, e.Message, "is invalid")
	noSecrets(t, a.body)
}

func FuzzVerifyV2(f *testing.F) {
	f.Add("OSS2 AccessKeyId:"+testCreds.AccessKeyID+",AdditionalHeaders:host;range,Signature:c2ln", time.Now().UTC().Format(http.TimeFormat), "x-oss-write-get-object-response")
	f.Add("", "", "x-oss-signature-version=OSS2&x-oss-expires=99999999999&x-oss-access-key-id="+testCreds.AccessKeyID+"&x-oss-signature=x&x-oss-additional-headers=host")
	f.Add("OSS2 a:b,c", "", "%ZZ")
	f.Fuzz(func(t *testing.T, auth, date, query string) {
		r := &http.Request{Method: http.MethodPost, Host: "h", URL: &url.URL{Path: "/", RawQuery: query}, Header: http.Header{
			"X-Oss-Security-Token": {testCreds.SecurityToken},
			"X-Oss-Request-Token":  {"OSSV1#fuzz-request-token"},
		}}
		for name, v := range map[string]string{"Authorization": auth, "Date": date} {
			if v != "" {
				r.Header.Set(name, v)
			}
		}
		err := verifyOld(r, 2, v1Options{now: time.Now(), lookup: func(id string) (sign.Credentials, bool) {
			return testCreds, id == testCreds.AccessKeyID
		}})
		if err == nil {
			t.Fatalf("accepted without the secret: %q %q %q", auth, date, query)
		}
		var ve *sign.VerifyError
		require.ErrorAs(t, err, &ve)
		for _, s := range []string{ve.Message, ve.StringToSign} {
			if strings.Contains(s, testCreds.AccessKeySecret) || strings.Contains(s, "fuzz-request-token") ||
				strings.Contains(s, testCreds.SecurityToken) {
				t.Fatalf("a secret in the refusal: %q", s)
			}
		}
	})
}
