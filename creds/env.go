package creds

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// The environment variables [FromEnv] reads, the same ones credentials-go and
// the Alibaba Cloud SDKs read.
const (
	EnvAccessKeyID     = "ALIBABA_CLOUD_ACCESS_KEY_ID"
	EnvAccessKeySecret = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
	EnvSecurityToken   = "ALIBABA_CLOUD_SECURITY_TOKEN"
)

// FromEnv returns a Provider that reads ALIBABA_CLOUD_ACCESS_KEY_ID,
// ALIBABA_CLOUD_ACCESS_KEY_SECRET and, for STS keys, ALIBABA_CLOUD_SECURITY_TOKEN.
//
// It reads the variables on every call, not once, so a runtime that rotates
// them (or a test using t.Setenv) is seen at once; reading three variables
// costs nanoseconds. The expiry is not known (the zero Expiration).
//
// When the ID or the secret is missing, the error wraps [ErrNoCredentials]
// and names the variables to set; it never contains their values. The
// security token is optional: without it the keys are used as long-term keys.
func FromEnv() Provider { return envProvider{} }

type envProvider struct{}

func (envProvider) Credentials(ctx context.Context) (Credentials, error) {
	c := Credentials{
		AccessKeyID:     os.Getenv(EnvAccessKeyID),
		AccessKeySecret: os.Getenv(EnvAccessKeySecret),
		SecurityToken:   os.Getenv(EnvSecurityToken),
	}
	if c.AccessKeyID != "" && c.AccessKeySecret != "" {
		return c, nil
	}
	var missing []string
	if c.AccessKeyID == "" {
		missing = append(missing, EnvAccessKeyID)
	}
	if c.AccessKeySecret == "" {
		missing = append(missing, EnvAccessKeySecret)
	}
	return Credentials{}, fmt.Errorf("%w: environment variables not set: %s: set %s and %s (and %s for STS keys), or use chain.Default (package github.com/wgor-dev/wgor/creds/chain) to also try profiles, OIDC, an ECS RAM role and ALIBABA_CLOUD_CREDENTIALS_URI",
		ErrNoCredentials, strings.Join(missing, " and "), EnvAccessKeyID, EnvAccessKeySecret, EnvSecurityToken)
}
