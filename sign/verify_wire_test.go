package sign_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/sign"
)

// TestSignedIsWhatGoesOnTheWire sends signed requests through net/http on
// loopback and verifies them as the server receives them: names without
// values, which net/http does not send, and other spellings of the headers
// Sign sets, which it would send beside Sign's, must not break the signature.
func TestSignedIsWhatGoesOnTheWire(t *testing.T) {
	got := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := sign.Verify(r, &sign.VerifyOptions{Region: "cn-qingdao", Lookup: lookup(testCreds), Now: testTime})
		got <- err
	}))
	defer srv.Close()
	cases := []struct {
		name       string
		set        func(http.Header)
		additional []string
	}{
		{"empty list of values", func(h http.Header) { h["X-Oss-Meta-Empty"] = []string{} }, nil},
		{"nil list of values", func(h http.Header) { h["X-Oss-Meta-Nil"] = nil }, nil},
		{"additional header without values", func(h http.Header) { h["Range"] = []string{} }, []string{"range"}},
		{"empty value is sent and signed", func(h http.Header) { h["X-Oss-Meta-Blank"] = []string{""} }, nil},
		{"other spellings of the signer's headers", func(h http.Header) {
			h["x-oss-date"] = []string{"19700101T000000Z"}
			h["x-oss-content-sha256"] = []string{"abc"}
			h["x-oss-security-token"] = []string{"old"}
			h["authorization"] = []string{"old"}
			h["date"] = []string{"old"}
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/?x-oss-write-get-object-response", nil)
			require.NoError(t, err)
			req.Header.Set("X-Oss-Fwd-Status", "200")
			c.set(req.Header)
			require.NoError(t, sign.Sign(req, &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: testTime, AdditionalHeaders: c.additional}))
			// The same code path on the client's own request object.
			_, err = sign.Verify(req, verifyOpts())
			require.NoError(t, err, "Verify on the request as signed")
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			select {
			case err := <-got:
				assert.NoError(t, err, "Verify on the request as received")
			case <-time.After(5 * time.Second):
				t.Fatal("the server saw no request")
			}
		})
	}
}

func TestVerifyErrorCarriesServerView(t *testing.T) {
	r := wgorRequest(t)
	require.NoError(t, sign.Sign(r, &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: testTime}))
	r.URL = &url.URL{Scheme: "https", Host: testRoute, Path: "/", RawQuery: "x-oss-write-get-object-response&acl"}
	ve := refusal(t, must(sign.Verify(r, verifyOpts())))
	assert.Equal(t, "SignatureDoesNotMatch", ve.Code)
	assert.Equal(t, "0002-00000201", ve.EC)
	assert.True(t, strings.HasPrefix(ve.CanonicalRequest, "POST\n/\nacl&x-oss-write-get-object-response\n"), ve.CanonicalRequest)
	assert.True(t, strings.HasPrefix(ve.StringToSign, "OSS4-HMAC-SHA256\n20261124T120000Z\n20261124/cn-qingdao/oss/aliyun_v4_request\n"))
	assert.Contains(t, ve.CanonicalRequest, testToken, "the server's view, as OSS sends it back")

	// Printed or logged, it shows Error only: the canonical request holds
	// the security token and the request token as they were sent.
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("refused", "in", []any{ve}, "nested", struct{ E *sign.VerifyError }{ve})
	out := logs.String()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out += fmt.Sprintf(verb, ve) + fmt.Sprintf(verb, struct{ E *sign.VerifyError }{ve})
	}
	assert.NotContains(t, out, testToken)
	assert.NotContains(t, out, "abc8abc8")
	assert.Contains(t, out, "SignatureDoesNotMatch")
}

// TestVerifyPresignedWithoutHeaderMap verifies a presigned URL on a request
// whose header map is nil and whose Host is set, as a hand-built server
// request may be: the Host goes in a header map of Verify's own.
func TestVerifyPresignedWithoutHeaderMap(t *testing.T) {
	req, err := http.NewRequest(http.MethodGet, "https://b.oss-cn-qingdao.aliyuncs.com/k", nil)
	require.NoError(t, err)
	signedURL, err := sign.Presign(req, &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: testTime, Bucket: "b", Key: "k"})
	require.NoError(t, err)
	u, err := url.Parse(signedURL)
	require.NoError(t, err)
	got := &http.Request{Method: http.MethodGet, URL: u, Host: u.Host}
	assert.NotPanics(t, func() {
		_, err = sign.Verify(got, &sign.VerifyOptions{Region: "cn-qingdao", Bucket: "b", Key: "k", Lookup: lookup(testCreds), Now: testTime})
	})
	assert.NoError(t, err)
}
