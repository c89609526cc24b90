// Package legacyinterop proves that the local access-point emulator
// (internal/accesspoint) accepts what the older official OSS Go SDK,
// github.com/aliyun/aliyun-oss-go-sdk v3.0.2, sends, and it makes the V1
// signature vectors of testdata/v1-vectors.json with that SDK's own
// signing code.
//
// It is a module of its own so that the SDK never becomes a dependency of
// wgor. Run it with
//
//	cd internal/legacyinterop && go test ./...
//
// and regenerate the vectors with
//
//	cd internal/legacyinterop && go test -run TestV1Vectors -update
//
// # The vectors
//
// testdata/v1-vectors.json is a JSON object: "about" says what it is,
// "generator" names the SDK,
// "vectors" is a list of requests the SDK signed with OSS Signature V1, each
// captured by a loopback server as it arrived:
//
//	{
//	  "name":        what the request is,
//	  "credentials": {"access_key_id", "access_key_secret", "security_token"},
//	  "bucket", "key": the canonical resource ("" and "" for "/"),
//	  "now":         the server's time to verify at (RFC 3339),
//	  "method", "uri" (path and raw query, as sent),
//	  "headers":     {name: [values]} as received (User-Agent left out)
//	}
//
// A verifier must accept every vector as it stands, at "now", with those
// credentials. The header-form vectors carry a fixed Date, so they are
// the same at every generation; the query-form vectors carry an Expires the
// SDK computes from the clock, so their Expires and Signature change.
//
// The package has no code besides its tests.
package legacyinterop
