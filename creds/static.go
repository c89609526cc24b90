package creds

import (
	"context"
	"fmt"
	"time"

	"github.com/wgor-dev/wgor/internal/redact"
)

// Static returns a Provider that always returns c: long-term keys, or STS
// keys a runtime handed over (a built-in runtime's context credentials, say).
//
// Static never fails when called to construct; its Credentials method
// reports what is wrong instead: an empty access key ID or secret (wrapping
// [ErrNoCredentials]), or an Expiration that has passed. It does not refresh
// anything: when c carries an expiry, the caller must replace the provider
// before then.
func Static(c Credentials) Provider { return &staticProvider{c: c} }

type staticProvider struct{ c Credentials }

func (p *staticProvider) Credentials(ctx context.Context) (Credentials, error) {
	if err := check(p.c, "AccessKeyID", "AccessKeySecret",
		"pass both the access key ID and the secret to creds.Static"); err != nil {
		return Credentials{}, err
	}
	if p.c.Expired(time.Now(), 0) {
		return Credentials{}, fmt.Errorf("creds: static credentials expired at %s: pass fresh ones to creds.Static, or use a refreshing source such as chain.Default (package github.com/wgor-dev/wgor/creds/chain)",
			p.c.Expiration.UTC().Format(time.RFC3339))
	}
	return p.c, nil
}

// Format prints the provider with its credentials redacted, so printing it
// (any verb) cannot reveal the secret held inside.
func (p *staticProvider) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, "creds.Static("+p.c.String()+")")
}
