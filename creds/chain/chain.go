// Package chain is credentials-go's default credentials chain as a
// [creds.Provider], with errors that hold no secret, cancellation, and one
// process-wide cache ([Default]). It lives apart from package creds so that
// only programs that use the chain link github.com/aliyun/credentials-go
// and what it brings (json-iterator, reflect2, gopkg.in/ini, tea, and
// through tea even testing and flag): a function on Function Compute signs
// with each invocation's credentials and never links it.
package chain

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/aliyun/credentials-go/credentials"

	"github.com/wgor-dev/wgor/creds"
)

// Default returns [New] behind a [creds.Cache] with the default options,
// the same Provider on every call, so that all its users share one cache.
// The chain does not tell when its credentials expire, so the cache asks it
// again after [creds.DefaultMaxAge] less [creds.DefaultMargin]; that costs
// nothing while credentials-go's own cache is fresh (it renews STS
// credentials three minutes before they expire).
//
// Outside ECS, set ALIBABA_CLOUD_ECS_METADATA_DISABLED=true, or the chain
// spends seconds asking the ECS metadata service, and give ctx a deadline.
func Default() creds.Provider { return defaultCache() }

var defaultCache = sync.OnceValue(func() *creds.Cache { return creds.NewCache(New(), creds.CacheOptions{}) })

// New returns credentials-go's default chain without a cache: prefer
// [Default], or wrap it with [creds.NewCache] to choose the options. It
// tries, in order, the environment (ALIBABA_CLOUD_ACCESS_KEY_ID,
// ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN), OIDC
// (ALIBABA_CLOUD_OIDC_*), ~/.aliyun/config.json, ~/.alibabacloud/credentials,
// the ECS RAM role and ALIBABA_CLOUD_CREDENTIALS_URI.
//
// The chain is built on the first call, and again on every call until some
// source has worked, so that configuration set later is found; then
// credentials-go keeps to that source. Calls are serialized (credentials-go
// is not safe for concurrent use) and take no context: when ctx ends first,
// Credentials returns at once and the call finishes in the background.
//
// The Expiration is always zero: credentials-go does not expose it. Errors
// name the sources that failed and what to set, never quoting
// credentials-go, and wrap [creds.ErrNoCredentials] when no source has any.
func New() creds.Provider {
	return &chain{sem: make(chan struct{}, 1)}
}

type chain struct {
	sem    chan struct{}          // held while credentials-go runs
	cred   credentials.Credential // guarded by sem; nil until built
	worked bool                   // guarded by sem; some source has worked
}

func (c *chain) Credentials(ctx context.Context) (creds.Credentials, error) {
	if err := ctx.Err(); err != nil {
		return creds.Credentials{}, stopped(err)
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return creds.Credentials{}, stopped(ctx.Err())
	}
	if err := ctx.Err(); err != nil { // it ended as the turn came: start nothing
		<-c.sem
		return creds.Credentials{}, stopped(err)
	}
	var got creds.Credentials
	var err error
	done := make(chan struct{})
	go func() {
		defer func() { <-c.sem }()
		defer close(done)
		defer c.survive(&err)
		got, err = c.get()
	}()
	select {
	case <-done:
		return got, err
	case <-ctx.Done():
		return creds.Credentials{}, stopped(ctx.Err())
	}
}

// survive turns a panic of credentials-go (it dereferences a null profile
// of the aliyun CLI's config file) into an error, and starts over next
// time; the caller holds sem. Its message may quote a secret: it is left out.
func (c *chain) survive(err *error) {
	if recover() != nil {
		c.cred = nil
		*err = errors.New("creds: default credential chain: credentials-go panicked (its message is withheld because it may contain secrets): check the files it reads, ~/.aliyun/config.json and ~/.alibabacloud/credentials")
	}
}

func stopped(err error) error { return fmt.Errorf("creds: default credential chain: %w", err) }

