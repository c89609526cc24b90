package chain

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/creds"
)

// TestNoErrorContainsASecret drives every error path of the chain with
// recognisable secrets in reach and searches each error for them.
func TestNoErrorContainsASecret(t *testing.T) {
	ctx := context.Background()
	type errCase struct {
		name string
		err  func(t *testing.T) error
	}
	callErr := func(p creds.Provider) error { _, err := p.Credentials(ctx); return err }
	uriChainErr := func(t *testing.T, configure func(*uriServer)) error {
		isolateEnv(t)
		srv := newURIServer(t, time.Hour, 0)
		configure(srv)
		t.Setenv(envCredentialsURI, srv.URL+"/?auth=SECRET-in-url")
		return callErr(New())
	}
	body := func(s string) func(*uriServer) { return func(srv *uriServer) { srv.body.Store(&s) } }
	cases := []errCase{
		{"chain: env without ID", func(t *testing.T) error {
			isolateEnv(t)
			t.Setenv(creds.EnvAccessKeySecret, testSecret)
			t.Setenv(creds.EnvSecurityToken, testToken)
			return callErr(New())
		}},
		{"chain: CLI config quoted whole by credentials-go", func(t *testing.T) error {
			isolateEnv(t)
			writeFile(t, filepath.Join(os.Getenv("HOME"), ".aliyun", "config.json"),
				`{"profiles":[{"access_key_secret":"`+testSecret+`","sts_token":"`+testToken+`"}`)
			return callErr(New())
		}},
		{"chain: CLI profile with unknown mode", func(t *testing.T) error {
			isolateEnv(t)
			writeFile(t, filepath.Join(os.Getenv("HOME"), ".aliyun", "config.json"),
				`{"current":"`+testSecret+`","profiles":[{"name":"`+testSecret+`","mode":"`+testToken+`"}]}`)
			return callErr(New())
		}},
		{"chain: credentials file without secret", func(t *testing.T) error {
			isolateEnv(t)
			path := filepath.Join(t.TempDir(), "credentials")
			writeFile(t, path, "[default]\ntype = access_key\naccess_key_id = "+testSecret+"\n")
			t.Setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", path)
			return callErr(New())
		}},
		{"chain: URI error status", func(t *testing.T) error {
			return uriChainErr(t, func(s *uriServer) { s.down.Store(true) })
		}},
		{"chain: URI without expiration", func(t *testing.T) error {
			return uriChainErr(t, body(`{"AccessKeyId":"id","AccessKeySecret":"`+testSecret+`","SecurityToken":"`+testToken+`"}`))
		}},
		{"chain: URI not JSON", func(t *testing.T) error {
			return uriChainErr(t, body(testSecret+testToken))
		}},
		{"chain: URI bad expiration", func(t *testing.T) error {
			return uriChainErr(t, body(`{"AccessKeyId":"id","AccessKeySecret":"`+testSecret+`","SecurityToken":"`+testToken+`","Expiration":"`+testToken+`"}`))
		}},
		{"chain: URI not listening", func(t *testing.T) error {
			return uriChainErr(t, func(s *uriServer) { s.Close() })
		}},
		{"chain: sticky URI source fails later", func(t *testing.T) error {
			isolateEnv(t)
			srv := newURIServer(t, time.Second, 0) // within credentials-go's 3 minutes: refetched each call
			t.Setenv(envCredentialsURI, srv.URL+"/?auth=SECRET-in-url")
			p := New()
			_, err := p.Credentials(ctx)
			require.NoError(t, err)
			srv.down.Store(true)
			return callErr(p)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err(t)
			require.Error(t, err)
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
				out := fmt.Sprintf(verb, err)
				assert.Empty(t, secretsIn(out), "%s: %s", verb, out)
			}
			for e := err; e != nil; e = errors.Unwrap(e) {
				assert.Empty(t, secretsIn(e.Error()), "wrapped error: %s", e.Error())
			}
			t.Log(err)
		})
	}
}

