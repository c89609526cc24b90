package main

import (
	"context"
	"errors"
	"flag"
	"time"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/creds/chain"
)

// credentialFlags are --access-key-id and, for emulate, its secret and
// token: secrets are better in the environment, out of other users'
// process listings, and the flags are for local emulators.
type credentialFlags struct {
	id, secret, token *string
}

func addCredentialFlags(e *env, fs *flag.FlagSet, withSecretFlags bool) *credentialFlags {
	secretFrom := "$" + creds.EnvAccessKeySecret
	if withSecretFlags {
		secretFrom = "--access-key-secret or " + secretFrom
	}
	cf := &credentialFlags{id: check(fs, "access-key-id", "", "access key `ID`, its secret from "+secretFrom+
		" (default: the default credentials chain)", text("--access-key-id"))}
	cf.secret, cf.token = new(string), new(string)
	if withSecretFlags {
		cf.secret = check(fs, "access-key-secret", "", "access key `SECRET`, with --access-key-id (prefer $"+creds.EnvAccessKeySecret+")",
			secret(e, "--access-key-secret"))
		cf.token = check(fs, "security-token", "", "STS security `TOKEN`, with --access-key-id (prefer $"+creds.EnvSecurityToken+")",
			secret(e, "--security-token"))
	}
	return cf
}

// check refuses a secret or a token without the key ID they belong to.
func (cf *credentialFlags) check() error {
	if *cf.id == "" && (*cf.secret != "" || *cf.token != "") {
		return usagef("--access-key-secret and --security-token need --access-key-id")
	}
	return nil
}

// Where credentials came from, as the commands report it.
const (
	sourceFlags  = "from --access-key-id"
	sourceEnv    = "from the environment ($" + creds.EnvAccessKeyID + ")"
	sourceChain  = "from the default credentials chain"
	sourceRandom = "made up: none in the flags or the default credentials chain"
)

// chainTimeout bounds the default chain: outside ECS, without
// ALIBABA_CLOUD_ECS_METADATA_DISABLED=true, it spends seconds probing the
// metadata service.
const chainTimeout = 10 * time.Second

// credentials resolves the keys the same way for every command, and says
// where they came from: --access-key-id, with its secret and token from the
// flags or the environment; else the default chain; else, when random is
// set (emulate), none, and the emulator makes some up.
func (cf *credentialFlags) credentials(ctx context.Context, e *env, random bool) (creds.Credentials, string, error) {
	if *cf.id != "" {
		c := creds.Credentials{AccessKeyID: *cf.id, AccessKeySecret: *cf.secret, SecurityToken: *cf.token}
		if c.AccessKeySecret == "" {
			c.AccessKeySecret = e.getenv(creds.EnvAccessKeySecret)
		}
		if c.SecurityToken == "" {
			c.SecurityToken = e.getenv(creds.EnvSecurityToken)
		}
		e.hold(c.AccessKeySecret, c.SecurityToken)
		if c.AccessKeySecret == "" {
			return creds.Credentials{}, "", usagef("--access-key-id needs its secret: set $%s", creds.EnvAccessKeySecret)
		}
		return c, sourceFlags, nil
	}
	return chainCredentials(ctx, e, random)
}

// chainCredentials asks the default chain once.
func chainCredentials(ctx context.Context, e *env, random bool) (creds.Credentials, string, error) {
	ctx, cancel := context.WithTimeout(ctx, chainTimeout)
	defer cancel()
	c, err := chain.New().Credentials(ctx)
	e.hold(c.AccessKeySecret, c.SecurityToken)
	switch {
	case err == nil && e.getenv(creds.EnvAccessKeyID) == c.AccessKeyID:
		return c, sourceEnv, nil
	case err == nil:
		return c, sourceChain, nil
	case random && errors.Is(err, creds.ErrNoCredentials):
		return creds.Credentials{}, sourceRandom, nil
	}
	return creds.Credentials{}, "", err
}
