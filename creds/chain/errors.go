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

// Sources the chain names in its errors, in credentials-go's order.
const (
	srcEnv     = "environment"
	srcOIDC    = "OIDC role (ALIBABA_CLOUD_OIDC_*)"
	srcCLI     = "aliyun CLI config (~/.aliyun/config.json, ALIBABA_CLOUD_CONFIG_FILE)"
	srcFile    = "credentials file (~/.alibabacloud/credentials, ALIBABA_CLOUD_CREDENTIALS_FILE)"
	srcHome    = "home directory"
	srcRAM     = "RAM role (AssumeRole)"
	srcECS     = "ECS RAM role (metadata service 100.100.100.200)"
	srcURI     = "credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI)"
	srcExpires = "an Expiration"
)

// failures are the recognisable failures of credentials-go's sources: a
// phrase of its message, and what to say instead. Within a source the more
// specific come first, and only the first match of a source counts.
var failures = []struct{ source, marker, summary string }{
	{srcEnv, "environment variable (ALIBABA_CLOUD_ACCESS_KEY_ID)", "ALIBABA_CLOUD_ACCESS_KEY_ID not set"},
	{srcEnv, "environment variable (ALIBABA_CLOUD_ACCESS_KEY_SECRET)", "ALIBABA_CLOUD_ACCESS_KEY_SECRET not set (ALIBABA_CLOUD_ACCESS_KEY_ID is)"},
	{srcOIDC, "oidc sts token", oidcFailed},
	{srcOIDC, "get session token failed", oidcFailed},
	{srcOIDC, "OIDCTokenFilePath is empty", "no OIDC token; set ALIBABA_CLOUD_OIDC_TOKEN_FILE"},
	{srcCLI, "reading aliyun cli config", "not found"},
	{srcCLI, "unmarshal aliyun cli config", "not valid JSON"},
	{srcCLI, "configured profiles in", profileUnusable},
	{srcCLI, "unable to get profile with", profileUnusable},
	{srcCLI, "from cli credentials file", profileUnusable},
	{srcCLI, "unsupported profile mode", profileUnusable},
	{srcCLI, "get source profile failed", profileUnusable},
	{srcCLI, "invalid site type", profileUnusable},
	{srcFile, "ERROR: Can not open file", "not found"},
	{srcFile, "ERROR: ", "the profile is missing or incomplete"},
	{srcHome, "cannot found home dir", "unknown, so the profile files were skipped"},
	{srcRAM, "refresh session token failed", stsFailed},
	{srcRAM, "refresh RoleArn sts token err", stsFailed},
	{srcECS, "get role name failed", noECSRole},
	{srcECS, "refresh Ecs sts token err", noECSRole},
	{srcECS, "get metadata token failed", noECSRole},
	{srcURI, "failed with error, json unmarshal fail", "the response is not JSON"},
	{srcURI, "refresh credentials from GET ", "the response lacks AccessKeyId, AccessKeySecret, SecurityToken or Expiration"},
	{srcURI, "get credentials from GET ", "the server answered with an error status"},
	{srcExpires, "parsing time", "not in the form 2006-01-02T15:04:05Z"},
}

const (
	oidcFailed      = "exchanging the OIDC token for STS credentials failed; check ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and the token"
	profileUnusable = "the profile is missing or not usable"
	stsFailed       = "the STS request failed; check the role ARN and the keys that assume it"
	noECSRole       = "no credentials (not on ECS, or no RAM role attached; set ALIBABA_CLOUD_ECS_METADATA_DISABLED=true to skip)"
)

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
	matched := map[string]bool{}
	for _, f := range failures {
		if !matched[f.source] && strings.Contains(msg, f.marker) {
			matched[f.source] = true
			out = append(out, f.source+": "+f.summary)
		}
	}
	// The URI source returns network errors unwrapped; recognise them by the
	// URL, which is then left out like everything else from the message.
	if uri := os.Getenv(envCredentialsURI); uri != "" && !matched[srcURI] && strings.Contains(msg, uri) {
		out = append(out, srcURI+": the request failed")
	}
	if len(out) == 0 {
		out = append(out, "a source failed (its message is withheld because it may contain secrets)")
	}
	return out
}
