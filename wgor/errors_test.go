package wgor_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/sign"
	"github.com/wgor-dev/wgor/wgor"
)

// refusal returns the error Write gets from a route that answers with
// status and body.
func refusal(t *testing.T, status int, contentType string, body []byte) (*wgor.ServiceError, error) {
	t.Helper()
	f := newFakeOSS(t)
	f.respond = func(w http.ResponseWriter, _ *http.Request, _ received) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("X-Oss-Request-Id", "HDR-REQ-ID")
		w.WriteHeader(status)
		w.Write(body)
	}
	_, err := f.client().Write(context.Background(), f.response(strings.NewReader("body")))
	require.Error(t, err)
	var se *wgor.ServiceError
	require.True(t, errors.As(err, &se), "errors.As finds a *ServiceError in %v", err)
	assert.Equal(t, int64(1), f.hits.Load(), "a refusal is never retried")
	return se, err
}

func TestServiceErrorFromOSSErrorBodies(t *testing.T) {
	tests := []struct {
		file, contentType string
		status            int
		want              wgor.ServiceError
		says              []string
	}{
		{"access-denied.xml", "application/xml", 403, wgor.ServiceError{
			Code: "AccessDenied", Message: "You have no right to access this object because of bucket acl.",
			HostID: "fc-ap-01-3b00521f653d2b3223680ec39dbbe2****-opap.oss-cn-qingdao-internal.oss-object-process.aliyuncs.com",
			EC:     "0003-00000001", RecommendDoc: "https://api.aliyun.com/troubleshoot?q=0003-00000001",
		}, []string{"HTTP 403 AccessDenied: You have no right", "EC 0003-00000001", "request ID HDR-REQ-ID", "grant oss:WriteGetObjectResponse"}},
		{"invalid-access-key-id.xml", "application/xml", 403, wgor.ServiceError{
			Code: "InvalidAccessKeyId", Message: "The OSS Access Key Id you provided does not exist in our records.",
			HostID: "oss-cn-hangzhou.aliyuncs.com", EC: "0002-00000902",
		}, []string{"HTTP 403 InvalidAccessKeyId", "check the access key ID"}},
		{"request-time-too-skewed.xml", "application/xml", 403, wgor.ServiceError{
			Code: "RequestTimeTooSkewed", Message: "The difference between the request time and the current time is too large.",
			HostID: "oss-cn-hangzhou.aliyuncs.com", EC: "0002-00000504",
		}, []string{"RequestTimeTooSkewed", "clock"}},
		{"signature-does-not-match.xml", "application/xml", 403, wgor.ServiceError{
			Code: "SignatureDoesNotMatch", Message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
			HostID: "fc-ap-01-3b00521f653d2b3223680ec39dbbe2****-opap.oss-cn-qingdao-internal.oss-object-process.aliyuncs.com",
			EC:     "0002-00000201", RecommendDoc: "https://api.aliyun.com/troubleshoot?q=0002-00000201",
			StringToSign: "OSS4-HMAC-SHA256\n20261124T120000Z\n20261124/cn-qingdao/oss/aliyun_v4_request\n9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		}, []string{"SignatureDoesNotMatch", "the string to sign differs at line 2 (date and time)"}},
		{"truncated.xml", "application/xml", 400, wgor.ServiceError{
			Code: "InvalidArgument", Message: "Invalid signing region in Authorization header.",
		}, []string{"HTTP 400 InvalidArgument: Invalid signing region"}},
		{"bad-gateway.html", "text/html", 502, wgor.ServiceError{
			Message: "<html> <head><title>502 Bad Gateway</title></head> <body> <center><h1>502 Bad Gateway</h1></center> <hr><center>Tengine</center> </body> </html>",
		}, []string{"HTTP 502 (not an OSS error body)", "Tengine"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			se, err := refusal(t, tt.status, tt.contentType, readFixture(t, "errors", tt.file))
			assert.Equal(t, tt.status, se.StatusCode)
			assert.Equal(t, tt.want.Code, se.Code)
			assert.Equal(t, tt.want.Message, se.Message)
			assert.Equal(t, "HDR-REQ-ID", se.RequestID, "the header's request ID wins")
			assert.Equal(t, tt.want.HostID, se.HostID)
			assert.Equal(t, tt.want.EC, se.EC)
			assert.Equal(t, tt.want.RecommendDoc, se.RecommendDoc)
			assert.Equal(t, tt.want.StringToSign, se.StringToSign)
			assert.Equal(t, tt.contentType, se.Header.Get("Content-Type"))
			for _, s := range tt.says {
				assert.Contains(t, err.Error(), s)
			}
			assert.NotContains(t, err.Error()+se.Mismatch, "d3c2b1a0f9e8d7c6b5a4938271605f4e", "SignatureProvided is never shown")
		})
	}
}

func TestServiceErrorWithoutABody(t *testing.T) {
	se, err := refusal(t, http.StatusServiceUnavailable, "", nil)
	assert.Equal(t, 503, se.StatusCode)
	assert.Empty(t, se.Code)
	assert.Contains(t, err.Error(), "HTTP 503 with an empty body")
}

func TestServiceErrorForARedirectIsNotFollowed(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("the redirect was followed: the token went to another host")
	}))
	defer other.Close()
	f := newFakeOSS(t)
	f.respond = func(w http.ResponseWriter, r *http.Request, _ received) {
		http.Redirect(w, r, other.URL, http.StatusTemporaryRedirect)
	}
	_, err := f.client().Write(context.Background(), f.response(strings.NewReader("body")))
	var se *wgor.ServiceError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusTemporaryRedirect, se.StatusCode)
}

