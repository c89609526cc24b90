package chain

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/wgor-dev/wgor/creds"
)

// credentials-go's messages are not safe to show: the credentials URI source
// quotes the server's response body and the URL, the CLI profile source
// quotes its whole config file when it is not valid JSON, the ECS and STS
// sources quote response bodies. Any of these can hold a secret. So the
// errors of the chain are built only from the fixed phrases below, chosen
// by recognising the library's messages; the raw text is dropped.

// envCredentialsURI is the variable credentials-go's URI source reads.
const envCredentialsURI = "ALIBABA_CLOUD_CREDENTIALS_URI"

var errNilModel = errors.New("creds: default credential chain: credentials-go returned neither credentials nor an error")

// chainHint says what to configure when the whole chain found nothing.
const chainHint = "set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET " +
	"(and ALIBABA_CLOUD_SECURITY_TOKEN for STS keys), or ALIBABA_CLOUD_CREDENTIALS_URI, " +
	"or a profile in ~/.alibabacloud/credentials, or run inside Function Compute or on ECS with a RAM role"

// sourceFailure is one recognisable failure of one credentials-go source.
type sourceFailure struct {
	markers []string // any of these in the message identifies the failure
	summary string   // what to tell the user instead of the message
}

// sourceFailures is in the order of the chain; within one source the more
// specific failures come first and only the first match of a source counts.
var sourceFailures = []struct {
	source   string
	failures []sourceFailure
}{
	{"environment", []sourceFailure{
		{[]string{"environment variable (ALIBABA_CLOUD_ACCESS_KEY_ID)"}, "ALIBABA_CLOUD_ACCESS_KEY_ID not set"},
		{[]string{"environment variable (ALIBABA_CLOUD_ACCESS_KEY_SECRET)"}, "ALIBABA_CLOUD_ACCESS_KEY_SECRET not set (ALIBABA_CLOUD_ACCESS_KEY_ID is)"},
	}},
	{"OIDC role (ALIBABA_CLOUD_OIDC_*)", []sourceFailure{
		{[]string{"oidc sts token", "get session token failed"}, "exchanging the OIDC token for STS credentials failed; check ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and the token"},
		{[]string{"OIDCTokenFilePath is empty"}, "no OIDC token; set ALIBABA_CLOUD_OIDC_TOKEN_FILE"},
	}},
	{"aliyun CLI config (~/.aliyun/config.json, ALIBABA_CLOUD_CONFIG_FILE)", []sourceFailure{
		{[]string{"reading aliyun cli config"}, "not found"},
		{[]string{"unmarshal aliyun cli config"}, "not valid JSON"},
		{[]string{"configured profiles in", "unable to get profile with", "from cli credentials file", "unsupported profile mode", "get source profile failed", "invalid site type"}, "the profile is missing or not usable"},
	}},
	{"credentials file (~/.alibabacloud/credentials, ALIBABA_CLOUD_CREDENTIALS_FILE)", []sourceFailure{
		{[]string{"ERROR: Can not open file"}, "not found"},
		{[]string{"ERROR: "}, "the profile is missing or incomplete"},
	}},
	{"home directory", []sourceFailure{
		{[]string{"cannot found home dir"}, "unknown, so the profile files were skipped"},
	}},
	{"RAM role (AssumeRole)", []sourceFailure{
		{[]string{"refresh session token failed", "refresh RoleArn sts token err"}, "the STS request failed; check the role ARN and the keys that assume it"},
	}},
	{"ECS RAM role (metadata service 100.100.100.200)", []sourceFailure{
		{[]string{"get role name failed", "refresh Ecs sts token err", "get metadata token failed"}, "no credentials (not on ECS, or no RAM role attached; set ALIBABA_CLOUD_ECS_METADATA_DISABLED=true to skip)"},
	}},
	{"credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI)", []sourceFailure{
		{[]string{"failed with error, json unmarshal fail"}, "the response is not JSON"},
		{[]string{"refresh credentials from GET "}, "the response lacks AccessKeyId, AccessKeySecret, SecurityToken or Expiration"},
		{[]string{"get credentials from GET "}, "the server answered with an error status"},
	}},
	{"an Expiration", []sourceFailure{
		{[]string{"parsing time"}, "not in the form 2006-01-02T15:04:05Z"},
	}},
}

// netDetails are fixed phrases of network errors, safe to repeat.
var netDetails = []string{
	"connection refused", "connection reset", "no such host", "network is unreachable",
	"i/o timeout", "Client.Timeout exceeded", "context deadline exceeded", "EOF",
}

// chainError turns an error of credentials-go into one that is safe to show
// and says what to do.
func chainError(err error) error {
	msg := err.Error()
	summaries := summarize(msg)
	if strings.HasPrefix(msg, "unable to get credentials from any of the providers in the chain") {
		return fmt.Errorf("%w: %s (tried: %s)", creds.ErrNoCredentials, chainHint, strings.Join(summaries, "; "))
	}
	// One source failed alone: the one that worked before.
	s := strings.Join(summaries, "; ")
	for _, d := range netDetails {
		if strings.Contains(msg, d) {
			s += " (" + d + ")"
			break
		}
	}
	return fmt.Errorf("creds: default credential chain: %s", s)
}

// summarize lists, in chain order, the safe summaries of the failures found
// in msg.
func summarize(msg string) []string {
	var out []string
	for _, src := range sourceFailures {
		if f := match(msg, src.failures); f != "" {
			out = append(out, src.source+": "+f)
		}
	}
	// The URI source returns network errors unwrapped; recognise them by the
	// URL, which is then left out like everything else from the message.
	if uri := os.Getenv(envCredentialsURI); uri != "" && !hasSource(out, "credentials URI") && strings.Contains(msg, uri) {
		out = append(out, "credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI): the request failed")
	}
	if len(out) == 0 {
		out = append(out, "a source failed (its message is withheld because it may contain secrets)")
	}
	return out
}

func match(msg string, failures []sourceFailure) string {
	for _, f := range failures {
		for _, m := range f.markers {
			if strings.Contains(msg, m) {
				return f.summary
			}
		}
	}
	return ""
}

func hasSource(summaries []string, prefix string) bool {
	for _, s := range summaries {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
