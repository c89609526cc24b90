// Package sign implements OSS Signature Version 4 (OSS4-HMAC-SHA256) byte for
// byte as the official OSS SDKs compute it: [Sign] in the Authorization
// header, [Presign] in the query string, and [Verify], the server's half, with
// the same code. The time and the credentials come in [Options]: with
// Options.Time pinned, a signature is always the same.
//
// The code follows OSS's "Signature version 4" reference one function a step:
// canonical.go up to the canonical request, key.go from the string to sign to
// the signature. Nothing is kept between calls but the signing key, in a
// [KeyCache] the caller holds; all functions are safe for concurrent use.
package sign
