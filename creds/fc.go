package creds

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// The environment variables [FromEnv] reads, which Function Compute sets to
// the function role's temporary credentials (Function Compute, "Environment
// variables": https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/using-environment-variables-in-code),
// and credentials-go and the Alibaba Cloud SDKs read.
const (
	EnvAccessKeyID     = "ALIBABA_CLOUD_ACCESS_KEY_ID"
	EnvAccessKeySecret = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
	EnvSecurityToken   = "ALIBABA_CLOUD_SECURITY_TOKEN"
)

// FromEnv returns a Provider that reads ALIBABA_CLOUD_ACCESS_KEY_ID,
// ALIBABA_CLOUD_ACCESS_KEY_SECRET and, for STS keys, ALIBABA_CLOUD_SECURITY_TOKEN
// on every call, so that a runtime that rotates them is seen at once. The
// expiry is not known (the zero Expiration). When the ID or the secret is
// missing, the error wraps [ErrNoCredentials] and names the variables to set.
func FromEnv() Provider { return envProvider{} }

// envProvider holds nothing, so it prints nothing secret.
type envProvider struct{}

func (envProvider) Credentials(context.Context) (Credentials, error) {
	c := Credentials{
		AccessKeyID:     os.Getenv(EnvAccessKeyID),
		AccessKeySecret: os.Getenv(EnvAccessKeySecret),
		SecurityToken:   os.Getenv(EnvSecurityToken),
	}
	if m := missing(c, EnvAccessKeyID, EnvAccessKeySecret); m != nil {
		return Credentials{}, fmt.Errorf("%w: environment variables not set: %s: set %s and %s (and %s for STS keys), or use chain.Default (package github.com/wgor-dev/wgor/creds/chain) to also try profiles, OIDC, an ECS RAM role and ALIBABA_CLOUD_CREDENTIALS_URI",
			ErrNoCredentials, strings.Join(m, " and "), EnvAccessKeyID, EnvAccessKeySecret, EnvSecurityToken)
	}
	return c, nil
}

// The request headers in which Function Compute sends a custom runtime the
// function role's temporary credentials with every invocation (Function
// Compute, "Context and log format": https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/context-and-log-format-1);
// the Go runtime's API sends them too (fc-runtime-go-sdk v0.3.1, fc/runtime_api_client.go).
const (
	HeaderFCAccessKeyID     = "x-fc-access-key-id"
	HeaderFCAccessKeySecret = "x-fc-access-key-secret"
	HeaderFCSecurityToken   = "x-fc-security-token"
)

// FromFCHeaders returns the credentials Function Compute sent with one
// invocation, as a [Static] provider: call it for each request, with its
// headers. The expiry is not sent (the zero Expiration). The security token
// is optional, because a local emulator with long-term keys may not send
// one; when the ID or the secret is missing or empty, the error wraps
// [ErrNoCredentials] and names the missing headers.
func FromFCHeaders(h http.Header) (Provider, error) {
	c := Credentials{
		AccessKeyID:     header(h, HeaderFCAccessKeyID),
		AccessKeySecret: header(h, HeaderFCAccessKeySecret),
		SecurityToken:   header(h, HeaderFCSecurityToken),
	}
	if m := missing(c, HeaderFCAccessKeyID, HeaderFCAccessKeySecret); m != nil {
		return nil, fmt.Errorf("%w: request headers missing or empty: %s: run the handler in a Function Compute custom runtime, with a RAM role attached to the function that allows oss:WriteGetObjectResponse",
			ErrNoCredentials, strings.Join(m, ", "))
	}
	return Static(c), nil
}

// header reads name from h by its canonical key, falling back to the exact
// lower-case key for maps built by hand rather than by net/http.
func header(h http.Header, name string) string {
	v := strings.TrimSpace(h.Get(name))
	if vs := h[name]; v == "" && len(vs) > 0 {
		v = strings.TrimSpace(vs[0])
	}
	return v
}
