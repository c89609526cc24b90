package legacyinterop

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/sign"
)

// The older SDK's AuthV4 signs objects with unusual but legal keys, queries
// and headers; a loopback server receives them as OSS would, and sign.Verify
// must accept each as it arrived and refuse it tampered (SPEC.md §4: the
// header form has Date and no x-oss-date, oss/auth.go getSignedStrV4).

const v4Bucket = "examplebucket"

type v4Case struct {
	name    string
	key     string
	options []oss.Option
	signed  string // a header sent that is signed, if any
}

var v4Cases = []v4Case{
	{name: "key with spaces and plus", key: "a b+c d.png"},
	{name: "key with percent and tilde", key: "100%25 ~done~.txt"},
	{name: "key with runs of slashes", key: "dir//sub///x/"},
	{name: "key in unicode", key: "报告/ünïcødé 🐱.pdf"},
	{name: "key with question mark and hash", key: "what?#frag=1&x.png"},
	{name: "process, empty and reserved parameters", key: "img.jpg", options: []oss.Option{
		oss.Process("image/resize,w_100/rotate,90"), oss.AddParam("acl", ""), oss.AddParam("prefix", "a/b c&d=e+f"),
		oss.ResponseContentType("text/plain; charset=utf-8"),
	}},
	{name: "user metadata in mixed case", key: "m.txt", signed: "X-Oss-Meta-Author",
		options: []oss.Option{oss.SetHeader("X-oss-META-Author", "  Ann  O'Neil "), oss.Meta("Empty-ish", "-")}},
	{name: "additional header signed", key: "h.txt", signed: "Content-Language",
		options: []oss.Option{oss.SetHeader("Content-Language", "en-GB")}},
}

// legacyV4 is the older SDK's client with AuthV4, an STS token with '+',
// '/' and '=', and Content-Language as an additional header.
func legacyV4(t *testing.T, endpoint string) *oss.Bucket {
	t.Helper()
	client, err := oss.New(endpoint, functionCreds.AccessKeyID, functionCreds.AccessKeySecret,
		oss.SecurityToken(stsToken), oss.AuthVersion(oss.AuthV4), oss.Region("cn-qingdao"),
		oss.AdditionalHeaders([]string{"Content-Language"}))
	require.NoError(t, err)
	b, err := client.Bucket(v4Bucket)
	require.NoError(t, err)
	return b
}

// stsToken has the characters of a base64 STS token that a URL must encode.
const stsToken = "CAIS+legacy/token==+/="

func verifyV4(r *http.Request, now time.Time, secret string) error {
	creds := sign.Credentials{AccessKeyID: functionCreds.AccessKeyID, AccessKeySecret: secret, SecurityToken: stsToken}
	_, err := sign.Verify(r, &sign.VerifyOptions{
		Region: "cn-qingdao", Bucket: v4Bucket, Key: strings.TrimPrefix(r.URL.Path, "/"+v4Bucket+"/"), Now: now,
		Lookup: func(id string) (sign.Credentials, bool) { return creds, id == creds.AccessKeyID },
	})
	return err
}

type v4Change struct {
	name   string
	apply  func(r *http.Request)
	later  time.Duration
	secret string
	accept bool
}

func v4Changes(c v4Case, query bool) []v4Change {
	window, expired := 14*time.Minute, 16*time.Minute // OSS's 15-minute skew
	if query {
		window, expired = 9*time.Minute, 11*time.Minute // the URL's 10 minutes
	}
	none := func(*http.Request) {}
	cs := []v4Change{
		{name: "as sent", apply: none, accept: true},
		{name: "an unsigned header changed", apply: func(r *http.Request) { r.Header.Set("User-Agent", "someone-else") }, accept: true},
		{name: "verified late but within the window", apply: none, later: window, accept: true},
		{name: "verified beyond the window", apply: none, later: expired},
		{name: "another secret for the key ID", apply: none, secret: "not-the-secret"},
		{name: "a parameter added to the query", apply: func(r *http.Request) { r.URL.RawQuery += "&acl" }},
		{name: "one byte of the path changed", apply: func(r *http.Request) { r.URL.Path += "x"; r.URL.RawPath = "" }},
	}
	if !query {
		cs = append(cs,
			v4Change{name: "the signed Date one second off", apply: func(r *http.Request) {
				d, err := http.ParseTime(r.Header.Get("Date"))
				if err == nil {
					r.Header.Set("Date", d.Add(time.Second).Format(http.TimeFormat))
				}
			}},
			v4Change{name: "the security token one byte off", apply: func(r *http.Request) {
				r.Header.Set("X-Oss-Security-Token", stsToken+"A")
			}})
	}
	if c.signed != "" {
		cs = append(cs, v4Change{name: "one byte of a signed header changed", apply: func(r *http.Request) {
			r.Header.Set(c.signed, r.Header.Get(c.signed)+"!")
		}})
	}
	return cs
}

func TestSignVerifyAcceptsExactlyWhatTheOlderSDKsV4Signed(t *testing.T) {
	forms := []struct {
		name  string
		query bool
		send  func(t *testing.T, b *oss.Bucket, c v4Case)
	}{
		{"Authorization header", false, func(t *testing.T, b *oss.Bucket, c v4Case) {
			body, err := b.GetObject(c.key, c.options...)
			require.NoError(t, err)
			require.NoError(t, body.Close())
		}},
		{"presigned GET", true, func(t *testing.T, b *oss.Bucket, c v4Case) {
			u, err := b.SignURL(c.key, oss.HTTPGet, 600, c.options...)
			require.NoError(t, err)
			body, err := b.GetObjectWithURL(u, c.options...)
			require.NoError(t, err)
			require.NoError(t, body.Close())
		}},
	}
	for _, form := range forms {
		for _, c := range v4Cases {
			t.Run(form.name+"/"+c.name, func(t *testing.T) {
				srv := newCapture(t)
				form.send(t, legacyV4(t, srv.URL), c)
				at := time.Now()
				got := srv.last(t)
				require.Equal(t, "/"+v4Bucket+"/"+c.key, got.URL.Path, "the key arrived intact")
				for _, ch := range v4Changes(c, form.query) {
					r := got.Clone(context.Background())
					ch.apply(r)
					secret := functionCreds.AccessKeySecret
					if ch.secret != "" {
						secret = ch.secret
					}
					err := verifyV4(r, at.Add(ch.later), secret)
					if ch.accept {
						assert.NoError(t, err, ch.name)
					} else {
						assert.Error(t, err, ch.name)
					}
				}
			})
		}
	}
}
