package redact

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMayHoldFindsEveryFormAScrubberRemoves(t *testing.T) {
	secrets := []string{"OSSV1#tab\there \"quoted\" <&> +/= *star", "SECRET-\"quote\"-\ttab", "STS token with spaces * and %"}
	for _, secret := range secrets {
		s := New(secret)
		for _, form := range s.forms {
			text := "before " + form + " after"
			assert.True(t, MayHold(text, secrets...), "form %q", form)
			assert.NotEqual(t, text, s.String(text), "the Scrubber removes form %q", form)
		}
	}
	assert.False(t, MayHold("Server: AliyunOSS, x-oss-request-id: 65A8B3C2", secrets...))
	assert.True(t, MayHold("anything", "#-#-#-#"), "a secret without a long run may be anywhere")
	assert.True(t, MayHold("x=abcdef123", "https://b.example/o?x-oss-signature=abcdef123&x=1"), "a URL's signature counts")
}
