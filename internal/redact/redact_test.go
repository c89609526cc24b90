package redact

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

const token = `OSSV1#tok"en<&>/+=`

func TestScrubberHidesEveryForm(t *testing.T) {
	s := New(token, "sec")
	j, _ := json.Marshal(token)
	for _, form := range []string{
		token, strconv.Quote(token), fmt.Sprintf("%q", strconv.Quote(token)), strconv.QuoteToASCII(token),
		string(j), url.QueryEscape(token), url.PathEscape(token),
		// Escaped in lower-case hex, as some servers do:
		strings.NewReplacer("%3C", "%3c", "%3E", "%3e", "%2F", "%2f", "%2B", "%2b", "%3D", "%3d").Replace(url.QueryEscape(token)),
	} {
		out := s.String("got " + form + " here")
		assert.NotContains(t, out, "tok", form)
		assert.Contains(t, out, Mark)
	}
	assert.Equal(t, "a sec b", s.String("a sec b"), "a value shorter than minSecret is not a secret")
}

func TestScrubberHidesPresignedURLSignature(t *testing.T) {
	in := "http://127.0.0.1:1/k?OSSAccessKeyId=AK&Expires=9&Signature=c2lnbmF0dXJl%2B&security-token=STStok"
	s := New(in)
	for _, text := range []string{
		`Get "` + in + `": EOF`,
		"escaped " + url.QueryEscape(in),
		"signature alone: " + "c2lnbmF0dXJl+",
	} {
		out := s.String(text)
		assert.NotContains(t, out, "c2lnbmF0dXJl", text)
		assert.NotContains(t, out, "STStok", text)
	}
}

func TestSignaturesWithoutKnownSecrets(t *testing.T) {
	for _, text := range []string{
		"Authorization: OSS4-HMAC-SHA256 Credential=AK/20260101/cn-hangzhou/oss/aliyun_v4_request,Signature=abcdef0123",
		"Authorization: OSS AK:abcdef0123=",
		"Authorization: OSS2 AccessKeyId:AK,AdditionalHeaders:host,Signature:abcdef0123=",
		"https://h/k?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-signature=abcdef0123",
		`{"outputToken":"abcdef0123","x":1}`,
		`x-oss-security-token: abcdef0123`,
		`x-fc-access-key-secret: abcdef0123`,
		`x-oss-request-token=abcdef0123&x=1`,
		// Quoted once more (an error's %q of JSON, JSON in JSON):
		`answered "{\"AccessKeySecret\":\"abcdef0123\",\"Code\":\"x\"}"`,
		`"{\"Signature\":\"abcdef0123\"}"`, `Signature=\"abcdef0123\"`,
		// Escaped separators, spaces, Go's dumps, variables, XML:
		"x-oss-signature%3Dabcdef0123", "OSS+AK%3Aabcdef0123", `"SecurityToken": "abcdef0123"`,
		"map[X-Oss-Security-Token:[abcdef0123]]", "{AccessKeyID:AK AccessKeySecret:abcdef0123}",
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET=abcdef0123", "security_token=abcdef0123",
		"<SignatureProvided>abcdef0123</SignatureProvided>", "<SecurityToken>abcdef0123</SecurityToken>",
		// An INI profile, the CLI's and ali-oss's stsToken, other XML elements:
		"access_key_secret = abcdef0123", `{"stsToken":"abcdef0123"}`, "sts_token: abcdef0123", "<OutputToken>abcdef0123</OutputToken>",
	} {
		assert.True(t, mayMatch(text), "the quick test lets every match through: %s", text)
		out := New().String(text)
		assert.NotContains(t, out, "abcdef0123", text)
		assert.Contains(t, out, Mark, text)
	}
	assert.NotContains(t, New().String(`{"SecurityToken":"CAIS\/abc\/defXYZ"}`), "defXYZ", "JSON's escaped slash does not end a token")
	for _, text := range []string{
		"SignatureDoesNotMatch: the signature we calculated differs",
		"x-oss-signature-version=OSS4-HMAC-SHA256",
		"set ALIBABA_CLOUD_SECURITY_TOKEN",
		"InvalidSecurityToken: the STS security token is wrong", "SecurityTokenExpired : use fresh credentials",
	} {
		assert.Equal(t, text, New().String(text))
	}
}

func TestErrorKeepsCleanChainsAndScrubsOthers(t *testing.T) {
	s := New(token)
	clean := fmt.Errorf("wrap: %w", io.ErrUnexpectedEOF)
	assert.Same(t, clean, s.Error(clean))

	dirty := fmt.Errorf("failed for %s:\nmore: %w", token, io.ErrUnexpectedEOF)
	got := s.Error(dirty)
	assert.NotContains(t, got.Error(), "tok")
	assert.NotContains(t, got.Error(), "\n")
	assert.ErrorIs(t, got, io.ErrUnexpectedEOF)
	assert.Nil(t, s.Error(nil))
	assert.True(t, errors.Is(s.Errorf("x %s %w", token, io.EOF), io.EOF))
}

