package legacyinterop

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/accesspoint"
	"github.com/wgor-dev/wgor/sign"
)

var functionCreds = sign.Credentials{
	AccessKeyID:     "STS.NLegacyInteropKeyId",
	AccessKeySecret: "legacy-interop-access-key-secret",
	SecurityToken:   "CAIS-legacy-interop-security-token",
}

// The event, as the seed's Go function declares it.
type GetObjectContext struct {
	InputOssUrl string `json:"inputOssUrl"`
	OutputRoute string `json:"outputRoute"`
	OutputToken string `json:"outputToken"`
}

type StructEvent struct {
	GetObjectContext GetObjectContext `json:"getObjectContext"`
}

// redPNG is the seed's image: 200x200, red.
func redPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 200, 200))
	draw.Draw(img, img.Bounds(), &image.Uniform{C: color.RGBA{R: 255, A: 255}}, image.Point{}, draw.Src)
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// handleRequest is the seed's Go function as the OSS user guide writes it
// ("Use Function Compute to process GetObject requests"): the older SDK, the
// route as the endpoint, the region by hand, the POST made with Conn.Do.
// The credentials come from the invocation where the seed reads
// fccontext.FromContext(ctx).Credentials. options are the client options
// after the credentials: oss.AuthVersion(oss.AuthV4) and oss.Region in the
// seed, none for the SDK's default V1.
func handleRequest(ctx context.Context, event StructEvent, creds sign.Credentials, options ...oss.ClientOption) (string, error) {
	endpoint := event.GetObjectContext.OutputRoute
	fwdStatus := "200"
	options = append([]oss.ClientOption{oss.SecurityToken(creds.SecurityToken)}, options...)
	client, err := oss.New(endpoint, creds.AccessKeyID, creds.AccessKeySecret, options...)
	if err != nil {
		return "", err
	}
	body := bytes.NewReader(redPNG())
	headers := make(map[string]string)
	headers["x-oss-request-route"] = event.GetObjectContext.OutputRoute
	headers["x-oss-request-token"] = event.GetObjectContext.OutputToken
	headers["x-oss-fwd-status"] = fwdStatus
	params := map[string]interface{}{"x-oss-write-get-object-response": nil}
	resp, err := client.Conn.Do("POST", "", "", params, headers, body, 0, nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	return fmt.Sprintf("Response status code: %d", resp.StatusCode), nil
}

// start runs the emulator, signed for cn-qingdao as the seed signs, with fn.
func start(t *testing.T, fn accesspoint.InvokerFunc) *accesspoint.Server {
	t.Helper()
	s, err := accesspoint.New(accesspoint.Config{Credentials: functionCreds, Region: "cn-qingdao", Function: fn, Timeout: 20 * time.Second})
	require.NoError(t, err)
	require.NoError(t, s.Start(""))
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func parse(t *testing.T, data []byte) StructEvent {
	t.Helper()
	var ev StructEvent
	require.NoError(t, json.Unmarshal(data, &ev))
	return ev
}

var signings = []struct {
	name    string
	options []oss.ClientOption
}{
	{"V4 as the seed (AuthV4, Date only)", []oss.ClientOption{oss.AuthVersion(oss.AuthV4), oss.Region("cn-qingdao")}},
	{"the SDK's default V1", nil},
	{"V2 (AuthV2, Authorization: OSS2 …)", []oss.ClientOption{oss.AuthVersion(oss.AuthV2)}},
}

func TestTheSeedsGoFunctionReachesTheCallerByteExact(t *testing.T) {
	want := redPNG()
	for _, sg := range signings {
		t.Run(sg.name, func(t *testing.T) {
			results := make(chan string, 1)
			s := start(t, func(ctx context.Context, inv *accesspoint.Invocation) error {
				out, err := handleRequest(ctx, parse(t, inv.Event), inv.Credentials, sg.options...)
				results <- fmt.Sprint(out, err)
				return err
			})
			resp, err := http.Get(s.URL() + "/example.png")
			require.NoError(t, err)
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", got)
			assert.Equal(t, want, got, "the caller got the seed's PNG byte for byte")
			assert.Equal(t, int64(len(want)), resp.ContentLength)
			assert.Equal(t, "Response status code: 200<nil>", <-results)
		})
	}
}

func TestTheOlderSDKSeesOSSErrors(t *testing.T) {
	wrong := functionCreds
	wrong.AccessKeySecret = "not-the-secret"
	for _, sg := range signings {
		t.Run(sg.name, func(t *testing.T) {
			results := make(chan error, 1)
			s := start(t, func(ctx context.Context, inv *accesspoint.Invocation) error {
				ev := parse(t, inv.Event)
				_, err := handleRequest(ctx, ev, wrong, sg.options...)
				results <- err
				_, err = handleRequest(ctx, ev, inv.Credentials, sg.options...)
				return err
			})
			resp, err := http.Get(s.URL() + "/example.png")
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode, "the refusal left the token usable")

			var serr oss.ServiceError
			require.True(t, errors.As(<-results, &serr), "the SDK reports an OSS service error")
			assert.Equal(t, http.StatusForbidden, serr.StatusCode)
			assert.Equal(t, "SignatureDoesNotMatch", serr.Code)
			assert.Regexp(t, `^[0-9A-F]{24}$`, serr.RequestID)
			assert.NotContains(t, serr.RawMessage, functionCreds.SecurityToken)
		})
	}
}
