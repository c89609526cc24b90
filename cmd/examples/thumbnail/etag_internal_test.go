package thumbnail

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The emulated origin sends no ETag, so the derivation is tested here.
func TestETagDependsOnTheOriginalAndTheBox(t *testing.T) {
	a := Handler{}.etag(`"5B3C1A2E053D763E1B002CC607C5A0FE"`)
	assert.Regexp(t, `^W/"[0-9a-f]{32}"$`, a)
	assert.Equal(t, a, Handler{Size: DefaultSize}.etag(`"5B3C1A2E053D763E1B002CC607C5A0FE"`))
	assert.NotEqual(t, a, Handler{Size: 128}.etag(`"5B3C1A2E053D763E1B002CC607C5A0FE"`))
	assert.NotEqual(t, a, Handler{}.etag(`"5B3C1A2E053D763E1B002CC607C5A0FF"`))
}
