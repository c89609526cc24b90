package creds

import (
	"context"
	"fmt"
	"sync"

	"github.com/aliyun/credentials-go/credentials"
)

// Default returns the provider that wgor uses when given no other: the
// default credential chain of github.com/aliyun/credentials-go
// ([DefaultChain]) wrapped in a [Cache] with the default [CacheOptions].
//
// Every call returns the same Provider, so all its users share one cache and
// one chain. Calling Default never fails and does no I/O; the chain is built
// and asked on the first call of its Credentials method.
//
// The chain cannot tell when its credentials expire, so the cache trusts
// them for [DefaultMaxAge] and asks the chain again after
// DefaultMaxAge-[DefaultMargin] (a minute). That costs nothing when the
// chain's own cache is fresh: credentials-go keeps STS credentials from the
// credentials URI, ECS, OIDC and RAM role sources and fetches new ones only
// three minutes before they expire.
//
// When neither the environment, OIDC nor a profile has credentials, the
// chain asks the ECS instance metadata service at 100.100.100.200 (before the
// credentials URI, which comes last). Outside ECS that costs about two
// seconds of connection timeouts per attempt, up to about four when something
// answers slowly. Set ALIBABA_CLOUD_ECS_METADATA_DISABLED=true wherever no ECS
// RAM role is meant to be used, and give the caller's context a deadline: a
// caller stops waiting when its context ends.
func Default() Provider { return defaultCache() }

var defaultCache = sync.OnceValue(func() *Cache { return NewCache(DefaultChain(), CacheOptions{}) })

// DefaultChain returns a Provider backed by the default credential chain of
// github.com/aliyun/credentials-go, without a cache of its own: prefer
// [Default], or wrap it with [NewCache] to choose the options.
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
// The chain is built on the first call, so that calling DefaultChain never
// fails and does no I/O. Until some source has worked, each call builds the
// chain anew and tries every source (so configuration set later is found);
// once one has worked, credentials-go keeps using that one source.
// credentials-go's calls take no context: when ctx ends first, Credentials
// returns at once and the call in progress finishes in the background.
// Calls are serialized, because credentials-go's chain is not safe for
// concurrent use.
//
// The returned Expiration is always zero: credentials-go does not expose it.
// Errors never include credentials-go's messages, which can quote a server's
// response or a config file (secrets included); they say instead which
// sources failed and what to set.
func DefaultChain() Provider {
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
	creds Credentials
	err   error
}

func (c *chain) Credentials(ctx context.Context) (Credentials, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return Credentials{}, fmt.Errorf("creds: default credential chain: %w", ctx.Err())
	}
	if err := ctx.Err(); err != nil {
		<-c.sem
		return Credentials{}, fmt.Errorf("creds: default credential chain: %w", err)
	}
	res := make(chan chainResult, 1)
	go func() {
		defer func() { <-c.sem }()
		creds, err := c.get()
		res <- chainResult{creds, err}
	}()
	select {
	case r := <-res:
		return r.creds, r.err
	case <-ctx.Done():
		return Credentials{}, fmt.Errorf("creds: default credential chain: %w", ctx.Err())
	}
}

// get asks credentials-go once; the caller holds sem.
func (c *chain) get() (Credentials, error) {
	if c.cred == nil {
		cred, err := c.newCredential(nil)
		if err != nil {
			return Credentials{}, chainError(err)
		}
		c.cred = cred
	}
	m, err := c.cred.GetCredential()
	if err == nil && m == nil {
		return Credentials{}, errNilModel
	}
	if err != nil {
		if !c.worked {
			// credentials-go would stick to the last source it tried; start
			// over instead, so every source is tried again next time.
			c.cred = nil
		}
		return Credentials{}, chainError(err)
	}
	creds := Credentials{
		AccessKeyID:     deref(m.AccessKeyId),
		AccessKeySecret: deref(m.AccessKeySecret),
		SecurityToken:   deref(m.SecurityToken),
	}
	if err := check(creds, "access key ID", "access key secret",
		"credentials-go returned incomplete credentials; check the configured source"); err != nil {
		return Credentials{}, err
	}
	c.worked = true
	return creds, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
