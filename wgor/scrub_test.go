package wgor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScrubberRemovesEveryFormOfASecret(t *testing.T) {
	secrets := []string{"OSSV1#tok\ten \"quoted\" <&> /+=", "STS token with spaces*", "短い秘密の鍵です"}
	s := newScrubber(secrets...)
	for _, secret := range secrets {
		j, _ := json.Marshal(secret)
		forms := map[string]string{
			"raw":          "x " + secret + " y",
			"%q":           fmt.Sprintf("x %q y", secret),
			"%+q":          fmt.Sprintf("x %+q y", secret),
			"JSON":         "x " + string(j) + " y",
			"query escape": "x=" + url.QueryEscape(secret) + "&y",
			"path escape":  "/" + url.PathEscape(secret) + "/",
			"quoted twice": strconv.Quote(strconv.Quote(secret)),
		}
		for name, text := range forms {
			got := s.str(text)
			assert.NotContains(t, got, secret, name)
			assert.Contains(t, got, redacted, "%s: %s", name, got)
		}
	}
}

func TestScrubberTakesWholeOccurrencesOnly(t *testing.T) {
	s := newScrubber("TOKEN")
	tests := map[string]string{
		"ALIBABA_CLOUD_SECURITY_TOKEN":       "ALIBABA_CLOUD_SECURITY_TOKEN",
		"TOKENS are counted":                 "TOKENS are counted",
		"MYTOKEN":                            "MYTOKEN",
		"token TOKEN.":                       "token <redacted>.",
		"x-oss-request-token:TOKEN":          "x-oss-request-token:<redacted>",
		"Signature=TOKEN,":                   "Signature=<redacted>,",
		`"TOKEN"`:                            `"<redacted>"`,
		`a\nTOKEN`:                           `a\n<redacted>`,
		`\u003cTOKEN\u003e`:                  `\u003c<redacted>\u003e`,
		"%22TOKEN%22":                        "%22<redacted>%22",
		"TOKEN":                              "<redacted>",
		"TOKEN_X and TOKEN":                  "TOKEN_X and <redacted>",
		"ALIBABA_CLOUD_SECURITY_TOKEN=TOKEN": "ALIBABA_CLOUD_SECURITY_TOKEN=<redacted>",
	}
	for in, want := range tests {
		assert.Equal(t, want, s.str(in), in)
	}
	// A secret that begins or ends with a byte that is no letter can
	// touch letters and still be whole.
	assert.Equal(t, "a<redacted>b", newScrubber("#tok#").str("a#tok#b"))
	assert.Equal(t, "abc", newScrubber("ab").str("abc"), "too short to scrub")
}

type secretHolder struct{ secret string }

func (e secretHolder) Error() string { return "holder" } // hides its secret

type loud struct{ msg string }

func (e *loud) Error() string { return e.msg }

func TestScrubErrorKeepsNoSecretInTheChain(t *testing.T) {
	const secret = "SECRET-chain-7777"
	inner := &loud{msg: "inner says " + secret + "\nand a second line"}
	err := fmt.Errorf("outer: %w", errors.Join(inner, context.DeadlineExceeded, ErrBodyLength, fmt.Errorf("wrapped %w", &ServiceError{StatusCode: 403, Code: "AccessDenied"})))
	got := scrubError(err, secret)
	require.Error(t, got)
	var texts []string
	var walk func(e error)
	walk = func(e error) {
		texts = append(texts, e.Error(), fmt.Sprintf("%+v|%#v|%q", e, e, e))
		for _, k := range children(e) {
			walk(k)
		}
	}
	walk(got)
	for _, s := range texts {
		assert.NotContains(t, s, secret)
	}
	assert.NotContains(t, got.Error(), "\n")
	assert.ErrorIs(t, got, context.DeadlineExceeded)
	assert.ErrorIs(t, got, ErrBodyLength)
	var se *ServiceError
	assert.ErrorAs(t, got, &se)
	var l *loud
	assert.False(t, errors.As(got, &l), "the error that held the secret is gone from the chain")
	assert.Contains(t, got.Error(), "inner says <redacted> and a second line")

	clean := fmt.Errorf("clean: %w", context.Canceled)
	assert.Same(t, clean, scrubError(clean, secret), "an error without a secret is kept as it is")
}

func TestOneLine(t *testing.T) {
	assert.Equal(t, "a b c d e\ufffd", oneLine("a\nb\rc\u2028d\u202ee\xff"))
	assert.Equal(t, "plain", oneLine("plain"))
	assert.Equal(t, "ünïcødé", oneLine("ünïcødé"))
}

func TestEscapeHTMLIsHTMLEscapeString(t *testing.T) {
	for _, s := range []string{"", "plain", `<a href="x">'&'</a>`, "&amp;", "签<名>", "\xff<\x00>", `"""`} {
		assert.Equal(t, html.EscapeString(s), escapeHTML(s), "%q", s)
	}
}

func TestKeyRunIsTheFirstLongRunOrTheLongest(t *testing.T) {
	long := "CAIS" + strings.Repeat("x", 20) + "/" + strings.Repeat("y", 40)
	for _, tc := range []struct{ secret, want string }{
		{"abc", ""},                              // shorter than minSecret
		{"a#b#c", ""},                            // no run long enough to tell
		{"ab#cdefg#hij", "cdefg"},                // the longest
		{long, "CAIS" + strings.Repeat("x", 20)}, // the first of 16 or more, not the longest
		{"OSSV1#REQ-TOKEN-5up3r53cr3t", "5up3r53cr3t"},
	} {
		assert.Equal(t, tc.want, keyRun(tc.secret), tc.secret)
	}
	s := newScrubber(long)
	assert.Equal(t, "token <redacted>.", s.str("token "+long+"."), "the raw form")
	assert.Equal(t, "no "+strings.Repeat("y", 40), s.str("no "+strings.Repeat("y", 40)), "text holding only a later run of the secret is not a form of it")
}
