package chain_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/wgor-dev/wgor/creds"
	"github.com/wgor-dev/wgor/creds/chain"
)

func ExampleDefault() {
	os.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tExample")
	os.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "secret")
	defer unsetEnv()

	// Give the call a deadline: when nothing is configured, the chain may
	// spend seconds asking for an ECS RAM role.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := chain.Default().Credentials(ctx) // the environment comes first in the chain
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.AccessKeyID)
	// Output:
	// LTAI5tExample
}

func ExampleNew() {
	// A server that hands out STS credentials the way the credentials-URI
	// source expects, as a sidecar or a metadata proxy would.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		exp := time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05Z")
		fmt.Fprintf(w, `{"Code":"Success","AccessKeyId":"STS.fromURI","AccessKeySecret":"secret","SecurityToken":"token","Expiration":%q}`, exp)
	}))
	defer srv.Close()
	os.Setenv("ALIBABA_CLOUD_CREDENTIALS_URI", srv.URL)
	// Skip the ECS RAM role, and (for this example only) the machine's own
	// profile files, which come earlier in the chain.
	os.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	os.Setenv("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")
	os.Setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", filepath.Join(os.TempDir(), "no-such-credentials-file"))
	defer unsetEnv()

	// The chain with cache settings of one's own.
	p := creds.NewCache(chain.New(), creds.CacheOptions{Margin: 5 * time.Minute})
	c, err := p.Credentials(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.AccessKeyID)
	// Output:
	// STS.fromURI
}

// unsetEnv removes what the examples set.
func unsetEnv() {
	for _, k := range []string{
		"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
		"ALIBABA_CLOUD_CREDENTIALS_URI", "ALIBABA_CLOUD_ECS_METADATA_DISABLED",
		"ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "ALIBABA_CLOUD_CREDENTIALS_FILE",
	} {
		os.Unsetenv(k)
	}
}
