// Package creds supplies the credentials that sign a WriteGetObjectResponse.
//
// Every source of credentials is a [Provider]: one method that takes a
// context and returns [Credentials], in the spirit of oauth2.TokenSource.
// Sources differ only in where the keys come from; caching and refresh
// before expiry are a wrapper ([Cache]), not a feature of each source.
//
// # Sources
//
//   - [FromFCHeaders]: the per-invocation headers x-fc-access-key-id,
//     x-fc-access-key-secret and x-fc-security-token that Function Compute
//     sends to a custom runtime, so a handler signs with the credentials of
//     the invocation it serves.
//   - [FromEnv]: ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET
//     and ALIBABA_CLOUD_SECURITY_TOKEN, read on every call.
//   - [Static]: keys the program already holds (long-term keys, or STS keys
//     handed over by a runtime, such as a built-in runtime's context).
//   - [ProviderFunc]: anything else.
//
// The default chain of github.com/aliyun/credentials-go (environment, OIDC,
// CLI and profile files, ECS RAM role, credentials URI), which wgor uses when
// given no other provider, is in package
// github.com/wgor-dev/wgor/creds/chain: chain.Default, behind one
// process-wide Cache, and chain.New without it. It lives apart so that a
// program that does not use it (such as a function that signs with each
// invocation's credentials) links neither credentials-go nor its
// dependencies: this package imports only the standard library, package
// sign and wgor's internal/redact.
//
// # Caching
//
// [NewCache] wraps any Provider. It returns the cached credentials until a
// margin before they expire, then refreshes them once for all callers; a
// failed refresh is survived while the old credentials are still valid.
// Credentials without a known expiry (credentials-go does not expose it) are
// trusted for [CacheOptions].MaxAge. The hot path is one mutex and
// allocates nothing. FromEnv, FromFCHeaders and Static need no cache;
// chain.Default has one.
//
// # Secrets
//
// Nothing in this package puts an access key secret or a security token in
// an error, and [Credentials] redacts them when printed with any fmt verb
// or logged with log/slog. Formatting cannot reach a Credentials held in an
// unexported struct field, so do not print structs that hold one there; and
// encoding/json marshals every field, the secret included.
package creds

import (
	"context"
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
// expiry is not known. Printing Credentials with fmt (any verb) or logging
// them with log/slog never reveals the secret or the token.
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
	if c.Expiration.IsZero() {
		return false
	}
	return !now.Add(margin).Before(c.Expiration)
}

// String describes the credentials without revealing them: the access key
// ID, whether a security token is set, and the expiration.
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

// GoString is String, so that %#v does not print the secret either.
func (c Credentials) GoString() string { return c.String() }

// Format prints String for every verb (%d and %x included).
func (c Credentials) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String()) }

// LogValue is String, for log/slog's handlers.
func (c Credentials) LogValue() slog.Value { return redact.LogValue(c.String()) }

// check reports what is missing from c, naming where the value should have
// come from (idName and secretName: a field, a variable or a header).
func check(c Credentials, idName, secretName, fix string) error {
	switch {
	case c.AccessKeyID == "" && c.AccessKeySecret == "":
		return fmt.Errorf("%w: %s and %s are empty: %s", ErrNoCredentials, idName, secretName, fix)
	case c.AccessKeyID == "":
		return fmt.Errorf("%w: %s is empty: %s", ErrNoCredentials, idName, fix)
	case c.AccessKeySecret == "":
		return fmt.Errorf("%w: %s is empty: %s", ErrNoCredentials, secretName, fix)
	}
	return nil
}
