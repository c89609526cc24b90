package sign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// The last steps of OSS's "Signature version 4" reference, as buildScope,
// calcStringToSign, deriveSigningKey and calcSignature in the official
// signer (oss/signer/v4.go).

// scopeTerminator ends the scope and the signing key's chain.
const scopeTerminator = "aliyun_v4_request"

// computed is what one signature was computed over, and the signature.
type computed struct {
	scope, signature               string
	canonicalRequest, stringToSign []byte
}

// compute runs every step from the canonical request to the signature.
// datetime is the string to sign's second line; date, region and product
// form the scope.
func compute(r *request, keys *KeyCache, secret, datetime, date, region, product string) computed {
	canonical := canonicalRequest(r)
	sc := scope(date, region, product)
	sts := stringToSign(datetime, sc, canonical)
	return computed{sc, keys.signature(secret, date, region, product, sts), canonical, sts}
}

// scope is date/region/product/aliyun_v4_request.
func scope(date, region, product string) string {
	return date + "/" + region + "/" + product + "/" + scopeTerminator
}

// stringToSign is the algorithm, the time, the scope and the canonical
// request's hex SHA-256, a line each.
func stringToSign(datetime, scope string, canonicalRequest []byte) []byte {
	sum := sha256.Sum256(canonicalRequest)
	b := make([]byte, 0, 256)
	b = append(b, Algorithm+"\n"...)
	b = append(append(b, datetime...), '\n')
	b = append(append(b, scope...), '\n')
	return hex.AppendEncode(b, sum[:])
}

// signingKey is the HMAC-SHA256 chain from "aliyun_v4" + secret through the
// date, the region, the product and aliyun_v4_request.
func signingKey(secret, date, region, product string) []byte {
	key := hmacSHA256([]byte("aliyun_v4"+secret), []byte(date))
	for _, part := range []string{region, product, scopeTerminator} {
		key = hmacSHA256(key, []byte(part))
	}
	return key
}

// signature is the hex HMAC-SHA256 of the string to sign under the signing key.
func signature(key, stringToSign []byte) string {
	return hex.EncodeToString(hmacSHA256(key, stringToSign))
}

func hmacSHA256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}