// mismatchServer answers every request with SignatureDoesNotMatch computed
// by sign.Verify after tamper changes what it received.
func mismatchServer(t *testing.T, tamper func(r *http.Request), secret string) *fakeOSS {
	f := newFakeOSS(t)
	f.respond = func(w http.ResponseWriter, r *http.Request, _ received) {
		tamper(r)
		_, err := sign.Verify(r, &sign.VerifyOptions{Region: testRegion, Lookup: func(string) (sign.Credentials, bool) {
			return sign.Credentials{AccessKeyID: testAKID, AccessKeySecret: secret, SecurityToken: testSecurityToken}, true
		}})
		var ve *sign.VerifyError
		require.ErrorAs(t, err, &ve)
		require.Equal(t, "SignatureDoesNotMatch", ve.Code)
		writeOSSError(w, http.StatusForbidden, ve.Code, ve.Message, ve.StringToSign, ve.CanonicalRequest)
	}
	return f
}

func TestSignatureDoesNotMatchSaysWhereTheStringsToSignDiffer(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(r *http.Request)
		secret string
		says   []string
	}{
		{"another secret", func(*http.Request) {}, "SECRET-other", []string{
			"the strings to sign are equal, so the signing key differs"}},
		{"a forwarded header changed on the way", func(r *http.Request) {
			r.Header.Set("X-Oss-Fwd-Header-Content-Type", "text/html")
		}, testSecret, []string{
			"the string to sign differs at line 4 (hash of the canonical request)",
			`the canonical request differs at line 6 (headers): OSS has "x-oss-fwd-header-content-type:text/html", wgor signed "x-oss-fwd-header-content-type:image/png"`}},
		{"a header added on the way", func(r *http.Request) {
			r.Header.Set("X-Oss-Added", "proxy")
		}, testSecret, []string{`OSS has "x-oss-added:proxy", wgor signed "x-oss-content-sha256:UNSIGNED-PAYLOAD"`}},
		{"the token changed on the way", func(r *http.Request) {
			r.Header.Set("X-Oss-Request-Token", testToken+"-changed")
		}, testSecret, []string{`OSS has "x-oss-request-token:" (value not shown), wgor signed "x-oss-request-token:" (value not shown)`}},
		{"the query changed on the way", func(r *http.Request) {
			r.URL.RawQuery += "&x-oss-extra=1"
		}, testSecret, []string{`the canonical request differs at line 3 (query): OSS has "x-oss-extra=1&x-oss-write-get-object-response"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mismatchServer(t, tt.tamper, tt.secret)
			r := f.response(strings.NewReader("body"))
			r.ContentType = "image/png"
			_, err := f.client().Write(context.Background(), r)
			var se *wgor.ServiceError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, "SignatureDoesNotMatch", se.Code)
			assert.NotEmpty(t, se.LocalStringToSign)
			for _, s := range tt.says {
				assert.Contains(t, se.Mismatch, s)
				assert.Contains(t, err.Error(), s)
			}
			assert.NotContains(t, se.Mismatch, "check", "the advice is the error's, said once")
			if tt.secret != testSecret {
				assert.Contains(t, err.Error(), "the signing key differs: check the access key secret")
			}
			for _, hint := range []string{"check the access key secret", "check Client.Region", "Client.Region"} {
				assert.LessOrEqual(t, strings.Count(err.Error(), hint), 1, "%q said twice in %s", hint, err)
			}
			assert.Empty(t, leaked(err.Error()+se.Mismatch+se.StringToSign+se.LocalStringToSign,
				testToken, testSecret, testSecurityToken, signatureIn(f.last().Header)))
		})
	}
}

func TestSignatureDoesNotMatchForAnotherRegionPointsAtTheRegion(t *testing.T) {
	f := newFakeOSS(t)
	f.respond = func(w http.ResponseWriter, r *http.Request, _ received) {
		// OSS signs for its own region: the string to sign it would have
		// expected differs in the scope.
		clone := r.Clone(context.Background())
		tr := &sign.Trace{}
		require.NoError(t, sign.Sign(clone, &sign.Options{
			Credentials: sign.Credentials{AccessKeyID: testAKID, AccessKeySecret: testSecret, SecurityToken: testSecurityToken},
			Region:      "cn-hangzhou", Time: mustDate(t, r.Header.Get("X-Oss-Date")), Trace: tr,
		}))
		writeOSSError(w, http.StatusForbidden, "SignatureDoesNotMatch", "mismatch", tr.StringToSign, "")
	}
	_, err := f.client().Write(context.Background(), f.response(nil))
	var se *wgor.ServiceError
	require.ErrorAs(t, err, &se)
	assert.Contains(t, se.Mismatch, "the string to sign differs at line 3 (scope), byte 13")
	assert.Contains(t, se.Mismatch, "/cn-hangzhou/oss/aliyun_v4_request")
	assert.Contains(t, err.Error(), "the date or the region differs: check Client.Region")
	assert.Equal(t, 1, strings.Count(err.Error(), "Client.Region"), "the hint is said once: %s", err)
}

func TestServiceErrorFromHostileBodies(t *testing.T) {
	se, err := refusal(t, 403, "application/xml", readFixture(t, "errors", "forged-line.xml"))
	assert.Equal(t, "AccessDenied", se.Code)
	assert.NotContains(t, err.Error(), "\n")
	assert.Contains(t, err.Error(), "denied wgor write: sent 5 bytes")

	se, err = refusal(t, 403, "application/xml", readFixture(t, "errors", "not-utf8.xml"))
	assert.Equal(t, "AccessDenied", se.Code)
	assert.Contains(t, err.Error(), "its XML error body broke off at byte")
	assert.Contains(t, err.Error(), "invalid UTF-8")
	assert.NotContains(t, err.Error(), "empty body")
}

func TestAccessDeniedAdviceMatchesTheCause(t *testing.T) {
	for _, tt := range []struct{ message, says, not string }{
		{"The request token has already been used.", "send it once", "grant oss:WriteGetObjectResponse"},
		{"You have no right to access this object because of bucket acl.", "grant oss:WriteGetObjectResponse", "send it once"},
	} {
		body := "<Error><Code>AccessDenied</Code><Message>" + tt.message + "</Message></Error>"
		_, err := refusal(t, http.StatusForbidden, "application/xml", []byte(body))
		assert.Contains(t, err.Error(), tt.says)
		assert.NotContains(t, err.Error(), tt.not)
	}
}
