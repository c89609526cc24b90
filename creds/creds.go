// Package creds supplies the credentials that sign a WriteGetObjectResponse.
//
// Every source of credentials is a [Provider]: one method that takes a
// context and returns [Credentials]. Sources differ only in where the keys
// come from; caching and refresh before expiry are a wrapper, not a feature
// of each source.
package creds

import (
	"context"
	"time"
)

// Credentials are an access key pair and, for temporary (STS) credentials, the
// security token and the time they expire.
//
// The zero Expiration means the credentials do not expire, or that their
// expiry is not known. The String method never prints the secret or the token.
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

// Expired reports whether the credentials are expired at now, or will be
// within margin of it. Credentials without an expiration never expire.
func (c Credentials) Expired(now time.Time, margin time.Duration) bool {
	if c.Expiration.IsZero() {
		return false
	}
	return !now.Add(margin).Before(c.Expiration)
}

// String describes the credentials without revealing them: the access key
// ID, whether a security token is present, and the expiration.
func (c Credentials) String() string {
	s := "creds.Credentials{AccessKeyID: " + c.AccessKeyID
	if c.SecurityToken != "" {
		s += ", SecurityToken: <set>"
	}
	if !c.Expiration.IsZero() {
		s += ", Expiration: " + c.Expiration.UTC().Format(time.RFC3339)
	}
	return s + "}"
}
