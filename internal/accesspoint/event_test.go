package accesspoint

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A caller's signed URL (V4, V2 or V1) reaches the function's event without
// its signature, security token and other signing parameters, as its
// Authorization header does not: S3 Object Lambda's userRequest.url
// excludes "any authorization-related request parameters".
func TestEventLeavesOutTheSignatureOfACallersSignedURL(t *testing.T) {
	events := make(chan string, 1)
	s := start(t, Config{Function: InvokerFunc(func(ctx context.Context, inv *Invocation) error {
		events <- string(inv.Event)
		return send(ctx, inv, parseEvent(t, inv), reply{}).err
	})})
	for _, query := range []string{
		"x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=caller-key%2F20261201%2Fcn-qingdao%2Foss%2Faliyun_v4_request&x-oss-date=20261201T120000Z&x-oss-expires=60&x-oss-security-token=caller-sts-token&x-oss-signature=caller-signature",
		"x-oss-signature-version=OSS2&x-oss-access-key-id=caller-key&x-oss-expires=1&x-oss-additional-headers=host&security-token=caller-sts-token&x-oss-signature=caller-signature",
		"OSSAccessKeyId=caller-key&Expires=1&Signature=caller-signature&security-token=caller-sts-token",
	} {
		resp, _, err := get(t, s, "k?versionId=7&"+query, nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		ev := receive(t, events)
		for _, secret := range []string{"caller-signature", "caller-sts-token", "caller-key"} {
			assert.NotContains(t, ev, secret)
		}
		assert.Contains(t, ev, `"url":"`+s.URL()+`/k?versionId=7"`)
	}
}
