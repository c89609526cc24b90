package sign_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/sign"
)

// hmacHex is the hex HMAC-SHA256 of data under key, and hmacRaw the raw one.
func hmacRaw(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signDateOnly signs req as the older official Go SDK does with AuthV4 and no
// x-oss-date (aliyun-oss-go-sdk oss/auth.go, getSignedStrV4): the Date
// header's text is the string to sign's second line, its day the scope's.
// It is written from SPEC.md §4, independently of package sign.
func signDateOnly(t *testing.T, req *http.Request, c sign.Credentials, at time.Time) {
	t.Helper()
	date := at.UTC().Format(http.TimeFormat)
	day := at.UTC().Format("20060102")
	req.Header.Set("Date", date)
	req.Header.Set("X-Oss-Content-Sha256", sign.UnsignedPayload)
	if c.SecurityToken != "" {
		req.Header.Set("X-Oss-Security-Token", c.SecurityToken)
	}
	canonical := refCanonicalRequest(req.Method, "", "", req.URL.RawQuery, req.Header, nil, sign.UnsignedPayload)
	sum := sha256.Sum256([]byte(canonical))
	scope := day + "/cn-qingdao/oss/aliyun_v4_request"
	sts := "OSS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	key := hmacRaw([]byte("aliyun_v4"+c.AccessKeySecret), day)
	key = hmacRaw(key, "cn-qingdao")
	key = hmacRaw(key, "oss")
	key = hmacRaw(key, "aliyun_v4_request")
	req.Header.Set("Authorization", "OSS4-HMAC-SHA256 Credential="+c.AccessKeyID+"/"+scope+
		",Signature="+hex.EncodeToString(hmacRaw(key, sts)))
}

func refusal(t *testing.T, err error) *sign.VerifyError {
	t.Helper()
	var ve *sign.VerifyError
	require.ErrorAs(t, err, &ve)
	assert.NotContains(t, err.Error(), testSecret)
	assert.NotContains(t, err.Error(), testToken)
	return ve
}

func TestVerifyAcceptsDateOnlyV4(t *testing.T) {
	req := wgorRequest(t)
	signDateOnly(t, req, testCreds, testTime)
	require.Empty(t, req.Header.Get("X-Oss-Date"))
	v, err := sign.Verify(req, verifyOpts())
	require.NoError(t, err)
	assert.Equal(t, testTime, v.Time)

	t.Run("tampered", func(t *testing.T) {
		r := wgorRequest(t)
		signDateOnly(t, r, testCreds, testTime)
		r.Header.Set("X-Oss-Fwd-Status", "404")
		ve := refusal(t, must(sign.Verify(r, verifyOpts())))
		assert.Equal(t, "SignatureDoesNotMatch", ve.Code)
		assert.Equal(t, "0002-00000201", ve.EC)
		assert.True(t, strings.HasPrefix(ve.StringToSign, "OSS4-HMAC-SHA256\nTue, 24 Nov 2026 12:00:00 GMT\n20261124/"), ve.StringToSign)
		assert.Contains(t, ve.CanonicalRequest, "x-oss-fwd-status:404\n")
	})
	t.Run("credential of another day", func(t *testing.T) {
		r := wgorRequest(t)
		signDateOnly(t, r, testCreds, testTime)
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20261124/", "/20261123/", 1))
		ve := refusal(t, must(sign.Verify(r, verifyOpts())))
		assert.Equal(t, "InvalidArgument", ve.Code)
	})
	t.Run("date not in GMT form", func(t *testing.T) {
		r := wgorRequest(t)
		signDateOnly(t, r, testCreds, testTime)
		r.Header.Set("Date", "20261124T120000Z")
		ve := refusal(t, must(sign.Verify(r, verifyOpts())))
		assert.Equal(t, "AccessDenied", ve.Code)
		assert.Equal(t, "0002-00000502", ve.EC)
	})
	t.Run("no date at all", func(t *testing.T) {
		r := wgorRequest(t)
		signDateOnly(t, r, testCreds, testTime)
		r.Header.Del("Date")
		ve := refusal(t, must(sign.Verify(r, verifyOpts())))
		assert.Equal(t, "AccessDenied", ve.Code)
		assert.Equal(t, "0002-00000503", ve.EC)
	})
}

// must returns the error of a (value, error) pair.
func must[T any](_ T, err error) error { return err }

func TestVerifyRefusesSkewedHeaderSigning(t *testing.T) {
	forms := map[string]func(*http.Request, time.Time){
		"x-oss-date": func(r *http.Request, at time.Time) {
			require.NoError(t, sign.Sign(r, &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: at}))
		},
		"Date only": func(r *http.Request, at time.Time) { signDateOnly(t, r, testCreds, at) },
	}
	cases := []struct {
		name   string
		offset time.Duration // signing time minus the server's clock
		ok     bool
	}{
		{"15 minutes behind", -15 * time.Minute, true},
		{"15 minutes ahead", 15 * time.Minute, true},
		{"16 minutes behind", -16 * time.Minute, false},
		{"16 minutes ahead", 16 * time.Minute, false},
		{"a year ahead", 365 * 24 * time.Hour, false},
	}
	for form, signAt := range forms {
		for _, c := range cases {
			t.Run(form+"/"+c.name, func(t *testing.T) {
				r := wgorRequest(t)
				signAt(r, testTime.Add(c.offset))
				_, err := sign.Verify(r, verifyOpts())
				if c.ok {
					assert.NoError(t, err)
					return
				}
				ve := refusal(t, err)
				assert.Equal(t, "RequestTimeTooSkewed", ve.Code)
				assert.Equal(t, "0002-00000504", ve.EC)
			})
		}
	}
	t.Run("MaxSkew", func(t *testing.T) {
		r := wgorRequest(t)
		forms["x-oss-date"](r, testTime.Add(2*time.Minute))
		vo := verifyOpts()
		vo.MaxSkew = time.Minute
		assert.Equal(t, "RequestTimeTooSkewed", refusal(t, must(sign.Verify(r, vo))).Code)
	})
}

