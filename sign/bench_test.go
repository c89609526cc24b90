package sign_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"testing"

	"github.com/wgor-dev/wgor/sign"
)

// BenchmarkSign compares signing the WriteGetObjectResponse request (route,
// token, fwd-status, one forwarded header, STS credentials) with its floor:
// the hashing no signer can avoid, a SHA-256 of a canonical request of the
// same size and one HMAC-SHA256 of the string to sign.
func BenchmarkSign(b *testing.B) {
	tr := &sign.Trace{}
	probe := wgorRequest(b)
	if err := sign.Sign(probe, &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: testTime, Trace: tr}); err != nil {
		b.Fatal(err)
	}
	canonical, stringToSign := []byte(tr.CanonicalRequest), []byte(tr.StringToSign)

	b.Run("wgor", func(b *testing.B) {
		req := wgorRequest(b)
		o := &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: testTime}
		b.ReportAllocs()
		for b.Loop() {
			if err := sign.Sign(req, o); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor", func(b *testing.B) {
		key := sha256.Sum256([]byte(testSecret)) // a signing key is 32 bytes
		b.ReportAllocs()
		for b.Loop() {
			sha256.Sum256(canonical)
			m := hmac.New(sha256.New, key[:])
			m.Write(stringToSign)
			m.Sum(nil)
		}
	})
}

// BenchmarkSignParallel shows that the key cache and the state pool do not
// serialise concurrent signers.
func BenchmarkSignParallel(b *testing.B) {
	o := &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: testTime}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := wgorRequest(b)
		for pb.Next() {
			if err := sign.Sign(req, o); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
