package sign

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// signerHeaders spells each lower-cased name by hand, so that nothing is
// built when a program starts: this holds them to the canonical names.
func TestSignerHeadersAreLowerCasedOnce(t *testing.T) {
	for _, h := range signerHeaders {
		assert.Equal(t, strings.ToLower(h.name), string(h.lower), h.name)
	}
	assert.Equal(t, HeaderSecurityToken, signerHeaders[len(signerHeaders)-1].name, "Sign drops the last for long-term keys")
}
