// Package sdkinterop proves that the local access-point emulator
// (internal/accesspoint) accepts what the official OSS Go SDK v2 sends: a
// WriteGetObjectResponse made by oss.Client, with static STS credentials, a
// region and the emulator's route as the endpoint, must verify and reach the
// GetObject caller intact.
//
// It is a module of its own so that the SDK never becomes a dependency of
// wgor. Run it with
//
//	cd internal/sdkinterop && go test ./...
//
// The package has no code besides its tests.
package sdkinterop
