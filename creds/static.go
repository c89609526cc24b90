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
// Its Credentials method reports what is wrong with c: an empty access key
// ID or secret (wrapping [ErrNoCredentials]), or an Expiration that has
// passed. It refreshes nothing: when c carries an expiry, replace the
// provider before then.
func Static(c Credentials) Provider { return &staticProvider{c} }

// staticProvider is used by pointer: fmt prints it through Format or, from
// an unexported field, as an address.
type staticProvider struct{ c Credentials }

func (p *staticProvider) Credentials(context.Context) (Credentials, error) {
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

// Format prints the provider as "creds.Static(" and the credentials'
// String, so that no verb reveals the secret held inside.
func (p *staticProvider) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, "creds.Static("+p.c.String()+")")
}
