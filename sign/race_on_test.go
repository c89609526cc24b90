//go:build race

package sign_test

// raceEnabled is set when the race detector is on: it makes sync.Pool drop
// items at random, so allocation counts are not exact.
const raceEnabled = true