func TestVerifyPresignedLifetime(t *testing.T) {
	presign := func(t *testing.T, at time.Time, ttl time.Duration) *http.Request {
		req, err := http.NewRequest(http.MethodGet, "https://b.oss-cn-qingdao.aliyuncs.com/k", nil)
		require.NoError(t, err)
		signed, err := sign.Presign(req, &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: at, Bucket: "b", Key: "k", Expires: ttl})
		require.NoError(t, err)
		got, err := http.NewRequest(http.MethodGet, signed, nil)
		require.NoError(t, err)
		return got
	}
	vo := func() *sign.VerifyOptions {
		return &sign.VerifyOptions{Region: "cn-qingdao", Bucket: "b", Key: "k", Lookup: lookup(testCreds), Now: testTime}
	}
	cases := []struct {
		name     string
		req      func(t *testing.T) *http.Request
		code, ec string
	}{
		{"seven days old, valid seven days", func(t *testing.T) *http.Request {
			return presign(t, testTime.Add(-7*24*time.Hour+time.Second), 7*24*time.Hour)
		}, "", ""},
		{"dated 15 minutes ahead", func(t *testing.T) *http.Request { return presign(t, testTime.Add(15*time.Minute), time.Minute) }, "", ""},
		{"dated 16 minutes ahead", func(t *testing.T) *http.Request {
			return presign(t, testTime.Add(16*time.Minute), time.Hour)
		}, "AccessDenied", "0002-00000235"},
		{"dated ten years ahead", func(t *testing.T) *http.Request {
			return presign(t, testTime.AddDate(10, 0, 0), time.Hour)
		}, "AccessDenied", "0002-00000235"},
		{"expired", func(t *testing.T) *http.Request { return presign(t, testTime.Add(-time.Hour-time.Second), time.Hour) }, "AccessDenied", ""},
		{"x-oss-expires above seven days", func(t *testing.T) *http.Request {
			r := presign(t, testTime, time.Hour)
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "x-oss-expires=3600", "x-oss-expires=604801", 1)
			return r
		}, "InvalidArgument", "0002-00000232"},
		{"x-oss-expires zero", func(t *testing.T) *http.Request {
			r := presign(t, testTime, time.Hour)
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "x-oss-expires=3600", "x-oss-expires=0", 1)
			return r
		}, "InvalidArgument", "0002-00000232"},
		{"payload hash header", func(t *testing.T) *http.Request {
			r := presign(t, testTime, time.Hour)
			r.Header.Set("X-Oss-Content-Sha256", "e3b0c442")
			return r
		}, "InvalidArgument", "0002-00000214"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := sign.Verify(c.req(t), vo())
			if c.code == "" {
				assert.NoError(t, err)
				return
			}
			ve := refusal(t, err)
			assert.Equal(t, c.code, ve.Code)
			assert.Equal(t, c.ec, ve.EC)
		})
	}
}

func TestVerifyRefusesPayloadHashOtherThanUnsigned(t *testing.T) {
	for _, v := range []string{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "", "unsigned-payload", " UNSIGNED-PAYLOAD"} {
		t.Run(v, func(t *testing.T) {
			r := wgorRequest(t)
			require.NoError(t, sign.Sign(r, &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: testTime}))
			r.Header.Set("X-Oss-Content-Sha256", v)
			ve := refusal(t, must(sign.Verify(r, verifyOpts())))
			assert.Equal(t, "InvalidArgument", ve.Code)
			assert.Equal(t, "0002-00000214", ve.EC)
		})
	}
	t.Run("absent", func(t *testing.T) {
		// OSS documents no requirement to send it; the payload line is
		// UNSIGNED-PAYLOAD all the same.
		r := wgorRequest(t)
		require.NoError(t, sign.Sign(r, &sign.Options{Credentials: testCreds, Region: "cn-qingdao", Time: testTime}))
		r.Header.Del("X-Oss-Content-Sha256")
		ve := refusal(t, must(sign.Verify(r, verifyOpts())))
		assert.Equal(t, "SignatureDoesNotMatch", ve.Code, "the header is signed, so removing it breaks the signature")
	})
}

func TestVerifyRefusesNonV4AuthorizationAsInvalidArgument(t *testing.T) {
	for _, auth := range []string{"OSS LTAI5tTestKey:c2lnbmF0dXJl", "OSS2 AccessKeyId:LTAI5tTestKey,Signature:x", "Bearer x"} {
		r := wgorRequest(t)
		r.Header.Set("Authorization", auth)
		r.Header.Set("Date", testTime.Format(http.TimeFormat))
		ve := refusal(t, must(sign.Verify(r, verifyOpts())))
		assert.Equal(t, "InvalidArgument", ve.Code, auth)
		assert.Contains(t, ve.Message, "OSS4-HMAC-SHA256", auth)
	}
}