func TestOneLine(t *testing.T) {
	assert.Equal(t, "a b c\ufffd d", oneLine("a\nb\u2028c\xff\u202ed"))
	assert.Equal(t, "plain", oneLine("plain"))
}

type secretHolder struct{ s string }

func (h secretHolder) Format(f fmt.State, verb rune) { Format(f, verb, "holder{<redacted>}") }

func TestFormatEveryVerb(t *testing.T) {
	h := secretHolder{"topsecret"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		assert.NotContains(t, fmt.Sprintf(verb, h), "topsecret", verb)
	}
	assert.Equal(t, "holder{<redacted>}", LogValue("holder{<redacted>}").String())
}

func TestMayHoldFindsEveryFormAScrubberRemoves(t *testing.T) {
	secrets := []string{"OSSV1#tab\there \"quoted\" <&> +/= *star", "SECRET-\"quote\"-\ttab", "STS token with spaces * and %"}
	s := New(secrets...)
	for _, form := range s.allForms() {
		text := "before " + form + " after"
		assert.True(t, s.mayHold(text), "form %q", form)
		assert.NotEqual(t, text, s.String(text), "the Scrubber removes form %q", form)
	}
	clean := http.Header{"Server": {"AliyunOSS"}, "X-Oss-Request-Id": {"65A8B3C2"}}
	assert.Equal(t, fmt.Sprintf("%p", clean), fmt.Sprintf("%p", s.Header(clean)), "clean headers are not copied")
	assert.True(t, New("#-#-#-#").mayHold("anything"), "a secret without a long run may be anywhere")
	assert.True(t, New("https://b.example/o?x-oss-signature=abcdef123&x=1").mayHold("x=abcdef123"), "a URL's signature counts")
}

func TestNilScrubberHidesSignatures(t *testing.T) {
	var s *Scrubber
	assert.Equal(t, "Signature="+Mark, s.String("Signature=abcdef"))
	h := http.Header{"A": {"b"}}
	assert.Equal(t, h, s.Header(h))
	// Anyone's signature, and text that is not one line, are cleaned
	// whether or not the Scrubber knows a secret.
	h = http.Header{"Location": {"https://b/o?x-oss-signature=abcdef0123&x-oss-security-token=tok12345"},
		"X-Echo": {"OSS AK:c2lnbmF0dXJl", "bidi\u202eline"}}
	for _, sc := range []*Scrubber{nil, New("unrelated-secret")} {
		out := fmt.Sprint(sc.Header(h))
		for _, leak := range []string{"abcdef0123", "tok12345", "c2lnbmF0dXJl", "\u202e"} {
			assert.NotContains(t, out, leak)
		}
	}
}

// FuzzMayMatch: the quick test never stops text the expression would match.
func FuzzMayMatch(f *testing.F) {
	for _, s := range []string{"Signature=abc", "OSS AK:sig", "x-oss-security-token%3Dabc", "<SecurityToken>t", `\"outputToken\":\"t`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if secretValue.MatchString(s) && !mayMatch(s) {
			t.Fatalf("mayMatch(%q) is false, but the expression matches", s)
		}
	})
}

func FuzzContainsSpaced(f *testing.F) {
	f.Add("a line\nthen c0f fee and", "c0ffee")
	f.Add("Mon, 07 Dec 2026 18:00:00 GMT", "Dec2026")
	f.Add("ab\u2028c", "abc")
	f.Fuzz(func(t *testing.T, text, run string) {
		if run == "" || strings.ContainsFunc(run, func(r rune) bool { return r >= utf8.RuneSelf || unicode.IsSpace(r) }) {
			return // a run is ASCII letters and digits
		}
		if got, want := containsSpaced(text, run), strings.Contains(squeeze(text), run); got != want {
			t.Fatalf("containsSpaced(%q, %q) = %v, squeeze says %v", text, run, got, want)
		}
	})
}

// A secret split by white space (a wrapped line, a folded header, a
// string to sign cut in two) is still the secret, wherever the cut falls.
func TestScrubberHidesASecretSplitByWhiteSpace(t *testing.T) {
	const secret = "STS.N-4b1d+c0ffee/77="
	s := New(secret)
	for _, sep := range []string{"\n", "\r\n", "\r\n ", " ", "\t", "\u2028", "\n\n"} {
		for i := 1; i < len(secret); i++ {
			text := "a line\nthen " + secret[:i] + sep + secret[i:] + " and the rest"
			for name, out := range map[string]string{
				"String": s.String(text), "Lines": s.Lines(text),
				"Header": fmt.Sprint(s.Header(http.Header{"X-Echo": {text}})),
			} {
				assert.NotContains(t, squeeze(out), "c0ffee", "%s of %q", name, text)
				assert.Contains(t, out, "rest", "%s of %q", name, text)
			}
		}
	}
	assert.Equal(t, "a\nb "+Mark+" c", s.Lines("a\nb "+secret+" c"), "Lines keeps the line breaks of text without a split secret")
	assert.Equal(t, "keep  its spacing", s.String("keep  its spacing"))
}
