// Package creds supplies the credentials that sign a WriteGetObjectResponse.
//
// Every source is a [Provider], one method that takes a context, as
// golang.org/x/oauth2's TokenSource is: [FromFCHeaders] and [FromEnv] read
// what Function Compute hands a function, [Static] holds keys,
// [ProviderFunc] is anything else, and [NewCache] wraps any of them to
// refresh before expiry. credentials-go's default chain is in package
// github.com/wgor-dev/wgor/creds/chain, so that a program that does not use
// it links neither credentials-go nor its dependencies. No error of this
// package holds a secret or a security token.
package creds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wgor-dev/wgor/internal/redact"
	"github.com/wgor-dev/wgor/sign"
)

// ErrNoCredentials reports that a source has no credentials to give: nothing
// is configured, or a required part (such as the secret) is missing. Errors
// from every source wrap it when that is the cause; test with [errors.Is].
var ErrNoCredentials = errors.New("creds: no credentials found")

// Credentials are an access key pair and, for temporary (STS) credentials, the
// security token and the time they expire.
//
// The zero Expiration means the credentials do not expire, or that their
// expiry is not known. Printed with fmt (any verb), logged with log/slog or
// marshalled to JSON, Credentials show only the access key ID.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string
	Expiration      time.Time
}

// Provider returns credentials. Implementations are safe for concurrent use.
//
// An error never contains a secret or a security token.
type Provider interface {
	Credentials(ctx context.Context) (Credentials, error)
}

// ProviderFunc adapts an ordinary function to the [Provider] interface.
type ProviderFunc func(ctx context.Context) (Credentials, error)

// Credentials calls f(ctx).
func (f ProviderFunc) Credentials(ctx context.Context) (Credentials, error) { return f(ctx) }

// Signing returns the keys as package sign takes them; the expiry is the
// provider's business, not the signer's.
func (c Credentials) Signing() sign.Credentials {
	return sign.Credentials{AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken}
}

// Expired reports whether the credentials are expired at now, or will be
// within margin of it. Credentials without an expiration never expire.
func (c Credentials) Expired(now time.Time, margin time.Duration) bool {
	return !c.Expiration.IsZero() && !now.Add(margin).Before(c.Expiration)
}

// String shows the access key ID only.
func (c Credentials) String() string { return "creds.Credentials{AccessKeyID: " + c.AccessKeyID + "}" }

// Format prints String for every verb (%#v, %d and %x included).
func (c Credentials) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String()) }

// LogValue is String, for log/slog's handlers.
func (c Credentials) LogValue() slog.Value { return redact.LogValue(c.String()) }

// MarshalJSON writes String: slog's JSON handler marshals Credentials held
// in a slice, a map or a struct with encoding/json, past LogValue.
func (c Credentials) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// Static returns a Provider that always returns c: long-term keys, or STS
// keys a runtime handed over (a built-in runtime's context credentials, say).
//
// Its Credentials method reports what is wrong with c: an empty access key
// ID or secret (wrapping [ErrNoCredentials]), or an Expiration that has
// passed. It refreshes nothing: when c carries an expiry, replace the
// provider before then. Printed, in any verb or slog handler, it shows the
// access key ID only; providers compare equal only to themselves.
func Static(c Credentials) Provider { return &staticProvider{c: c} }

type staticProvider struct{ c Credentials }

func (p *staticProvider) Credentials(context.Context) (Credentials, error) {
	if err := check(p.c, "AccessKeyID", "AccessKeySecret", "pass both the access key ID and the secret to creds.Static"); err != nil {
		return Credentials{}, err
	}
	if p.c.Expired(time.Now(), 0) {
		return Credentials{}, fmt.Errorf("creds: static credentials expired at %s: pass fresh ones to creds.Static, or use a refreshing source such as chain.Default (package github.com/wgor-dev/wgor/creds/chain)",
			p.c.Expiration.UTC().Format(time.RFC3339))
	}
	return p.c, nil
}

func (p *staticProvider) String() string { return "creds.Static(" + p.c.String() + ")" }

// Format prints String for every verb.
func (p *staticProvider) Format(f fmt.State, verb rune) { redact.Format(f, verb, p.String()) }

// LogValue is String, for log/slog's handlers.
func (p *staticProvider) LogValue() slog.Value { return redact.LogValue(p.String()) }

// missing names the parts c lacks, by the names the caller gives them.
func missing(c Credentials, idName, secretName string) []string {
	var m []string
	if c.AccessKeyID == "" {
		m = append(m, idName)
	}
	if c.AccessKeySecret == "" {
		m = append(m, secretName)
	}
	return m
}

// check reports what c lacks, and fix, what to do about it.
func check(c Credentials, idName, secretName, fix string) error {
	switch m := missing(c, idName, secretName); len(m) {
	case 1:
		return fmt.Errorf("%w: %s is empty: %s", ErrNoCredentials, m[0], fix)
	case 2:
		return fmt.Errorf("%w: %s and %s are empty: %s", ErrNoCredentials, m[0], m[1], fix)
	}
	return nil
}
