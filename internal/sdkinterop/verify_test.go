package sdkinterop

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/sign"
)

// The official SDK v2 signs requests with unusual but legal inputs; a
// loopback server receives them as OSS would, and sign.Verify must accept
// each as it arrived and refuse it tampered (SPEC.md §4).

const verifyBucket = "examplebucket"

// received is a request as a server got it, and when.
type received struct {
	req *http.Request
	at  time.Time
}

// wire is a loopback server that keeps the requests it receives.
func wire(t *testing.T) (*httptest.Server, chan received) {
	t.Helper()
	got := make(chan received, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got <- received{req: r.Clone(context.Background()), at: time.Now()}
		w.Header().Set("x-oss-request-id", "5C3D9175B6FC201293AD4890")
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

// wireCase is one request the SDK signs.
type wireCase struct {
	name       string
	key        string
	params     map[string]string
	headers    map[string]string
	additional []string // the SDK's Config.AdditionalHeaders
	signed     string   // a header of headers that is signed, if any
	token      string   // the STS security token; "" for an access key
}

var wireCases = []wireCase{
	{name: "key with spaces and plus", key: "a b+c d.png"},
	{name: "key with percent and tilde", key: "100%25 ~done~.txt"},
	{name: "key with runs of slashes", key: "dir//sub///x/"},
	{name: "key in unicode", key: "报告/ünïcødé 🐱.pdf"},
	{name: "key with question mark and hash", key: "what?#frag=1&x.png"},
	{name: "query with empty, reserved and process parameters", key: "img.jpg",
		params: map[string]string{"x-oss-process": "image/resize,w_100/rotate,90", "acl": "", "prefix": "a/b c&d=e+f", "response-content-type": "text/plain; charset=utf-8"}},
	{name: "user metadata in mixed case", key: "m.txt", signed: "X-Oss-Meta-Author",
		headers: map[string]string{"X-oss-META-Author": "  Ann  O'Neil ", "x-oss-meta-Empty-ish": "-"}},
	{name: "additional headers signed", key: "h.txt", signed: "Range",
		headers: map[string]string{"Range": "bytes=0-9", "If-Match": `"abc"`}, additional: []string{"range", "if-match"}},
	{name: "content type is signed by default", key: "c.txt", signed: "Content-Type",
		headers: map[string]string{"Content-Type": "text/plain; charset=utf-8"}},
	{name: "STS token with plus, slash and equals", key: "sts.txt", token: "CAIS+sts/token==+/="},
}

// sdkFor is an SDK v2 client for the loopback server, path style (an IP).
func sdkFor(endpoint string, c wireCase) *oss.Client {
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(functionCreds.AccessKeyID, functionCreds.AccessKeySecret, c.token)).
		WithRegion(region).WithEndpoint(endpoint).WithRetryMaxAttempts(1).
		WithAdditionalHeaders(c.additional)
	return oss.NewClient(cfg)
}

// sendSigned has the SDK sign c in the Authorization header and send it.
func sendSigned(t *testing.T, endpoint string, c wireCase) {
	_, err := sdkFor(endpoint, c).InvokeOperation(context.Background(), &oss.OperationInput{
		OpName: "GetObject", Method: "GET", Bucket: oss.Ptr(verifyBucket), Key: oss.Ptr(c.key),
		Parameters: c.params, Headers: c.headers,
	})
	require.NoError(t, err)
}

// sendPresigned has the SDK presign c for GET, valid ten minutes, and sends
// it with the headers the SDK says were signed.
func sendPresigned(t *testing.T, endpoint string, c wireCase) {
	res, err := sdkFor(endpoint, c).Presign(context.Background(), &oss.GetObjectRequest{
		Bucket: oss.Ptr(verifyBucket), Key: oss.Ptr(c.key),
		RequestCommon: oss.RequestCommon{Parameters: c.params, Headers: c.headers},
	}, oss.PresignExpires(10*time.Minute))
	require.NoError(t, err)
	req, err := http.NewRequest(res.Method, res.URL, nil)
	require.NoError(t, err)
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
}

// verifyAs verifies r as a server of examplebucket would, taking the key
// from the path as received.
func verifyAs(r *http.Request, now time.Time, secret, token string) error {
	creds := sign.Credentials{AccessKeyID: functionCreds.AccessKeyID, AccessKeySecret: secret, SecurityToken: token}
	_, err := sign.Verify(r, &sign.VerifyOptions{
		Region: region, Bucket: verifyBucket, Key: strings.TrimPrefix(r.URL.Path, "/"+verifyBucket+"/"), Now: now,
		Lookup: func(id string) (sign.Credentials, bool) { return creds, id == creds.AccessKeyID },
	})
	return err
}

// change is what a server sees differently from what the SDK signed.
type change struct {
	name   string
	apply  func(r *http.Request)
	later  time.Duration // the server's clock past the request's arrival
	secret string        // the server's secret for the key ID ("": the right one)
	accept bool
}

func changes(c wireCase, query bool) []change {
	window, expired := 14*time.Minute, 16*time.Minute // OSS's 15-minute skew
	if query {
		window, expired = 9*time.Minute, 11*time.Minute // the URL's 10 minutes
	}
	cs := []change{
		{name: "as sent", apply: func(*http.Request) {}, accept: true},
		{name: "an unsigned header changed", apply: func(r *http.Request) { r.Header.Set("User-Agent", "someone-else") }, accept: true},
		{name: "verified late but within the window", apply: func(*http.Request) {}, later: window, accept: true},
		{name: "verified beyond the window", apply: func(*http.Request) {}, later: expired},
		{name: "another secret for the key ID", apply: func(*http.Request) {}, secret: "not-the-secret"},
		{name: "a parameter added to the query", apply: func(r *http.Request) { r.URL.RawQuery += "&acl" }},
		{name: "one byte of the path changed", apply: func(r *http.Request) { r.URL.Path += "x"; r.URL.RawPath = "" }},
	}
	if !query {
		cs = append(cs, change{name: "x-oss-date one second off", apply: func(r *http.Request) {
			r.Header.Set("X-Oss-Date", bumpDigit(r.Header.Get("X-Oss-Date")))
		}})
	} else {
		cs = append(cs, change{name: "x-oss-date one second off", apply: func(r *http.Request) {
			q := r.URL.Query()
			q.Set("x-oss-date", bumpDigit(q.Get("x-oss-date")))
			r.URL.RawQuery = q.Encode()
		}}, change{name: "a longer x-oss-expires put before the signed one", later: expired, apply: func(r *http.Request) {
			r.URL.RawQuery = "x-oss-expires=604800&" + r.URL.RawQuery
		}})
	}
	if c.signed != "" {
		cs = append(cs, change{name: "one byte of a signed header changed", apply: func(r *http.Request) {
			r.Header.Set(c.signed, r.Header.Get(c.signed)+"!")
		}})
	}
	return cs
}

// bumpDigit changes the last second of "yyyymmddThhmmssZ" by one.
func bumpDigit(s string) string {
	if len(s) < 2 {
		return s + "0"
	}
	d := s[len(s)-2]
	if d == '9' {
		d = '8'
	} else {
		d++
	}
	return s[:len(s)-2] + string(d) + s[len(s)-1:]
}

func TestSignVerifyAcceptsExactlyWhatTheSDKSigned(t *testing.T) {
	forms := []struct {
		name  string
		query bool
		send  func(*testing.T, string, wireCase)
	}{
		{"Authorization header", false, sendSigned},
		{"presigned GET", true, sendPresigned},
	}
	for _, form := range forms {
		for _, c := range wireCases {
			t.Run(form.name+"/"+c.name, func(t *testing.T) {
				srv, got := wire(t)
				form.send(t, srv.URL, c)
				rcv := <-got
				require.Equal(t, "/"+verifyBucket+"/"+c.key, rcv.req.URL.Path, "the key arrived intact")
				for k, v := range c.params {
					require.Equal(t, v, rcv.req.URL.Query().Get(k), "parameter %s arrived", k)
				}
				for _, ch := range changes(c, form.query) {
					r := rcv.req.Clone(context.Background())
					ch.apply(r)
					secret := functionCreds.AccessKeySecret
					if ch.secret != "" {
						secret = ch.secret
					}
					err := verifyAs(r, rcv.at.Add(ch.later), secret, c.token)
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

// The SDK's client sets each header once; its signer takes repeated values
// too, and joins them with ',' in the order sent (SPEC.md §4).
func TestSignVerifyTakesRepeatedHeaderValuesInTheirOrder(t *testing.T) {
	srv, got := wire(t)
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/"+verifyBucket+"/r.txt?tagging", nil)
	require.NoError(t, err)
	req.Header.Add("X-Oss-Meta-Tag", " first ")
	req.Header.Add("X-Oss-Meta-Tag", "second")
	req.Header.Add("X-Oss-Meta-tag", "third")
	bucket, key, product, r := verifyBucket, "r.txt", "oss", region
	require.NoError(t, (&signer.SignerV4{}).Sign(context.Background(), &signer.SigningContext{
		Product: &product, Region: &r, Bucket: &bucket, Key: &key, Request: req, Time: time.Now(),
		Credentials: &credentials.Credentials{AccessKeyID: functionCreds.AccessKeyID, AccessKeySecret: functionCreds.AccessKeySecret},
	}))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	rcv := <-got
	require.Len(t, rcv.req.Header.Values("X-Oss-Meta-Tag"), 3, "sent as three lines")

	tests := []struct {
		name   string
		values []string
		accept bool
	}{
		{"as sent", rcv.req.Header.Values("X-Oss-Meta-Tag"), true},
		{"folded into one line", []string{"first,second,third"}, true},
		{"in another order", []string{"second", " first ", "third"}, false},
		{"one value left out", []string{" first ", "second"}, false},
		{"one byte changed", []string{" first ", "second", "thirD"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rcv.req.Clone(context.Background())
			r.Header["X-Oss-Meta-Tag"] = tt.values
			err := verifyAs(r, rcv.at, functionCreds.AccessKeySecret, "")
			if tt.accept {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}
