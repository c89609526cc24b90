package sign_test

import (
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/wgor-dev/wgor/sign"
)

// FuzzSign signs requests built from arbitrary methods, keys, queries and
// headers. It must never panic; a refusal must be an ErrInvalid; a signature
// must be the same when signed twice and must verify through sign.Verify,
// the code path a server uses.
func FuzzSign(f *testing.F) {
	f.Add("POST", "", "x-oss-write-get-object-response", "X-Oss-Fwd-Header-Content-Type", "image/png", "")
	f.Add("GET", "dir/sub dir/file name.png", "prefix=a%2Fb&max-keys=10", "Content-Type", "  text/plain  ", "host")
	f.Add("PUT", "a+b=c&d~e!f'g(h)*i;j:k@l$m,n#o?p%q", "acl&&b=&c=1+2", "x-oss-meta-Ünï", "\tv\v", "range;if-match")
	f.Add("", "报告.pdf", "a=1&a=2&A=0", "Content-MD5", "", "Content-MD5")
	f.Fuzz(func(t *testing.T, method, key, rawQuery, hname, hvalue, additional string) {
		newReq := func() *http.Request {
			h := http.Header{}
			h.Add(hname, hvalue)
			return &http.Request{Method: method, URL: &url.URL{Scheme: "https", Host: "b.oss-cn-qingdao.aliyuncs.com", RawQuery: rawQuery}, Header: h}
		}
		o := &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: testTime, Bucket: "b", Key: key, Trace: &sign.Trace{}}
		if additional != "" {
			o.AdditionalHeaders = []string{additional, "Content-Length"}
		}
		a, b := newReq(), newReq()
		errA, errB := sign.Sign(a, o), sign.Sign(b, o)
		if (errA == nil) != (errB == nil) {
			t.Fatalf("signing is not deterministic: %v vs %v", errA, errB)
		}
		if errA != nil {
			if !errors.Is(errA, sign.ErrInvalid) {
				t.Fatalf("refusal is not ErrInvalid: %v", errA)
			}
			return
		}
		if a.Header.Get("Authorization") != b.Header.Get("Authorization") {
			t.Fatalf("signatures differ for the same input:\n%s\n%s", a.Header.Get("Authorization"), b.Header.Get("Authorization"))
		}
		vo := &sign.VerifyOptions{Region: "cn-qingdao", Bucket: "b", Key: key, Lookup: lookup(testCreds), Now: testTime}
		if _, err := sign.Verify(a, vo); err != nil {
			t.Fatalf("signed request does not verify: %v\ncanonical request:\n%q", err, o.Trace.CanonicalRequest)
		}

		p := newReq()
		signedURL, err := sign.Presign(p, o)
		if err != nil {
			if !errors.Is(err, sign.ErrInvalid) {
				t.Fatalf("presign refusal is not ErrInvalid: %v", err)
			}
			return
		}
		u, err := url.Parse(signedURL)
		if err != nil {
			t.Fatalf("presigned URL does not parse: %v", err)
		}
		p.URL = u
		if _, err := sign.Verify(p, vo); err != nil {
			t.Fatalf("presigned request does not verify: %v\ncanonical request:\n%q", err, o.Trace.CanonicalRequest)
		}
	})
}
