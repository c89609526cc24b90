package sdkinterop

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"

	"github.com/wgor-dev/wgor/sign"
)

// wgorRequest is the WriteGetObjectResponse request sign's own benchmark
// signs (sign/bench_test.go): route, token, status, one forwarded header.
func wgorRequest(b *testing.B) *http.Request {
	const route = "fc-ap-01-3b00521f653d2b3223680ec39dbbe2aa-opap.oss-cn-qingdao-internal.oss-object-process.aliyuncs.com"
	req, err := http.NewRequest(http.MethodPost, "https://"+route+"/?x-oss-write-get-object-response", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("X-Oss-Request-Route", route)
	req.Header.Set("X-Oss-Request-Token", "OSSV1#"+strings.Repeat("abc8", 30)+"=")
	req.Header.Set("X-Oss-Fwd-Status", "200")
	req.Header.Set("X-Oss-Fwd-Header-Content-Type", "image/png")
	return req
}

// BenchmarkSignerVersusTheOfficialSDK signs the same request, with the same
// STS credentials and time, with wgor's signer and with the official SDK v2's
// SignerV4, side by side in one run. Issue 15 asks wgor to be at least four
// times faster.
func BenchmarkSignerVersusTheOfficialSDK(b *testing.B) {
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	b.Run("wgor", func(b *testing.B) {
		req := wgorRequest(b)
		o := &sign.Options{Credentials: functionCreds, Region: region, Time: at, KeyCache: &sign.KeyCache{}} // as wgor.Client signs
		b.ReportAllocs()
		for b.Loop() {
			if err := sign.Sign(req, o); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("official-sdk-v2", func(b *testing.B) {
		req := wgorRequest(b)
		product, r := "oss", region
		creds := &credentials.Credentials{AccessKeyID: functionCreds.AccessKeyID,
			AccessKeySecret: functionCreds.AccessKeySecret, SecurityToken: functionCreds.SecurityToken}
		s := &signer.SignerV4{}
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Sign(context.Background(), &signer.SigningContext{
				Product: &product, Region: &r, Request: req, Credentials: creds, Time: at,
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
