package redpng_test

import (
	"bytes"
	"encoding/json"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/redpng"
	"github.com/wgor-dev/wgor/sign"
	"github.com/wgor-dev/wgor/wgor/fcrt"
	"github.com/wgor-dev/wgor/wgor/wgortest"
)

const (
	keyID  = "LTAI5tRedPNG"
	secret = "REDPNG-SECRET-never-print"
	token  = "REDPNG-STS-never-print"
)

func TestPNGIsARedSquare(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(redpng.PNG()))
	require.NoError(t, err)
	assert.Equal(t, redpng.Size, img.Bounds().Dx())
	assert.Equal(t, redpng.Size, img.Bounds().Dy())
	for _, p := range [][2]int{{0, 0}, {199, 199}, {100, 57}} {
		assert.Equal(t, color.RGBAModel.Convert(redpng.Red), color.RGBAModel.Convert(img.At(p[0], p[1])))
	}
}

// fakeOSS is an access point that checks the signature and records what
// it received.
func fakeOSS(t *testing.T, region string) (*httptest.Server, chan *http.Request, chan []byte) {
	reqs, bodies := make(chan *http.Request, 1), make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := sign.Verify(r, &sign.VerifyOptions{Region: region, Lookup: func(id string) (sign.Credentials, bool) {
			return sign.Credentials{AccessKeyID: keyID, AccessKeySecret: secret, SecurityToken: token}, id == keyID
		}})
		body, _ := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, "<Error><Code>SignatureDoesNotMatch</Code></Error>")
			return
		}
		reqs <- r
		bodies <- body
		w.Header().Set("X-Oss-Request-Id", "5C3D9175B6FC201293AD4890")
	}))
	t.Cleanup(srv.Close)
	return srv, reqs, bodies
}

func event(route string) string {
	b, _ := json.Marshal(map[string]any{"getObjectContext": map[string]string{
		"outputRoute": route, "outputToken": "OSSV1#tok", "inputOssUrl": route + "/o.png",
	}})
	return string(b)
}

func invoke(t *testing.T, h http.Handler, ev string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/invoke", strings.NewReader(ev))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestRuntimeAnswersWithTheInvocationsCredentials(t *testing.T) {
	oss, reqs, bodies := fakeOSS(t, "cn-shanghai")
	rec := invoke(t, fcrt.NewCustomRuntime(redpng.Handler, nil), event(oss.URL), map[string]string{
		"x-fc-request-id": "req-1", "x-fc-access-key-id": keyID, "x-fc-access-key-secret": secret,
		"x-fc-security-token": token, "x-fc-region": "cn-shanghai",
	})
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, "200", rec.Header().Get("X-Fc-Status"))
	r := <-reqs
	assert.Equal(t, "image/png", r.Header.Get("X-Oss-Fwd-Header-Content-Type"))
	assert.Equal(t, "200", r.Header.Get("X-Oss-Fwd-Status"))
	assert.Equal(t, "OSSV1#tok", r.Header.Get("X-Oss-Request-Token"))
	assert.Equal(t, redpng.PNG(), <-bodies)
}

func TestRuntimeReportsFailuresAsFunctionCompute(t *testing.T) {
	oss, _, _ := fakeOSS(t, "cn-shanghai")
	cases := []struct {
		name string
		ev   string
		hdr  map[string]string
		want string
	}{
		{"no credentials", event(oss.URL), map[string]string{"x-fc-region": "cn-shanghai"}, "x-fc-access-key-id"},
		{"not an event", "{", map[string]string{"x-fc-access-key-id": keyID, "x-fc-access-key-secret": secret}, "event"},
		{"wrong secret", event(oss.URL), map[string]string{"x-fc-access-key-id": keyID, "x-fc-access-key-secret": "wrong",
			"x-fc-security-token": token, "x-fc-region": "cn-shanghai"}, "SignatureDoesNotMatch"},
		{"no region anywhere", event(oss.URL), map[string]string{"x-fc-access-key-id": keyID, "x-fc-access-key-secret": secret}, "region"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := invoke(t, fcrt.NewCustomRuntime(redpng.Handler, nil), tc.ev, tc.hdr)
			assert.Equal(t, http.StatusNotFound, rec.Code)
			assert.Equal(t, "404", rec.Header().Get("X-Fc-Status"))
			assert.Contains(t, rec.Body.String(), tc.want)
			assert.NotContains(t, rec.Body.String(), secret)
			assert.NotContains(t, rec.Body.String(), token)
		})
	}
}

func TestHandlerAnswersTheRedPNGThroughTheTestAccessPoint(t *testing.T) {
	ap := wgortest.Start(t, redpng.Handler, nil)
	resp, err := ap.GetObject(t.Context(), "any/key.png", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "image/png", resp.Header.Get("Content-Type"))
	assert.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
	assert.Equal(t, redpng.PNG(), resp.Body)
	relays := ap.Relays()
	require.Len(t, relays, 1)
	assert.Equal(t, int64(len(redpng.PNG())), relays[0].ContentLength, "the length is declared, not chunked")
}
