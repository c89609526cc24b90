package wgor

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Secrets for the fuzz targets. They begin and end with a byte that is no
// letter, so that wherever the fuzzer puts them they are whole
// occurrences, which must never survive.
const (
	fuzzToken  = "#OSSV1#FUZZ-TOKEN#"
	fuzzSecret = "#SECRET fuzz\t\"q\"#"
)

// fuzzLeaks reports which form of a fuzz secret s holds.
func fuzzLeaks(s string) string {
	for _, f := range newScrubber(fuzzToken, fuzzSecret).forms {
		if strings.Contains(s, f) {
			return f
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
	s := newScrubber(fuzzToken, fuzzSecret)
	f.Fuzz(func(t *testing.T, data []byte) {
		h := http.Header{"X-Oss-Request-Id": {string(data)}}
		e, _ := newServiceError(403, h, data, nil, s)
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
	for _, s := range []string{"oss.example", "http://127.0.0.1:8080", "[::1]:80", "[:]", "[1.2.3.4]",
		"https://" + fuzzToken + "@h.example", "h.example/?x=" + fuzzToken, strings.Repeat("a.", 200), "a..b", "-a.b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rt, err := parseRoute(s, "https")
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
		req, err := http.NewRequest(http.MethodPost, rt.scheme+"://"+rt.host+"/", nil)
		if err != nil {
			t.Fatalf("accepted %q, which net/http refuses: %v", s, err)
		}
		if req.URL.Host != rt.host {
			t.Fatalf("accepted %q: net/http reads host %q, not %q", s, req.URL.Host, rt.host)
		}
	})
}

// FuzzScrub: a secret that begins and ends with a byte that is no letter
// is gone from any text in every form, and text without it is left as is.
func FuzzScrub(f *testing.F) {
	f.Add("token #TOK\tEN# and \"#TOK\\tEN#\"", "#TOK\tEN#")
	f.Add("ALIBABA_CLOUD_SECURITY_TOKEN", "TOKEN")
	f.Add("x=%23a%20b%23&y", "#a b#")
	f.Fuzz(func(t *testing.T, text, secret string) {
		s := newScrubber(secret)
		got := s.str(text)
		if len(secret) < minSecret || isWord(secret[0]) || isWord(secret[len(secret)-1]) {
			return
		}
		for _, form := range s.forms {
			if !isWord(form[0]) && !isWord(form[len(form)-1]) && strings.Contains(got, form) {
				t.Fatalf("form %q of %q left in %q", form, secret, got)
			}
		}
		if run := keyRun(secret); run != "" && !strings.Contains(text, run) && got != text {
			t.Fatalf("text without the secret changed: %q → %q", text, got)
		}
	})
}
