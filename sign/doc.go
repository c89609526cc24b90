// Package sign implements OSS Signature Version 4 (OSS4-HMAC-SHA256), the
// scheme Alibaba Cloud OSS uses to authenticate requests, byte for byte as the
// official OSS SDKs compute it.
//
// There is one entry point for each way of carrying a signature:
//
//   - [Sign] signs in the Authorization header. It sets x-oss-date, Date,
//     x-oss-content-sha256 (always UNSIGNED-PAYLOAD, over any value the
//     caller set: OSS accepts no other, EC 0002-00000214), x-oss-security-token
//     for STS credentials, and Authorization.
//   - [Presign] signs in the query string, producing a URL that anyone may use
//     until it expires.
//
// Both are driven by [Options]: the credentials, the region, the time, the
// bucket and key that form the canonical URI, and any additional headers to
// sign. Both are pure functions of their input, so a caller that pins the
// time gets the same signature every time. [Verify] does the server's half:
// it recomputes a signature from a received request with the same code, which
// is what the local access-point emulator and the tests use.
//
// The code follows the specification's steps in order (SPEC.md §4, the OSS
// API reference "Signature version 4"): the canonical URI, query and headers,
// the additional headers, the canonical request (canonical.go), the string to
// sign, the signing key and the signature (key.go). What is signed is exactly
// what net/http sends: a header name without values is left out, and other
// spellings of the headers Sign sets are removed.
//
// A [Trace] in the options receives the canonical request and the string to
// sign that a signature was computed over, for debugging signature mismatches.
// Neither contains the secret or the derived signing key.
//
// Derived signing keys are cached per secret, date, region and product, and
// the buffers of a signature are pooled. All functions are safe for
// concurrent use.
package sign
