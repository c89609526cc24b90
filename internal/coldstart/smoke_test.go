package main

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSmokeRun builds the three binaries and measures each a few times, end
// to end. It builds two modules and starts processes, so it runs only when
// asked for, to keep go test ./... fast:
//
//	cd internal/coldstart && WGOR_COLDSTART_SMOKE=1 go test -run Smoke
func TestSmokeRun(t *testing.T) {
	if os.Getenv("WGOR_COLDSTART_SMOKE") != "1" {
		t.Skip("set WGOR_COLDSTART_SMOKE=1 to build and start the three binaries")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := run(ctx, options{starts: 3, copies: 2, initRuns: 1, warmup: 1, perStart: 10 * time.Second})
	require.NoError(t, err)
	require.Len(t, res.bins, 3)
	for _, b := range res.bins {
		assert.Greater(t, b.size, int64(1<<20), "%s: a Go binary", b.name)
		assert.Len(t, b.times, 3, b.name)
		assert.Greater(t, b.medianTime(), time.Duration(0), b.name)
		assert.Greater(t, b.medianRSS(), int64(1<<20), b.name)
		assert.Greater(t, b.inits, 10, "%s: the runtime's and the standard library's initialisers", b.name)
	}
	t.Log("\n" + res.table())
}