// get asks credentials-go once; the caller holds sem.
func (c *chain) get() (creds.Credentials, error) {
	if c.cred == nil {
		cred, err := credentials.NewCredential(nil)
		if err != nil {
			return creds.Credentials{}, chainError(err)
		}
		c.cred = cred
	}
	m, err := c.cred.GetCredential()
	if err != nil {
		// credentials-go would keep to the last source it tried; until one
		// has worked, start over, so that every source is tried next time.
		if !c.worked {
			c.cred = nil
		}
		return creds.Credentials{}, chainError(err)
	}
	var got creds.Credentials
	if m != nil {
		got = creds.Credentials{AccessKeyID: deref(m.AccessKeyId), AccessKeySecret: deref(m.AccessKeySecret), SecurityToken: deref(m.SecurityToken)}
	}
	if got.AccessKeyID == "" || got.AccessKeySecret == "" {
		return creds.Credentials{}, fmt.Errorf("%w: credentials-go returned an empty access key ID or secret: check the configured source", creds.ErrNoCredentials)
	}
	c.worked = true
	return got, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// credentials-go's messages are not safe to show: they quote the credentials
// URI and its answer, the CLI config file when it is not valid JSON, and the
// answers of OIDC and ECS. So errors are built from the fixed summaries
// below, chosen by a phrase of the message, which is then dropped.

// The sources named in errors, in credentials-go's order.
const (
	srcEnv  = "environment"
	srcOIDC = "OIDC role (ALIBABA_CLOUD_OIDC_*)"
	srcCLI  = "aliyun CLI config (~/.aliyun/config.json, ALIBABA_CLOUD_CONFIG_FILE)"
	srcFile = "credentials file (~/.alibabacloud/credentials, ALIBABA_CLOUD_CREDENTIALS_FILE)"
	srcRAM  = "RAM role (AssumeRole)"
	srcECS  = "ECS RAM role (metadata service 100.100.100.200)"
	srcURI  = "credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI)"
	srcExp  = "an Expiration" // of any STS source
)

const (
	oidcFailed = "exchanging the OIDC token for STS credentials failed; check ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and the token"
	noECSRole  = "no credentials (not on ECS, or no RAM role attached; set ALIBABA_CLOUD_ECS_METADATA_DISABLED=true to skip)"
)

// failures are phrases of credentials-go's messages (providers/*.go,
// v1.4.14) and what to say instead. Only the first match of a source counts.
var failures = []struct{ source, marker, summary string }{
	{srcEnv, "(ALIBABA_CLOUD_ACCESS_KEY_ID)", "ALIBABA_CLOUD_ACCESS_KEY_ID not set"},
	{srcEnv, "(ALIBABA_CLOUD_ACCESS_KEY_SECRET)", "ALIBABA_CLOUD_ACCESS_KEY_SECRET not set (ALIBABA_CLOUD_ACCESS_KEY_ID is)"},
	{srcOIDC, "oidc sts token", oidcFailed},
	{srcOIDC, "get session token failed", oidcFailed},
	{srcCLI, "reading aliyun cli config", "not found"},
	{srcCLI, "unmarshal aliyun cli config", "not valid JSON"},
	{srcCLI, " profile", "the profile is missing or not usable"},
	{srcFile, "ERROR: Can not open file", "not found"},
	{srcFile, "ERROR: ", "the profile is missing or incomplete"},
	{srcRAM, "refresh session token failed", "the STS request failed; check the role ARN and the keys that assume it"},
	{srcECS, "get role name failed", noECSRole},
	{srcECS, "refresh Ecs sts token err", noECSRole},
	{srcECS, "get metadata token failed", noECSRole},
	{srcURI, "json unmarshal fail", "the response is not JSON"},
	{srcURI, "refresh credentials from GET ", "the response lacks AccessKeyId, AccessKeySecret, SecurityToken or Expiration"},
	{srcURI, "get credentials from GET ", "the server answered with an error status"},
	{srcExp, "parsing time", "not in the form 2006-01-02T15:04:05Z"},
}

// chainError turns an error of credentials-go into one that is safe to show
// and says what to do.
func chainError(err error) error {
	msg := err.Error()
	var found []string
	seen := map[string]bool{}
	for _, f := range failures {
		if !seen[f.source] && strings.Contains(msg, f.marker) {
			seen[f.source] = true
			found = append(found, f.source+": "+f.summary)
		}
	}
	// The URI source returns network errors as they are: recognise them by
	// the URL, which is left out like the rest of the message.
	if uri := os.Getenv("ALIBABA_CLOUD_CREDENTIALS_URI"); uri != "" && !seen[srcURI] && strings.Contains(msg, uri) {
		found = append(found, srcURI+": the request failed")
	}
	if found == nil {
		found = []string{"a source failed (its message is withheld because it may contain secrets)"}
	}
	if !strings.HasPrefix(msg, "unable to get credentials from any of the providers in the chain") {
		return fmt.Errorf("creds: default credential chain: %s", strings.Join(found, "; ")) // the source that worked before
	}
	return fmt.Errorf("%w: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET "+
		"(and ALIBABA_CLOUD_SECURITY_TOKEN for STS keys), or ALIBABA_CLOUD_CREDENTIALS_URI, "+
		"or a profile in ~/.alibabacloud/credentials, or run inside Function Compute or on ECS with a RAM role (tried: %s)",
		creds.ErrNoCredentials, strings.Join(found, "; "))
}
