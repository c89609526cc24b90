package sign

import (
	"net/http"
	"strings"
	"testing"
)

// BenchmarkCanonicalHeaders measures the canonical headers of a re-signed
// WriteGetObjectResponse request alone, the largest cost besides hashing.
func BenchmarkCanonicalHeaders(b *testing.B) {
	h := http.Header{
		"X-Oss-Request-Route":           {"fc-ap-01-3b00521f653d2b3223680ec39dbbe2aa-opap.oss-cn-qingdao-internal.oss-object-process.aliyuncs.com"},
		"X-Oss-Request-Token":           {"OSSV1#" + strings.Repeat("abc8", 30) + "="},
		"X-Oss-Fwd-Status":              {"200"},
		"X-Oss-Fwd-Header-Content-Type": {"image/png"},
		"X-Oss-Date":                    {"20261124T120000Z"},
		"Date":                          {"Tue, 24 Nov 2026 12:00:00 GMT"},
		"X-Oss-Security-Token":          {"STS-TOKEN-8d1b77-do-not-print"},
		"X-Oss-Content-Sha256":          {UnsignedPayload},
		"Authorization":                 {"OSS4-HMAC-SHA256 Credential=..."},
	}
	date := []byte("20261124T120000Z")
	own := []ownHeader{{id: ownOSSDate, b: date}, {id: ownSecurityToken, s: "STS-TOKEN-8d1b77-do-not-print"}}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = appendCanonicalHeaders(buf[:0], h, nil, own); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzLowerHelpers holds the word-at-a-time helpers to strings.ToLower.
func FuzzLowerHelpers(f *testing.F) {
	for _, s := range []string{"", "A", "X-Oss-Date", "X-Oss-Fwd-Header-Content-Type", "X-Oss-\xff00", "X-Oss-0\x830",
		"x-oss-security-to\u212aen", "Content-\u0130", "ABCDEFGH", "ABCDEFGHI", "0123456789abcdefG"} {
		f.Add(s, "x-oss-date")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		la, lb := strings.ToLower(a), strings.ToLower(b)
		if got := string(appendLower([]byte("pre"), a)); got != "pre"+la {
			t.Fatalf("appendLower(%q) = %q, want %q", a, got, "pre"+la)
		}
		if got, want := compareLower(a, b), strings.Compare(la, lb); got != want {
			t.Fatalf("compareLower(%q, %q) = %d, want %d", a, b, got, want)
		}
		if got := equalLower(a, lb); got != (la == lb) {
			t.Fatalf("equalLower(%q, %q) = %v", a, lb, got)
		}
		k, n, ascii := keyOf(a)
		if k != rawKey(la) || n != len(la) && !(ascii && n > 16 && len(la) > 16) {
			t.Fatalf("keyOf(%q) = %x, %d; want %x, %d", a, k, n, rawKey(la), len(la))
		}
		sk := sortKey{nameKey: k, n: int32(n), ascii: ascii}
		if got := string(appendKeyedLower([]byte("pre"), &sk, a)); got != "pre"+la {
			t.Fatalf("appendKeyedLower(%q) = %q, want %q", a, got, "pre"+la)
		}
	})
}

// FuzzBadToken holds the word-at-a-time check to a byte loop.
func FuzzBadToken(f *testing.F) {
	for _, s := range []string{"", "LTAI5tTestKey", "cn-qingdao", "a/b", "a,b", "a b", "\x7f", "0123456789abcdef\x00", "STS.NUa,", "ünïcode-région"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := false
		for i := 0; i < len(s); i++ {
			if c := s[i]; c <= ' ' || c == 0x7f || c == ',' || c == '/' {
				want = true
			}
		}
		if got := badToken(s); got != want {
			t.Fatalf("badToken(%q) = %v, want %v", s, got, want)
		}
		wantValue := strings.ContainsAny(s, "\r\n\x00")
		if got := badValue(s); got != wantValue {
			t.Fatalf("badValue(%q) = %v, want %v", s, got, wantValue)
		}
	})
}