// TestChainErrorSummaries feeds chainError the messages credentials-go
// produces, secrets included, and checks what it keeps.
func TestChainErrorSummaries(t *testing.T) {
	t.Setenv(envCredentialsURI, "http://127.0.0.1:1/creds?auth=SECRET-in-url")
	tests := []struct {
		name    string
		msg     string
		want    string
		noCreds bool
	}{
		{"whole chain: nothing configured",
			"unable to get credentials from any of the providers in the chain: unable to get credentials from enviroment variables, Access key ID must be specified via environment variable (ALIBABA_CLOUD_ACCESS_KEY_ID), reading aliyun cli config from '/h/.aliyun/config.json' failed open /h/.aliyun/config.json: no such file or directory, ERROR: Can not open fileopen /h/.alibabacloud/credentials: no such file or directory, get role name failed: Get \"http://100.100.100.200/latest/meta-data/ram/security-credentials/\": dial tcp 100.100.100.200:80: i/o timeout",
			"tried: environment: ALIBABA_CLOUD_ACCESS_KEY_ID not set; aliyun CLI config (~/.aliyun/config.json, ALIBABA_CLOUD_CONFIG_FILE): not found; credentials file (~/.alibabacloud/credentials, ALIBABA_CLOUD_CREDENTIALS_FILE): not found; ECS RAM role (metadata service 100.100.100.200): no credentials (not on ECS, or no RAM role attached; set ALIBABA_CLOUD_ECS_METADATA_DISABLED=true to skip))",
			true},
		{"whole chain: CLI config quoted",
			"unable to get credentials from any of the providers in the chain: unmarshal aliyun cli config from '/h/.aliyun/config.json' failed: {\"access_key_secret\":\"" + testSecret + "\"",
			"aliyun CLI config (~/.aliyun/config.json, ALIBABA_CLOUD_CONFIG_FILE): not valid JSON)", true},
		{"whole chain: URI unreachable",
			"unable to get credentials from any of the providers in the chain: Get \"http://127.0.0.1:1/creds?auth=SECRET-in-url\": dial tcp 127.0.0.1:1: connect: connection refused",
			"credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI): the request failed)", true},
		{"whole chain: OIDC exchange failed",
			"unable to get credentials from any of the providers in the chain: get session token failed: {\"AccessKeySecret\":\"" + testSecret + "\"}",
			"OIDC role (ALIBABA_CLOUD_OIDC_*): exchanging the OIDC token for STS credentials failed", true},
		{"whole chain: unknown message",
			"unable to get credentials from any of the providers in the chain: something new " + testToken,
			"tried: a source failed (its message is withheld because it may contain secrets)", true},
		{"URI alone: error status",
			"get credentials from GET http://127.0.0.1:1/creds?auth=SECRET-in-url failed: {\"Message\":\"" + testSecret + "\"}",
			"creds: default credential chain: credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI): the server answered with an error status", false},
		{"URI alone: connection refused",
			"Get \"http://127.0.0.1:1/creds?auth=SECRET-in-url\": dial tcp 127.0.0.1:1: connect: connection refused",
			"creds: default credential chain: credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI): the request failed", false},
		{"URI alone: bad expiration",
			"parsing time \"" + testToken + "\" as \"2006-01-02T15:04:05Z\": cannot parse \"" + testToken + "\" as \"2006\"",
			"creds: default credential chain: an Expiration: not in the form 2006-01-02T15:04:05Z", false},
		{"ECS alone: STS refresh failed",
			"refresh Ecs sts token err, httpStatus: 500, message = " + testSecret,
			"creds: default credential chain: ECS RAM role (metadata service 100.100.100.200): no credentials", false},
		{"RAM role alone: STS refresh failed",
			"refresh session token failed: " + testSecret,
			"creds: default credential chain: RAM role (AssumeRole): the STS request failed", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := chainError(errors.New(tt.msg))
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, tt.noCreds, errors.Is(err, creds.ErrNoCredentials))
			assert.Empty(t, secretsIn(err.Error()), err.Error())
		})
	}
}
