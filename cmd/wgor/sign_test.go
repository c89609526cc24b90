package main

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSignDerivesTheBucketAndKeyFromAVirtualHostedURL(t *testing.T) {
	vars := map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_SECRET": testSecret, "ALIBABA_CLOUD_SECURITY_TOKEN": ""}
	common := []string{"sign", "--access-key-id", testKeyID, "--time", "2026-11-24T12:00:00Z"}
	cases := []struct {
		name, url, uri string
	}{
		{"object", "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/exampleobject.txt", "/examplebucket/exampleobject.txt"},
		{"escaped key", "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir/a%20b.txt", "/examplebucket/dir/a%20b.txt"},
		{"internal endpoint", "https://examplebucket.oss-cn-hangzhou-internal.aliyuncs.com/k", "/examplebucket/k"},
		{"bucket only", "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/", "/examplebucket/"},
		{"route", "https://" + testRoute + "/?x-oss-write-get-object-response", "/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, t.Context(), nil, vars, append(common, "--url", tc.url)...)
			require.Equal(t, exitOK, code, stderr)
			lines := strings.Split(stdout, "\n")
			require.Greater(t, len(lines), 3)
			assert.Equal(t, tc.uri, lines[2], "the canonical URI")
			assert.Contains(t, stderr, "credentials: access key ID "+testKeyID+", from --access-key-id")
		})
	}
	t.Run("same as --bucket and --key", func(t *testing.T) {
		u := "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/exampleobject.txt"
		_, derived, _ := runCLI(t, t.Context(), nil, vars, append(common, "--url", u)...)
		_, explicit, _ := runCLI(t, t.Context(), nil, vars, append(common, "--url", u, "--bucket", "examplebucket", "--key", "exampleobject.txt", "--region", "cn-hangzhou")...)
		assert.Equal(t, explicit, derived)
	})
}

// Tokens that the signer, net/url's query escaping and plain text each
// write differently.
var awkwardTokens = []string{"STS tok en*with~space", "STS+/=token*", "STS%20token 'quoted' \"double\"", "short"}

func TestSignPresignMasksTheSecurityTokenHoweverItIsEscaped(t *testing.T) {
	for _, tok := range awkwardTokens {
		t.Run(tok, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, t.Context(), nil, map[string]string{
				"ALIBABA_CLOUD_ACCESS_KEY_SECRET": testSecret, "ALIBABA_CLOUD_SECURITY_TOKEN": tok,
			}, "sign", "--presign", "--access-key-id", testKeyID,
				"--url", "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/exampleobject.txt")
			require.Equal(t, exitOK, code, stderr)
			assert.Contains(t, stdout, "x-oss-signature=")
			assert.Equal(t, 2, strings.Count(stdout, "x-oss-security-token=<redacted>"), "in the canonical query and in the URL")
			for _, form := range []string{tok, url.QueryEscape(tok), url.PathEscape(tok), strings.ReplaceAll(url.QueryEscape(tok), "+", "%20")} {
				if len(form) > 5 {
					assert.NotContains(t, stdout+stderr, form)
				}
			}
			assert.NotContains(t, stdout+stderr, testSecret)
			assert.Contains(t, stdout, "--show-token prints them")
		})
	}
}

func TestSignShowTokenPrintsAUsableURL(t *testing.T) {
	tok := awkwardTokens[0]
	code, stdout, stderr := runCLI(t, t.Context(), nil, map[string]string{
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET": testSecret, "ALIBABA_CLOUD_SECURITY_TOKEN": tok,
	}, "sign", "--presign", "--show-token", "--access-key-id", testKeyID, "--expires", "1h",
		"--url", "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/exampleobject.txt")
	require.Equal(t, exitOK, code, stderr)
	m := regexp.MustCompile(`(?m)^Signed URL:\n(https://\S+)$`).FindStringSubmatch(stdout)
	require.NotNil(t, m, stdout)
	u, err := url.Parse(m[1])
	require.NoError(t, err)
	assert.Equal(t, tok, u.Query().Get("x-oss-security-token"), "the URL carries the token")
	assert.Equal(t, "3600", u.Query().Get("x-oss-expires"))
	canonical, _, _ := strings.Cut(stdout, "String to sign:")
	assert.Contains(t, canonical, "x-oss-security-token=<redacted>", "the canonical request stays redacted")
	assert.NotContains(t, stdout+stderr, testSecret)
}

func TestSignMasksTheTokenHeadersByPosition(t *testing.T) {
	tok := "TOKEN"
	code, stdout, stderr := runCLI(t, t.Context(), nil, map[string]string{
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET": testSecret, "ALIBABA_CLOUD_SECURITY_TOKEN": tok,
	}, "sign", "--access-key-id", testKeyID, "--method", "POST", "--url", "https://"+testRoute+"/?x-oss-write-get-object-response",
		"--header", "x-oss-request-token: "+testToken)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "x-oss-security-token:<redacted>\n")
	assert.Contains(t, stdout, "x-oss-request-token:<redacted>\n")
	assert.NotContains(t, stdout, testToken)
}

func TestSignPresignNamesTheParameterAlreadyThere(t *testing.T) {
	code, stdout, stderr := runCLI(t, t.Context(), nil, map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_SECRET": testSecret},
		"sign", "--presign", "--access-key-id", testKeyID,
		"--url", "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/o?x-oss-signature=x")
	require.Equal(t, exitFail, code, stdout)
	assert.Contains(t, stderr, "already holds x-oss-signature (presign an unsigned URL)")
}
