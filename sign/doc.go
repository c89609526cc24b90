// Package sign implements OSS Signature Version 4 (OSS4-HMAC-SHA256), the
// scheme Alibaba Cloud OSS uses to authenticate requests, byte for byte as the
// official OSS SDKs compute it.
//
// [Sign] signs in the Authorization header, [Presign] in the query string;
// both are pure functions of [Options]: with the time pinned, the signature is
// always the same. [Verify] does the server's half with the same code.
//
// The code follows SPEC.md §4 step by step: canonical URI, query, headers,
// additional headers and canonical request in canonical.go; scope, string to
// sign, signing key and signature in key.go. A [Trace] receives the canonical
// request and the string to sign, to debug a SignatureDoesNotMatch. All
// functions are safe for concurrent use.
package sign
