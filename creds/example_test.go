package creds_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/wgor-dev/wgor/creds"
)

func ExampleStatic() {
	// Keys the program already holds, such as the credentials a built-in
	// runtime hands to the handler's context.
	p := creds.Static(creds.Credentials{
		AccessKeyID:     "STS.NTmR4x",
		AccessKeySecret: "secret",
		SecurityToken:   "token",
	})
	c, err := p.Credentials(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c)

	_, err = creds.Static(creds.Credentials{AccessKeyID: "STS.NTmR4x"}).Credentials(context.Background())
	fmt.Println(err)
	// Output:
	// creds.Credentials{AccessKeyID: STS.NTmR4x}
	// creds: no credentials found: AccessKeySecret is empty: pass both the access key ID and the secret to creds.Static
}

func ExampleFromFCHeaders() {
	// A custom runtime's handler: Function Compute sends the function's
	// credentials with every invocation.
	handler := func(w http.ResponseWriter, r *http.Request) {
		p, err := creds.FromFCHeaders(r.Header)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		c, err := p.Credentials(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Println("signing with", c.AccessKeyID) // e.g. pass p to wgor
	}

	req := httptest.NewRequest(http.MethodPost, "/invoke", nil)
	req.Header.Set("x-fc-access-key-id", "STS.NTmR4x")
	req.Header.Set("x-fc-access-key-secret", "secret")
	req.Header.Set("x-fc-security-token", "token")
	handler(httptest.NewRecorder(), req)

	_, err := creds.FromFCHeaders(http.Header{"X-Fc-Access-Key-Id": {"STS.NTmR4x"}})
	fmt.Println(err)
	// Output:
	// signing with STS.NTmR4x
	// creds: no credentials found: request headers missing or empty: x-fc-access-key-secret: run the handler in a Function Compute custom runtime, with a RAM role attached to the function that allows oss:WriteGetObjectResponse
}

func ExampleFromEnv() {
	// Function Compute's built-in runtimes, and many CI systems, set these.
	os.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.NTmR4x")
	os.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "secret")
	os.Setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "token")
	defer unsetEnv()

	c, err := creds.FromEnv().Credentials(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.AccessKeyID, c.SecurityToken != "")
	// Output:
	// STS.NTmR4x true
}

func ExampleNewCache() {
	fetches := 0
	source := creds.ProviderFunc(func(ctx context.Context) (creds.Credentials, error) {
		fetches++
		return creds.Credentials{
			AccessKeyID:     "STS.NTmR4x",
			AccessKeySecret: "secret",
			SecurityToken:   "token",
			Expiration:      time.Now().Add(time.Hour),
		}, nil
	})
	p := creds.NewCache(source, creds.CacheOptions{Margin: 5 * time.Minute})
	for range 3 {
		if _, err := p.Credentials(context.Background()); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println("fetches:", fetches)
	// Output:
	// fetches: 1
}

func ExampleCredentials_Format() {
	c := creds.Credentials{
		AccessKeyID:     "STS.NTmR4x",
		AccessKeySecret: "secret",
		SecurityToken:   "token",
		Expiration:      time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC),
	}
	fmt.Printf("%v\n%d\n", c, c)
	// Output:
	// creds.Credentials{AccessKeyID: STS.NTmR4x}
	// creds.Credentials{AccessKeyID: STS.NTmR4x}
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
