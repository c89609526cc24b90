// Package sign implements OSS Signature Version 4 (OSS4-HMAC-SHA256), the
// scheme Alibaba Cloud OSS uses to authenticate requests, byte for byte as the
// official OSS SDKs compute it.
//
// [Sign] signs in the Authorization header, [Presign] in the query string,
// both driven by [Options] (credentials, region, time, the bucket and key of
// the canonical URI, additional headers to sign) and pure functions of it:
// with the time pinned, the signature is always the same. [Verify] does the
// server's half with the same code; the local access-point emulator uses it.
//
// The code follows SPEC.md §4 (the OSS API reference "Signature version 4")
// step by step: canonical URI, query and headers, additional headers and
// canonical request in canonical.go; scope, string to sign, signing key and
// signature in key.go. What is signed is what net/http sends: a header name
// without values is left out, and Sign removes other spellings of the headers
// it sets. x-oss-content-sha256 is always UNSIGNED-PAYLOAD (OSS accepts no
// other value, EC 0002-00000214).
//
// A [Trace] receives the canonical request and the string to sign, to debug a
// SignatureDoesNotMatch; neither holds the secret or the signing key. Derived
// keys are cached and buffers pooled. All functions are safe for concurrent
// use.
package sign
