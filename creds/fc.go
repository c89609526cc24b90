package creds

import (
	"fmt"
	"net/http"
	"strings"
)

// The request headers in which Function Compute hands a custom runtime the
// function role's temporary credentials with every invocation (Function
// Compute, "Context and log format", common request headers:
// https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/context-and-log-format-1).
// The Go runtime's API sends the same three with each invocation
// (fc-runtime-go-sdk v0.3.1, fc/runtime_api_client.go).
const (
	HeaderFCAccessKeyID     = "x-fc-access-key-id"
	HeaderFCAccessKeySecret = "x-fc-access-key-secret"
	HeaderFCSecurityToken   = "x-fc-security-token"
)

// FromFCHeaders returns the credentials Function Compute sent with one
// invocation, in the headers x-fc-access-key-id, x-fc-access-key-secret and
// x-fc-security-token, as a [Static] provider. Call it for each request
// with that request's headers: the credentials come fresh with every
// invocation, so there is nothing to cache. The expiry is not sent (the
// zero Expiration).
//
// The key ID and secret are required. Function Compute always sends a
// security token, but a local emulator with long-term keys may not, so the
// token is optional. When the ID or the secret is missing or empty, the
// error wraps [ErrNoCredentials] and names the missing headers, never any
// value.
func FromFCHeaders(h http.Header) (Provider, error) {
	c := Credentials{
		AccessKeyID:     header(h, HeaderFCAccessKeyID),
		AccessKeySecret: header(h, HeaderFCAccessKeySecret),
		SecurityToken:   header(h, HeaderFCSecurityToken),
	}
	if m := missing(c, HeaderFCAccessKeyID, HeaderFCAccessKeySecret); m != nil {
		return nil, fmt.Errorf("%w: request headers missing or empty: %s: run the handler in a Function Compute custom runtime, with a RAM role attached to the function that allows oss:WriteGetObjectResponse",
			ErrNoCredentials, strings.Join(m, ", "))
	}
	return Static(c), nil
}

// header reads name from h by its canonical key, falling back to the exact
// lower-case key for maps built by hand rather than by net/http.
func header(h http.Header, name string) string {
	v := strings.TrimSpace(h.Get(name))
	if vs := h[name]; v == "" && len(vs) > 0 {
		v = strings.TrimSpace(vs[0])
	}
	return v
}
