package creds

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// The environment variables [FromEnv] reads. Function Compute sets them to
// the function role's temporary credentials (Function Compute,
// "Environment variables", system environment variables:
// https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/using-environment-variables-in-code);
// credentials-go and the Alibaba Cloud SDKs read the same ones.
const (
	EnvAccessKeyID     = "ALIBABA_CLOUD_ACCESS_KEY_ID"
	EnvAccessKeySecret = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
	EnvSecurityToken   = "ALIBABA_CLOUD_SECURITY_TOKEN"
)

// FromEnv returns a Provider that reads ALIBABA_CLOUD_ACCESS_KEY_ID,
// ALIBABA_CLOUD_ACCESS_KEY_SECRET and, for STS keys, ALIBABA_CLOUD_SECURITY_TOKEN.
//
// It reads the variables on every call, so a runtime that rotates them (or a
// test using t.Setenv) is seen at once. The expiry is not known (the zero
// Expiration). Without the security token the keys are long-term keys.
//
// When the ID or the secret is missing, the error wraps [ErrNoCredentials]
// and names the variables to set, never their values.
func FromEnv() Provider {
	return ProviderFunc(func(context.Context) (Credentials, error) {
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
	})
}
