package creds

import (
	"fmt"
	"net/http"
	"strings"
)

// The request headers in which Function Compute hands a custom runtime the
// function's temporary credentials on every invocation. Source: Function
// Compute's documentation "Custom runtime: context and log format" (the
// request headers of POST /invoke); the Go runtime receives the same three
// headers with each invocation from its runtime API (fc-runtime-go-sdk
// v0.3.1, fc/runtime_api_client.go).
const (
	HeaderFCAccessKeyID     = "x-fc-access-key-id"
	HeaderFCAccessKeySecret = "x-fc-access-key-secret"
	HeaderFCSecurityToken   = "x-fc-security-token"
)

// FromFCHeaders returns the credentials Function Compute sent with one
// invocation to a custom runtime, in the headers x-fc-access-key-id,
// x-fc-access-key-secret and x-fc-security-token, as a [Static] provider.
//
// Call it for each request with that request's headers: Function Compute
// sends fresh credentials with every invocation, so there is nothing to
// cache or refresh. The expiry is not sent (the zero Expiration).
//
// The key ID and secret are required. Function Compute always hands over
// STS credentials and so a security token, but a local emulator (such as
// "wgor emulate" with long-term keys) may not, so a missing token is
// accepted and the credentials are then used as long-term keys. When the ID
// or the secret is missing or empty, the error wraps [ErrNoCredentials] and
// names the missing headers, never any value.
func FromFCHeaders(h http.Header) (Provider, error) {
	c := Credentials{
		AccessKeyID:     header(h, HeaderFCAccessKeyID),
		AccessKeySecret: header(h, HeaderFCAccessKeySecret),
		SecurityToken:   header(h, HeaderFCSecurityToken),
	}
	var missing []string
	for _, m := range []struct{ name, value string }{
		{HeaderFCAccessKeyID, c.AccessKeyID},
		{HeaderFCAccessKeySecret, c.AccessKeySecret},
	} {
		if m.value == "" {
			missing = append(missing, m.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: request headers missing or empty: %s: run the handler in a Function Compute custom runtime, with a RAM role attached to the function that allows oss:WriteGetObjectResponse",
			ErrNoCredentials, strings.Join(missing, ", "))
	}
	return Static(c), nil
}

// header reads name from h by its canonical key, falling back to the exact
// lower-case key for maps built by hand rather than by net/http.
func header(h http.Header, name string) string {
	if v := strings.TrimSpace(h.Get(name)); v != "" {
		return v
	}
	if vs := h[name]; len(vs) > 0 {
		return strings.TrimSpace(vs[0])
	}
	return ""
}
