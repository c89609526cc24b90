package sdkinterop

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/oss"
	"github.com/wgor-dev/wgor/sign"
)

// FuzzSignerMatchesTheOfficialSDK signs arbitrary requests with wgor's
// signer and with the official SDK's SignerV4 and requires the same headers,
// byte for byte. It skips the inputs where wgor differs on purpose, each
// documented in package sign:
//   - wgor refuses control characters but tab in header names, values and
//     the query (internal/oss.ValidValue), and additional header names that
//     are not HTTP tokens, which the SDK signs into requests net/http will
//     not send;
//   - wgor signs an empty method as GET, as net/http sends it;
//   - wgor never lists Authorization as an additional header;
//   - wgor does not sign a header name with no values, which net/http does
//     not send (never met here: http.Header.Add always adds a value).
//
// A caller's x-oss-content-sha256 is not skipped: both signers set
// UNSIGNED-PAYLOAD over it.
//
// Header names that are not HTTP tokens are skipped too: net/http refuses to
// send them.
//
// Header keys are canonical, as http.Header.Add makes them; sign's own tests
// cover keys set directly in the map.
func FuzzSignerMatchesTheOfficialSDK(f *testing.F) {
	f.Add("POST", "", "x-oss-write-get-object-response", "X-Oss-Fwd-Header-Content-Type", "image/png", "x-oss-request-token", "OSSV1#abc=", "", true)
	f.Add("PUT", "dir/a b+c~d.png", "acl&b=2&a=1&a=3&c=x+y", "Content-Type", " text/plain ", "Range", "bytes=0-1", "range;Host", false)
	f.Add("GET", "报告/ü.pdf", "0&=&prefix=a%2Fb", "X-Oss-Meta-Uni", "\tv\v", "Content-Md5", "", "content-md5;if-match", true)
	f.Add("POST", "", "x-oss-write-get-object-response", "X-Oss-Content-Sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "x-oss-fwd-status", "200", "", true)
	f.Fuzz(func(t *testing.T, method, key, rawQuery, name1, value1, name2, value2, additional string, sts bool) {
		if method == "" || !oss.ValidValue(method+rawQuery+name1+value1+name2+value2) {
			t.Skip("wgor refuses or rewrites this input on purpose")
		}
		var add []string
		if additional != "" {
			add = strings.Split(additional, ";")
		}
		for _, n := range add {
			if !isToken(n) || strings.EqualFold(n, "authorization") {
				t.Skip("wgor refuses or drops this additional header on purpose")
			}
		}
		for _, n := range []string{name1, name2} {
			if !isToken(n) {
				// net/http refuses to send it; the SDK signs it with
				// no value, as it looks the name up lower-cased.
				t.Skip("not an HTTP header name")
			}
		}
		newRequest := func() *http.Request {
			h := http.Header{}
			h.Add(name1, value1)
			h.Add(name2, value2)
			return &http.Request{Method: method, Header: h,
				URL: &url.URL{Scheme: "https", Host: "bucket.oss-cn-qingdao.aliyuncs.com", Path: "/" + key, RawQuery: rawQuery}}
		}
		creds := functionCreds
		if !sts {
			creds.SecurityToken = ""
		}
		// The last second of a day or the first two of the next, so that
		// the signer's cached key of the day is both reused and replaced.
		at := time.Date(2026, 11, 24, 23, 59, 59, 0, time.UTC).Add(time.Duration(len(key)%3) * time.Second)

		ours := newRequest()
		require.NoError(t, sign.Sign(ours, &sign.Options{
			Credentials: creds, Region: region, Bucket: "bucket", Key: key, AdditionalHeaders: add, Time: at,
		}))
		theirs := newRequest()
		product, r, bucket := "oss", region, "bucket"
		require.NoError(t, (&signer.SignerV4{}).Sign(context.Background(), &signer.SigningContext{
			Product: &product, Region: &r, Bucket: &bucket, Key: &key, Request: theirs,
			AdditionalHeaders: add, Time: at,
			Credentials: &credentials.Credentials{
				AccessKeyID: creds.AccessKeyID, AccessKeySecret: creds.AccessKeySecret, SecurityToken: creds.SecurityToken,
			},
		}))
		require.Equal(t, theirs.Header, ours.Header)
	})
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.ContainsRune("!#$%&'*+-.^_|~`", c)) {
			return false
		}
	}
	return true
}
