package sdkinterop

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/accesspoint"
	"github.com/wgor-dev/wgor/sign"
)

var functionCreds = sign.Credentials{
	AccessKeyID:     "STS.NSdkInteropKeyId",
	AccessKeySecret: "sdk-interop-access-key-secret",
	SecurityToken:   "CAIS-sdk-interop-security-token",
}

const region = "cn-qingdao"

// redPNG is the seed example's response: a 200x200 red PNG.
func redPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 200, 200))
	for y := range 200 {
		for x := range 200 {
			img.Set(x, y, color.RGBA{R: 255, A: 255})
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

// getObjectContext is the part of the event a function reads.
type getObjectContext struct {
	OutputRoute string `json:"outputRoute"`
	OutputToken string `json:"outputToken"`
}

func parseEvent(t testing.TB, data []byte) getObjectContext {
	t.Helper()
	var ev struct {
		GetObjectContext getObjectContext `json:"getObjectContext"`
	}
	require.NoError(t, json.Unmarshal(data, &ev))
	return ev.GetObjectContext
}

// sdkClient is an OSS Go SDK v2 client as a function builds it: the
// invocation's STS credentials, the region, and the route as the endpoint.
func sdkClient(route string, creds sign.Credentials, region string) *oss.Client {
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(
			creds.AccessKeyID, creds.AccessKeySecret, creds.SecurityToken)).
		WithRegion(region).
		WithEndpoint(route). // "http://127.0.0.1:<port>": an IP, so path style; no bucket, so the host as is
		WithRetryMaxAttempts(1)
	return oss.NewClient(cfg)
}

// start runs the emulator with fn as the function.
func start(t testing.TB, fn accesspoint.InvokerFunc) *accesspoint.Server {
	return startWith(t, fn, functionCreds)
}

// startWith runs the emulator with fn as the function and creds as the
// only credentials it accepts.
func startWith(t testing.TB, fn accesspoint.InvokerFunc, creds sign.Credentials) *accesspoint.Server {
	t.Helper()
	s, err := accesspoint.New(accesspoint.Config{
		Credentials: creds,
		Region:      region,
		Function:    fn,
		Timeout:     20 * time.Second,
	})
	require.NoError(t, err)
	require.NoError(t, s.Start(""))
	t.Cleanup(func() { _ = s.Close() })
	return s
}

type recorder struct{ requests chan *http.Request }

func (r recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	select {
	case r.requests <- req:
	default:
	}
	return http.DefaultTransport.RoundTrip(req)
}
