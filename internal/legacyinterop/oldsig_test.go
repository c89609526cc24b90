package legacyinterop

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/accesspoint"
)

// The older SDK signs WriteGetObjectResponse with V1 and V2, in the
// Authorization header and as a presigned URL, with unusual but legal
// parameters and headers and an STS token with '+', '/' and '='. The
// emulator must accept each as sent and refuse it tampered (SPEC.md §4).

// writeQuery is the sub-resource of WriteGetObjectResponse (SPEC.md §3).
const writeQuery = "x-oss-write-get-object-response"

type oldForm struct {
	name    string
	version oss.AuthVersionType
	query   bool
}

var oldForms = []oldForm{
	{"V1 header", oss.AuthV1, false},
	{"V1 URL", oss.AuthV1, true},
	{"V2 header", oss.AuthV2, false},
	{"V2 URL", oss.AuthV2, true},
}

type oldCase struct {
	name    string
	params  map[string]string
	headers map[string]string
}

var oldCases = []oldCase{
	{name: "process and reserved sub-resources", params: map[string]string{
		"x-oss-process": "image/resize,w_100/rotate,90", "response-content-type": "text/plain; charset=utf-8 &=+"}},
	{name: "an empty sub-resource", params: map[string]string{"acl": ""}},
	{name: "unicode and reserved characters in values", params: map[string]string{
		"x-oss-process": "中文/a b~*'()!", "response-content-disposition": `attachment; filename="ü a.txt"`}},
	{name: "plus and tilde in names", params: map[string]string{"a+b": "c+d", "tilde~": "~"}},
	// Not "  Ann ": the SDK signs a value untrimmed, and net/http trims it.
	{name: "user metadata in mixed case", headers: map[string]string{"X-oss-META-Author": "Ann  O'Neil"}},
	{name: "an additional header", headers: map[string]string{"Content-Language": "en-GB"}},
}

// oldChange is what differs from a plain signing: the secret or Date the
// SDK signs with, or what happens to the request on its way.
type oldChange struct {
	name   string
	secret string
	age    time.Duration // how old the signed Date is (header forms)
	apply  func(r *http.Request)
	accept func(f oldForm) bool
}

func always(oldForm) bool { return true }
func never(oldForm) bool  { return false }

var oldChanges = []oldChange{
	{name: "as sent", accept: always},
	{name: "an unsigned header changed", apply: func(r *http.Request) { r.Header.Set("User-Agent", "someone-else") }, accept: always},
	{name: "a parameter that is no sub-resource added", apply: func(r *http.Request) { r.URL.RawQuery += "&prefix=x" },
		accept: func(f oldForm) bool { return f.version == oss.AuthV1 }}, // V1 signs sub-resources only, V2 every parameter
	{name: "a sub-resource added", apply: func(r *http.Request) { r.URL.RawQuery += "&tagging" }, accept: never},
	{name: "x-oss-fwd-status changed", apply: func(r *http.Request) { r.Header.Set("X-Oss-Fwd-Status", "404") }, accept: never},
	{name: "the security token one byte off", apply: func(r *http.Request) {
		if r.Header.Get("X-Oss-Security-Token") != "" {
			r.Header.Set("X-Oss-Security-Token", stsToken+"A")
			return
		}
		q := r.URL.Query()
		q.Set("security-token", stsToken+"A")
		r.URL.RawQuery = q.Encode()
	}, accept: never},
	{name: "another secret", secret: "not-the-secret", accept: never},
	{name: "a Date 14 minutes old", age: 14 * time.Minute, accept: always},
	{name: "a Date 16 minutes old", age: 16 * time.Minute, accept: func(f oldForm) bool { return f.query }}, // a URL signs Expires, not Date
}

// tamper is a transport that changes each request before it leaves.
type tamper func(r *http.Request)

func (t tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if t != nil {
		t(r)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// sendOld has the older SDK sign and send a WriteGetObjectResponse.
func sendOld(ev StructEvent, f oldForm, c oldCase, ch oldChange) error {
	route, secret := ev.GetObjectContext.OutputRoute, functionCreds.AccessKeySecret
	if ch.secret != "" {
		secret = ch.secret
	}
	client, err := oss.New(route, functionCreds.AccessKeyID, secret, oss.SecurityToken(stsToken),
		oss.AuthVersion(f.version), oss.AdditionalHeaders([]string{"Content-Language"}),
		oss.HTTPClient(&http.Client{Transport: tamper(ch.apply)}))
	if err != nil {
		return err
	}
	headers := map[string]string{"x-oss-request-route": route, "x-oss-request-token": ev.GetObjectContext.OutputToken, "x-oss-fwd-status": "200"}
	for k, v := range c.headers {
		headers[k] = v
	}
	if ch.age != 0 {
		headers["Date"] = time.Now().Add(-ch.age).UTC().Format(http.TimeFormat)
	}
	var resp *oss.Response
	if f.query {
		opts := []oss.Option{oss.AddParam(writeQuery, "")}
		for k, v := range c.params {
			opts = append(opts, oss.AddParam(k, v))
		}
		for k, v := range headers {
			if k != "Date" { // a URL signs Expires where Date goes; the SDK would sign Date there
				opts = append(opts, oss.SetHeader(k, v))
			}
		}
		u, err := (&oss.Bucket{Client: *client}).SignURL("unused", oss.HTTPPost, 600, opts...)
		if err != nil {
			return err
		}
		resp, err = client.Conn.DoURL(oss.HTTPPost, u, headers, bytes.NewReader(redPNG()), 0, nil)
		if err != nil {
			return err
		}
	} else {
		params := map[string]interface{}{writeQuery: nil}
		for k, v := range c.params {
			params[k] = v
		}
		resp, err = client.Conn.Do("POST", "", "", params, headers, bytes.NewReader(redPNG()), 0, nil)
		if err != nil {
			return err
		}
	}
	return resp.Body.Close()
}

func TestTheEmulatorAcceptsExactlyWhatTheOlderSDKSignedWithV1AndV2(t *testing.T) {
	creds := functionCreds
	creds.SecurityToken = stsToken
	for _, f := range oldForms {
		for _, c := range oldCases {
			t.Run(f.name+"/"+c.name, func(t *testing.T) {
				var ch oldChange
				results := make(chan error, 1)
				s, err := accesspoint.New(accesspoint.Config{Credentials: creds, Region: "cn-qingdao", Timeout: 20 * time.Second,
					Function: accesspoint.InvokerFunc(func(ctx context.Context, inv *accesspoint.Invocation) error {
						ev := parse(t, inv.Event)
						err := sendOld(ev, f, c, ch)
						results <- err
						if err == nil {
							return nil
						}
						return sendOld(ev, f, c, oldChange{}) // so that the caller is served
					})})
				require.NoError(t, err)
				require.NoError(t, s.Start(""))
				t.Cleanup(func() { _ = s.Close() })
				for _, ch = range oldChanges {
					resp, err := http.Get(s.URL() + "/example.png")
					require.NoError(t, err)
					got, err := io.ReadAll(resp.Body)
					require.NoError(t, err)
					require.NoError(t, resp.Body.Close())
					require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", ch.name, got)
					err = <-results
					if ch.accept(f) {
						assert.NoError(t, err, "%s: %+v", ch.name, err)
						continue
					}
					var serr oss.ServiceError
					if assert.True(t, errors.As(err, &serr), "%s: the SDK reports an OSS service error, got %v", ch.name, err) {
						assert.Equal(t, http.StatusForbidden, serr.StatusCode, ch.name)
					}
				}
			})
		}
	}
}
