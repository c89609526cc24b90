package accesspoint

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/wgor-dev/wgor/internal/oss"
)

// A V1 StringToSign joins the values of a header sent twice: every value of
// the request token and of the security token is hidden in it, not only
// the first.
func TestV1StringToSignHidesEveryValueOfATokenHeader(t *testing.T) {
	noToken := testCreds
	noToken.SecurityToken = "" // then any x-oss-security-token is taken
	const otherToken, otherSTS = "OSSV1#another-invocations-token", "CAIS-another-sts-token"
	for _, c := range []Config{{}, {Credentials: noToken}} {
		wrongSecret := c.Credentials
		if wrongSecret.AccessKeyID == "" {
			wrongSecret = testCreds
		}
		wrongSecret.AccessKeySecret = "not-the-secret"
		a := refusedThenServed(t, c, v1Reply(v1Signing{creds: wrongSecret}, func(r *http.Request) {
			r.Header.Add(oss.HeaderToken, otherToken)
			r.Header.Add(oss.HeaderSecurityToken, otherSTS)
		}))
		assert.Equal(t, CodeSignatureDoesNotMatch, parseXMLError(t, a.body).Code)
		noSecrets(t, a.body, otherToken, otherSTS)
	}
}
