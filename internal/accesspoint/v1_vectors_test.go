package accesspoint

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/sign"
)

// v1Vector is one request of testdata/v1-vectors.json, signed by the older
// official Go SDK (made by internal/legacyinterop; its doc has the schema).
type v1Vector struct {
	Name        string `json:"name"`
	Credentials struct {
		AccessKeyID     string `json:"access_key_id"`
		AccessKeySecret string `json:"access_key_secret"`
		SecurityToken   string `json:"security_token"`
	} `json:"credentials"`
	Bucket  string              `json:"bucket"`
	Key     string              `json:"key"`
	Now     time.Time           `json:"now"`
	Method  string              `json:"method"`
	URI     string              `json:"uri"`
	Headers map[string][]string `json:"headers"`
}

func loadV1Vectors(t *testing.T) []v1Vector {
	t.Helper()
	b, err := os.ReadFile("../../testdata/v1-vectors.json")
	require.NoError(t, err)
	var f struct {
		Vectors []v1Vector `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(b, &f))
	require.NotEmpty(t, f.Vectors)
	return f.Vectors
}

func (v v1Vector) request(t *testing.T) *http.Request {
	t.Helper()
	u, err := url.ParseRequestURI(v.URI)
	require.NoError(t, err)
	h := http.Header{}
	for k, vs := range v.Headers {
		h[k] = append([]string(nil), vs...)
	}
	return &http.Request{Method: v.Method, URL: u, Header: h}
}

func (v v1Vector) options(now time.Time) v1Options {
	c := sign.Credentials{AccessKeyID: v.Credentials.AccessKeyID, AccessKeySecret: v.Credentials.AccessKeySecret, SecurityToken: v.Credentials.SecurityToken}
	return v1Options{bucket: v.Bucket, key: v.Key, now: now,
		lookup: func(id string) (sign.Credentials, bool) { return c, id == c.AccessKeyID }}
}

func verifyCode(err error) string {
	var ve *sign.VerifyError
	if errors.As(err, &ve) {
		return ve.Code
	}
	return ""
}

func TestV1VectorsOfTheOlderGoSDKVerify(t *testing.T) {
	for _, v := range loadV1Vectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			r := v.request(t)
			require.True(t, oldVersion(r) == 1, "a V1 request")
			assert.NoError(t, verifyOld(r, 1, v.options(v.Now)))

			// And the verifier can say no: each change is refused.
			query := r.URL.Query().Has("Signature")
			if query {
				assert.Equal(t, CodeAccessDenied, verifyCode(verifyOld(v.request(t), 1, v.options(v.Now.Add(2*time.Hour)))), "expired")
			} else {
				assert.Equal(t, CodeRequestTimeTooSkewed, verifyCode(verifyOld(v.request(t), 1, v.options(v.Now.Add(time.Hour)))), "skewed")
			}
			tampered := v.request(t)
			if query {
				q := tampered.URL.Query()
				q.Set("Expires", q.Get("Expires")+"0")
				tampered.URL.RawQuery = q.Encode()
			} else {
				tampered.Header.Set("X-Oss-Signed-By-Nobody", "added")
			}
			assert.Equal(t, CodeSignatureDoesNotMatch, verifyCode(verifyOld(tampered, 1, v.options(v.Now))), "a changed request")

			other := v.options(v.Now)
			other.bucket, other.key = "another-bucket", "k"
			assert.Equal(t, CodeSignatureDoesNotMatch, verifyCode(verifyOld(v.request(t), 1, other)), "another resource")

			wrong := v.request(t)
			if query {
				q := wrong.URL.Query()
				q.Set("Signature", strings.Repeat("A", 27)+"=")
				wrong.URL.RawQuery = q.Encode()
			} else {
				a := wrong.Header.Get("Authorization")
				wrong.Header.Set("Authorization", a[:strings.IndexByte(a, ':')+1]+strings.Repeat("A", 27)+"=")
			}
			assert.Equal(t, CodeSignatureDoesNotMatch, verifyCode(verifyOld(wrong, 1, v.options(v.Now))), "another signature")
		})
	}
}
