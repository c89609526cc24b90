package sign_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/wgor-dev/wgor/sign"
)

// Sign a GetObject request in its Authorization header. The time is pinned
// here so that the output is stable; leave Options.Time zero to sign now.
func ExampleSign() {
	req, _ := http.NewRequest(http.MethodGet, "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/exampleobject.txt", nil)
	err := sign.Sign(req, &sign.Options{
		Credentials: sign.Credentials{AccessKeyID: "LTAI5tExampleAccessKey01", AccessKeySecret: "ExampleSecretKey0123456789abcdefXYZ"},
		Region:      "cn-hangzhou",
		Bucket:      "examplebucket",
		Key:         "exampleobject.txt",
		Time:        time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC),
	})
	if err != nil {
		fmt.Println("sign:", err)
		return
	}
	fmt.Println(req.Header.Get("X-Oss-Date"))
	fmt.Println(req.Header.Get("X-Oss-Content-Sha256"))
	fmt.Println(req.Header.Get("Authorization"))
	// Output:
	// 20261124T120000Z
	// UNSIGNED-PAYLOAD
	// OSS4-HMAC-SHA256 Credential=LTAI5tExampleAccessKey01/20261124/cn-hangzhou/oss/aliyun_v4_request,Signature=a14407f9652d806e95da98a35767e22363e4246ec4137c14f1cd183afd088991
}

// Presign a GetObject request: the URL carries the signature and works for
// an hour without credentials.
func ExamplePresign() {
	req, _ := http.NewRequest(http.MethodGet, "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/exampleobject.txt", nil)
	signedURL, err := sign.Presign(req, &sign.Options{
		Credentials: sign.Credentials{AccessKeyID: "LTAI5tExampleAccessKey01", AccessKeySecret: "ExampleSecretKey0123456789abcdefXYZ"},
		Region:      "cn-hangzhou",
		Bucket:      "examplebucket",
		Key:         "exampleobject.txt",
		Time:        time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC),
		Expires:     time.Hour,
	})
	if err != nil {
		fmt.Println("presign:", err)
		return
	}
	fmt.Println(signedURL)
	// Output:
	// https://examplebucket.oss-cn-hangzhou.aliyuncs.com/exampleobject.txt?x-oss-credential=LTAI5tExampleAccessKey01%2F20261124%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20261124T120000Z&x-oss-expires=3600&x-oss-signature=0fff2ddaa0f2484d3b3d979a66e640e0b762567f1c85c2c614e9e07d20c44fa4&x-oss-signature-version=OSS4-HMAC-SHA256
}

// See what a signature was computed over, to debug a SignatureDoesNotMatch.
func ExampleTrace() {
	req, _ := http.NewRequest(http.MethodGet, "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/?acl", nil)
	tr := &sign.Trace{}
	_ = sign.Sign(req, &sign.Options{
		Credentials: sign.Credentials{AccessKeyID: "LTAI5tExampleAccessKey01", AccessKeySecret: "ExampleSecretKey0123456789abcdefXYZ"},
		Region:      "cn-hangzhou",
		Bucket:      "examplebucket",
		Time:        time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC),
		Trace:       tr,
	})
	fmt.Printf("%q\n", tr.CanonicalRequest)
	fmt.Println(tr.StringToSign)
	// Output:
	// "GET\n/examplebucket/\nacl\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20261124T120000Z\n\n\nUNSIGNED-PAYLOAD"
	// OSS4-HMAC-SHA256
	// 20261124T120000Z
	// 20261124/cn-hangzhou/oss/aliyun_v4_request
	// d4d9a8ec051c72a4caad89cce1aeca6dd4476f4c3fc0564c40bef9be78dbba14
}

// A server checks a received request with Verify.
func ExampleVerify() {
	creds := sign.Credentials{AccessKeyID: "LTAI5tExampleAccessKey01", AccessKeySecret: "ExampleSecretKey0123456789abcdefXYZ"}
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:9000/?x-oss-write-get-object-response", nil)
	req.Header.Set("X-Oss-Fwd-Status", "200")
	_ = sign.Sign(req, &sign.Options{Credentials: creds, Region: "cn-hangzhou", Time: at})

	req.Header.Set("X-Oss-Fwd-Status", "500") // tampered with on the way
	_, err := sign.Verify(req, &sign.VerifyOptions{
		Region: "cn-hangzhou",
		Lookup: func(id string) (sign.Credentials, bool) { return creds, id == creds.AccessKeyID },
		Now:    at,
	})
	fmt.Println(err)
	// Output:
	// sign: SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided. Check your key and signing method.
}

// A signer that signs often keeps a KeyCache: signatures of one day, region
// and secret derive the signing key once. The signature is the same.
func ExampleKeyCache() {
	keys := &sign.KeyCache{} // one per signer, as wgor.Client and fcrt keep it
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/exampleobject.txt", nil)
		err := sign.Sign(req, &sign.Options{
			Credentials: sign.Credentials{AccessKeyID: "LTAI5tExampleAccessKey01", AccessKeySecret: "ExampleSecretKey0123456789abcdefXYZ"},
			Region:      "cn-hangzhou",
			Bucket:      "examplebucket",
			Key:         "exampleobject.txt",
			Time:        time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC),
			KeyCache:    keys,
		})
		if err != nil {
			fmt.Println("sign:", err)
			return
		}
		fmt.Println(req.Header.Get("Authorization")[len(req.Header.Get("Authorization"))-64:])
	}
	fmt.Println(keys) // prints nothing it holds
	// Output:
	// a14407f9652d806e95da98a35767e22363e4246ec4137c14f1cd183afd088991
	// a14407f9652d806e95da98a35767e22363e4246ec4137c14f1cd183afd088991
	// sign.KeyCache{<redacted>}
}
