package wgor

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wgor-dev/wgor/internal/redact"
)

// Secrets for the fuzz targets. They begin and end with a byte that is no
// letter, so that wherever the fuzzer puts them they are whole
// occurrences, which must never survive.
const (
	fuzzToken  = "#OSSV1#FUZZ-TOKEN#"
	fuzzSecret = "#SECRET fuzz\t\"q\"#"
)

// fuzzLeaks reports which form of a fuzz secret s holds, whole or split by
// white space.
func fuzzLeaks(s string) string {
	squeeze := func(s string) string { return strings.Join(strings.Fields(s), "") }
	for _, secret := range []string{fuzzToken, fuzzSecret} {
		q := strconv.Quote(secret)
		for _, f := range []string{secret, q[1 : len(q)-1], url.QueryEscape(secret)} {
			if strings.Contains(s, f) || strings.Contains(squeeze(s), squeeze(f)) {
				return f
			}
		}
	}
	return ""
}

func addFiles(f *testing.F, dir string) {
	paths, _ := filepath.Glob(filepath.Join("..", "..", "testdata", dir, "*"))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
}

// FuzzErrorBody: whatever a route answers with, building the ServiceError
// neither panics nor lets a secret or a line break through.
func FuzzErrorBody(f *testing.F) {
	addFiles(f, "errors")
	f.Add([]byte("<Error><Code>" + fuzzToken + "</Code><Message>a\nb</Message></Error>"))
	f.Add([]byte("<Error><Message>&#35;OSSV1&#35;FUZZ-TOKEN&#35;</Message></Error>"))
	f.Add([]byte(`<Error><Code>SignatureDoesNotMatch</Code><StringToSign>OSS4-HMAC-SHA256` + "\n" + fuzzSecret + `</StringToSign></Error>`))
	f.Add([]byte("\xff<Error>"))
	s := redact.New(fuzzToken, fuzzSecret)
	f.Fuzz(func(t *testing.T, data []byte) {
		h := http.Header{"X-Oss-Request-Id": {string(data)}}
		e, _ := newServiceError(&http.Response{StatusCode: 403, Header: h}, data, nil, s)
		msg := e.Error()
		if strings.ContainsAny(msg, "\r\n") {
			t.Fatalf("two lines: %q", msg)
		}
		for _, out := range []string{msg, fmt.Sprintf("%+v", *e), e.StringToSign} {
			if f := fuzzLeaks(out); f != "" {
				t.Fatalf("secret form %q in %q", f, out)
			}
		}
	})
}

// FuzzRoute: any route is accepted or refused without a panic; a refusal
// is one bounded line, and an accepted host is one net/http sends as is.
func FuzzRoute(f *testing.F) {
	for _, s := range []string{"oss.example", "http://127.0.0.1:8080", "[::1]:80", "[:]", "[1.2.3.4]", "[fe" + strings.Repeat("x", 1000) + "80::1%25eth0]",
		"https://" + fuzzToken + "@h.example", "h.example/?x=" + fuzzToken, strings.Repeat("a.", 200), "a..b", "-a.b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := parseRoute(s, "https")
		if err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\r\n") || len(msg) > 600 {
				t.Fatalf("bad refusal: %q", msg)
			}
			if i := strings.IndexAny(s, "@?#"); i >= 0 && strings.Contains(s[i:], "FUZZ-TOKEN") && !strings.Contains(s[:i], "FUZZ-TOKEN") &&
				strings.Contains(msg, "FUZZ-TOKEN") {
				t.Fatalf("refusal quotes what follows the host: %q", msg)
			}
			return
		}
		req, err := http.NewRequest(http.MethodPost, u.Scheme+"://"+u.Host+"/", nil)
		if err != nil {
			t.Fatalf("accepted %q, which net/http refuses: %v", s, err)
		}
		if req.URL.Host != u.Host {
			t.Fatalf("accepted %q: net/http reads host %q, not %q", s, req.URL.Host, u.Host)
		}
	})
}
