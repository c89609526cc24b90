package sign_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/wgor-dev/wgor/sign"
)

// TestCredentialsNeverPrintTheirSecrets prints Credentials with every fmt
// verb, as a value, a pointer and a field, and logs them with slog's text
// and JSON handlers: only the access key ID shows.
func TestCredentialsNeverPrintTheirSecrets(t *testing.T) {
	c := testCreds
	holder := struct{ C sign.Credentials }{c}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s", "%T"} {
		for _, v := range []any{c, &c, holder, []sign.Credentials{c}} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, testSecret, verb)
			assert.NotContains(t, out, testToken, verb)
		}
	}
	assert.Contains(t, fmt.Sprint(c), c.AccessKeyID)
	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var b bytes.Buffer
		slog.New(h(&b)).Info("signing", "creds", c, "ptr", &c)
		assert.Contains(t, b.String(), c.AccessKeyID)
		assert.NotContains(t, b.String(), testSecret)
		assert.NotContains(t, b.String(), testToken)
	}
}
