// Package chain is the default credentials chain of wgor: the chain of
// github.com/aliyun/credentials-go (environment, OIDC, CLI and profile
// files, ECS RAM role, credentials URI) as a [creds.Provider], with safe
// errors, cancellation and one process-wide cache ([Default]).
//
// It lives apart from package creds so that only programs that use the chain
// link credentials-go and what it brings (json-iterator, reflect2,
// gopkg.in/ini, tea, and through tea even testing and flag) and run their
// initialisers. Package wgor imports it: a wgor.Client with nil Credentials,
// and wgor.Write, sign with [Default]. A function on Function Compute takes
// its credentials from each invocation instead (creds.FromFCHeaders, or the
// runtime's context) and, built on wgor/fcrt, never links this package.
package chain

import (
	"context"
	"fmt"
	"sync"

	"github.com/aliyun/credentials-go/credentials"

	"github.com/wgor-dev/wgor/creds"
)

// Default returns the provider that wgor uses when given no other: the
// default credential chain of github.com/aliyun/credentials-go ([New])
// wrapped in a [creds.Cache] with the default [creds.CacheOptions].
// Package wgor's Client signs with it when its Credentials field is nil, and
// so does the package-level wgor.Write.
//
// Every call returns the same Provider, so all its users share one cache and
// one chain. Calling Default never fails and does no I/O; the chain is built
// and asked on the first call of its Credentials method.
//
// The chain cannot tell when its credentials expire, so the cache trusts
// them for [creds.DefaultMaxAge] and asks the chain again after
// DefaultMaxAge-[creds.DefaultMargin] (a minute). That costs nothing when
// the chain's own cache is fresh: credentials-go keeps STS credentials from
// the credentials URI, ECS, OIDC and RAM role sources and fetches new ones
// only three minutes before they expire.
//
// When neither the environment, OIDC nor a profile has credentials, the
// chain asks the ECS instance metadata service at 100.100.100.200 (before the
// credentials URI, which comes last). Outside ECS that costs about two
// seconds of connection timeouts per attempt, up to about four when something
// answers slowly. Set ALIBABA_CLOUD_ECS_METADATA_DISABLED=true wherever no ECS
// RAM role is meant to be used, and give the caller's context a deadline: a
// caller stops waiting when its context ends.
func Default() creds.Provider { return defaultCache() }

var defaultCache = sync.OnceValue(func() *creds.Cache { return creds.NewCache(New(), creds.CacheOptions{}) })

// New returns a Provider backed by the default credential chain of
// github.com/aliyun/credentials-go, without a cache of its own: prefer
// [Default], or wrap it with [creds.NewCache] to choose the options.
//
// The chain, in credentials-go's order: the environment
// (ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET,
// ALIBABA_CLOUD_SECURITY_TOKEN); OIDC (ALIBABA_CLOUD_OIDC_PROVIDER_ARN,
// ALIBABA_CLOUD_OIDC_TOKEN_FILE, ALIBABA_CLOUD_ROLE_ARN); the aliyun CLI
// config (~/.aliyun/config.json); the credentials file
// (~/.alibabacloud/credentials); the ECS RAM role (unless
// ALIBABA_CLOUD_ECS_METADATA_DISABLED=true); the credentials URI
// (ALIBABA_CLOUD_CREDENTIALS_URI).
//
// The chain is built on the first call, so that calling New never fails and
// does no I/O. Until some source has worked, each call builds the chain anew
// and tries every source (so configuration set later is found); once one has
// worked, credentials-go keeps using that one source. credentials-go's calls
// take no context: when ctx ends first, Credentials returns at once and the
// call in progress finishes in the background. Calls are serialized, because
// credentials-go's chain is not safe for concurrent use.
//
// The returned Expiration is always zero: credentials-go does not expose it.
// Errors never include credentials-go's messages, which can quote a server's
// response or a config file (secrets included); they say instead which
// sources failed and what to set. When no source has credentials, the error
// wraps [creds.ErrNoCredentials].
func New() creds.Provider {
	return &chain{
		newCredential: credentials.NewCredential,
		sem:           make(chan struct{}, 1),
	}
}

type chain struct {
	newCredential func(*credentials.Config) (credentials.Credential, error)

	sem    chan struct{}          // held while credentials-go runs
	cred   credentials.Credential // guarded by sem; nil until built
	worked bool                   // guarded by sem; some source has worked
}

type chainResult struct {
	creds creds.Credentials
	err   error
}

func (c *chain) Credentials(ctx context.Context) (creds.Credentials, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return creds.Credentials{}, fmt.Errorf("creds: default credential chain: %w", ctx.Err())
	}
	if err := ctx.Err(); err != nil {
		<-c.sem
		return creds.Credentials{}, fmt.Errorf("creds: default credential chain: %w", err)
	}
	res := make(chan chainResult, 1)
	go func() {
		defer func() { <-c.sem }()
		got, err := c.get()
		res <- chainResult{got, err}
	}()
	select {
	case r := <-res:
		return r.creds, r.err
	case <-ctx.Done():
		return creds.Credentials{}, fmt.Errorf("creds: default credential chain: %w", ctx.Err())
	}
}

// get asks credentials-go once; the caller holds sem.
func (c *chain) get() (creds.Credentials, error) {
	if c.cred == nil {
		cred, err := c.newCredential(nil)
		if err != nil {
			return creds.Credentials{}, chainError(err)
		}
		c.cred = cred
	}
	m, err := c.cred.GetCredential()
	if err == nil && m == nil {
		return creds.Credentials{}, errNilModel
	}
	if err != nil {
		if !c.worked {
			// credentials-go would stick to the last source it tried; start
			// over instead, so every source is tried again next time.
			c.cred = nil
		}
		return creds.Credentials{}, chainError(err)
	}
	got := creds.Credentials{
		AccessKeyID:     deref(m.AccessKeyId),
		AccessKeySecret: deref(m.AccessKeySecret),
		SecurityToken:   deref(m.SecurityToken),
	}
	if err := checkComplete(got); err != nil {
		return creds.Credentials{}, err
	}
	c.worked = true
	return got, nil
}

// checkComplete reports what credentials-go left out of c.
func checkComplete(c creds.Credentials) error {
	const fix = "credentials-go returned incomplete credentials; check the configured source"
	switch {
	case c.AccessKeyID == "" && c.AccessKeySecret == "":
		return fmt.Errorf("%w: access key ID and access key secret are empty: %s", creds.ErrNoCredentials, fix)
	case c.AccessKeyID == "":
		return fmt.Errorf("%w: access key ID is empty: %s", creds.ErrNoCredentials, fix)
	case c.AccessKeySecret == "":
		return fmt.Errorf("%w: access key secret is empty: %s", creds.ErrNoCredentials, fix)
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
