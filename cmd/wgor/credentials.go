package main

import (
	"context"
	"flag"
	"time"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/creds/chain"
)

// credentialFlags are --access-key-id and friends. The secret and the token
// should come from the environment, where other users of the machine cannot
// read them in the process list; the flags exist for local emulators.
type credentialFlags struct {
	id, secret, token *string
}

func addCredentialFlags(fs *flag.FlagSet, withSecretFlags bool) *credentialFlags {
	cf := &credentialFlags{id: fs.String("access-key-id", "", "access key `ID` (default: $"+creds.EnvAccessKeyID+" or the default chain)")}
	empty := ""
	cf.secret, cf.token = &empty, &empty
	if withSecretFlags {
		cf.secret = fs.String("access-key-secret", "", "access key `secret` (default: $"+creds.EnvAccessKeySecret+")")
		cf.token = fs.String("security-token", "", "STS security `token` (default: $"+creds.EnvSecurityToken+")")
	}
	return cf
}

// credentials resolves the flags: an explicit key ID takes its secret and
// token from the flags or the environment; otherwise the default chain
// decides.
func (cf *credentialFlags) credentials(ctx context.Context, e *env) (creds.Credentials, error) {
	if *cf.id == "" && *cf.secret == "" {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		c, err := chain.Default().Credentials(ctx)
		if err != nil {
			return creds.Credentials{}, err
		}
		return c, nil
	}
	c := creds.Credentials{AccessKeyID: *cf.id, AccessKeySecret: *cf.secret, SecurityToken: *cf.token}
	if c.AccessKeyID == "" {
		c.AccessKeyID = e.getenv(creds.EnvAccessKeyID)
	}
	if c.AccessKeySecret == "" {
		c.AccessKeySecret = e.getenv(creds.EnvAccessKeySecret)
	}
	if c.SecurityToken == "" {
		c.SecurityToken = e.getenv(creds.EnvSecurityToken)
	}
	if c.AccessKeyID == "" || c.AccessKeySecret == "" {
		return creds.Credentials{}, usagef("--access-key-id needs a secret: set $%s", creds.EnvAccessKeySecret)
	}
	return c, nil
}
