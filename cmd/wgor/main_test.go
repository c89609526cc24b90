package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/accesspoint"
	"github.com/wgor-dev/wgor/internal/redpng"
	"github.com/wgor-dev/wgor/sign"
	"github.com/wgor-dev/wgor/wgor/fcrt"
)

const (
	testKeyID  = "LTAI5tExampleAccessKey01"
	testSecret = "ExampleSecretKey0123456789abcdefXYZ"
	testSTS    = "STS-TOKEN-e2e-do-not-print"
	testRoute  = "fc-ap-01-3b00521f653d2b3223680ec39dbbe2aa-opap.oss-cn-qingdao-internal.oss-object-process.aliyuncs.com"
	testToken  = "OSSV1#ZvBDCq+Hh4d2FvL3pJc0FHTmlwUlY5bjdVazN5ZXF4/Q==#abccabccabccabccabccabccabccabccabccabccabccabccabccabccabccabccabccabccabccabcc="
)

// syncBuffer is a bytes.Buffer safe for a command writing while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runCLI runs the command line in-process with the given environment.
func runCLI(t *testing.T, ctx context.Context, stdin io.Reader, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut syncBuffer
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	e := &env{stdin: stdin, stdout: &out, stderr: &errOut, getenv: func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return os.Getenv(k)
	}}
	code = run(ctx, e, args)
	return code, out.String(), errOut.String()
}

// useEnvCredentials points the default credentials chain at the test keys.
func useEnvCredentials(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", testKeyID)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", testSecret)
	t.Setenv("ALIBABA_CLOUD_SECURITY_TOKEN", testSTS)
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
}

func TestSignPrintsTheGoldenSignatureWithoutSecrets(t *testing.T) {
	// The request of golden vector wgor-minimal, signed by the official SDK.
	const signature = "6a7c94d376278bc2367f863e8c371c76bb79a090032817cb84bd8e8f770110c4"
	for _, show := range []bool{false, true} {
		code, stdout, stderr := runCLI(t, t.Context(), nil, map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_SECRET": testSecret},
			"sign", "--method", "POST", "--region", "cn-qingdao", "--access-key-id", testKeyID,
			"--url", "http://"+testRoute+"/?x-oss-write-get-object-response",
			"--header", "x-oss-request-route: "+testRoute, "--header", "x-oss-request-token: "+testToken,
			"--header", "x-oss-fwd-status: 200", "--time", "2026-11-24T12:00:00Z", "--show-token="+strconv.FormatBool(show))
		require.Equal(t, exitOK, code, stderr)
		authorization := "OSS4-HMAC-SHA256 Credential=" + testKeyID + "/20261124/cn-qingdao/oss/aliyun_v4_request,Signature="
		if show {
			assert.Contains(t, stdout, authorization+signature)
		} else {
			assert.Contains(t, stdout, authorization+"<redacted>")
			assert.NotContains(t, stdout, signature)
		}
		assert.Contains(t, stdout, "5041e231d5e87810861a5b51a58de38e6a2e8f778d82bbd33d9f6b0958c0c954", "hash of the canonical request in the string to sign")
		assert.Contains(t, stdout, "x-oss-request-token:<redacted>")
		assert.NotContains(t, stdout+stderr, testSecret)
		assert.NotContains(t, stdout+stderr, testToken)
	}
}

func TestSignPresignMasksTheSecurityToken(t *testing.T) {
	code, stdout, stderr := runCLI(t, t.Context(), nil, map[string]string{
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET": testSecret, "ALIBABA_CLOUD_SECURITY_TOKEN": testSTS + "+/=",
	}, "sign", "--presign", "--region", "cn-hangzhou", "--access-key-id", testKeyID, "--bucket", "examplebucket",
		"--key", "exampleobject.txt", "--url", "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/exampleobject.txt")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "x-oss-signature=")
	assert.Contains(t, stdout, "x-oss-security-token=<redacted>")
	assert.NotContains(t, stdout, "STS-TOKEN")
	assert.NotContains(t, stdout+stderr, testSecret)
}

func TestDemoSavesAndChecksTheRedSquare(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.png")
	code, stdout, stderr := runCLI(t, t.Context(), nil, nil, "demo", "--out", out)
	require.Equal(t, exitOK, code, stdout+stderr)
	assert.Contains(t, stdout, "caller got     200 OK, 591 bytes")
	assert.Contains(t, stdout, "Content-Type: image/png")
	assert.Regexp(t, `function       WriteGetObjectResponse: 200, 591 bytes sent, request ID [0-9A-F]{24}`, stdout)
	assert.Contains(t, stdout, "every pixel red: OK")
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, redpng.PNG(), data)
}

func TestCheckRedSquareRejectsOtherImages(t *testing.T) {
	assert.NoError(t, checkRedSquare(redpng.PNG(), "image/png"))
	assert.ErrorContains(t, checkRedSquare(redpng.PNG(), "text/plain"), "Content-Type")
	assert.ErrorContains(t, checkRedSquare([]byte("not a png"), "image/png"), "decode PNG")
	blue := bytes.Replace(redpng.PNG(), []byte("IDAT"), []byte("IDAX"), 1)
	assert.Error(t, checkRedSquare(blue, "image/png"))
}

// startEmulator runs an access point whose function runs fn.
func startEmulator(t *testing.T, fn accesspoint.InvokerFunc) *accesspoint.Server {
	t.Helper()
	return startEmulatorWith(t, false, fn)
}

// startEmulatorWith is startEmulator, accepting chunked bodies when
// allowChunked is set.
func startEmulatorWith(t *testing.T, allowChunked bool, fn accesspoint.InvokerFunc) *accesspoint.Server {
	t.Helper()
	ap, err := accesspoint.New(accesspoint.Config{
		AllowChunked: allowChunked,
		Function:     fn,
		Credentials:  sign.Credentials{AccessKeyID: testKeyID, AccessKeySecret: testSecret, SecurityToken: testSTS},
		Region:       "cn-qingdao",
		Timeout:      20 * time.Second,
	})
	require.NoError(t, err)
	require.NoError(t, ap.Start("127.0.0.1:0"))
	t.Cleanup(func() { ap.Close() })
	return ap
}

func TestWriteStreamsAFileThroughTheAccessPoint(t *testing.T) {
	useEnvCredentials(t)
	body := bytes.Repeat([]byte("wgor write streams this file. "), 4096)
	file := filepath.Join(t.TempDir(), "body.txt")
	require.NoError(t, os.WriteFile(file, body, 0o600))

	type outcome struct {
		code           int
		stdout, stderr string
	}
	done := make(chan outcome, 1)
	ap := startEmulator(t, func(ctx context.Context, inv *accesspoint.Invocation) error {
		route, token := eventField(t, inv.Event, "outputRoute"), eventField(t, inv.Event, "outputToken")
		var o outcome
		o.code, o.stdout, o.stderr = runCLI(t, ctx, nil, nil, "write", "--route", route, "--token", token,
			"--region", inv.Region, "--status", "206", "--header", "Content-Type: text/plain",
			"--header", "Content-Range: bytes 0-122879/999999", "--header", "X-Custom: yes", file)
		done <- o
		return nil
	})
	resp, err := http.Get(ap.URL() + "/doc.txt")
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	o := <-done
	code, stdout, stderr := o.code, o.stdout, o.stderr

	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
	assert.Equal(t, "bytes 0-122879/999999", resp.Header.Get("Content-Range"))
	assert.Equal(t, "text/plain", resp.Header.Get("Content-Type"))
	assert.Equal(t, "yes", resp.Header.Get("X-Custom"))
	assert.Equal(t, body, got)
	assert.Regexp(t, `sent 122880 bytes with status 206: OSS answered 200, request ID [0-9A-F]{24}`, stdout)
}

func TestWriteFailurePrintsTheOSSCodeAndRequestID(t *testing.T) {
	useEnvCredentials(t)
	ap := startEmulator(t, func(ctx context.Context, inv *accesspoint.Invocation) error { return nil })
	route := ap.URL()
	code, stdout, stderr := runCLI(t, t.Context(), strings.NewReader("hello"), map[string]string{"WGOR_TOKEN": "OSSV1#not-a-token-we-issued"},
		"write", "--route", route, "--region", "cn-qingdao", "-")
	assert.Equal(t, exitFail, code, stdout)
	assert.Regexp(t, `^wgor write: OSS refused WriteGetObjectResponse: HTTP 403 AccessDenied: The request token is not valid[^\n]*\(request ID [0-9A-F]{24}\): the --token was refused[^\n]*\n$`, stderr)
	assert.Equal(t, 1, strings.Count(stderr, "request ID"), "the request ID is told once")
	assert.NotContains(t, stderr, "grant oss:WriteGetObjectResponse", "a refused token is not a missing permission")
	assert.NotContains(t, stderr, testSecret)
	assert.NotContains(t, stderr, testSTS)
	assert.NotContains(t, stderr, "not-a-token-we-issued")
}

func TestEmulateServesACustomRuntimeUntilCancelled(t *testing.T) {
	fn := httptest.NewServer(fcrt.NewCustomRuntime(redpng.Handler, nil))
	defer fn.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var errOut syncBuffer
	go func() {
		e := &env{stdin: strings.NewReader(""), stdout: pw, stderr: &errOut, getenv: func(string) string { return "" }}
		done <- run(ctx, e, []string{"emulate", "--listen", "127.0.0.1:0", "--function", fn.URL,
			"--access-key-id", testKeyID, "--access-key-secret", testSecret, "--region", "cn-qingdao"})
		pw.Close()
	}()
	lines := bufio.NewReader(pr)
	line, err := lines.ReadString('\n')
	require.NoError(t, err, errOut.String())
	m := regexp.MustCompile(`listening on (http://\S+) \(region cn-qingdao\)`).FindStringSubmatch(line)
	require.NotNil(t, m, line)
	line, err = lines.ReadString('\n')
	require.NoError(t, err, errOut.String())
	assert.Equal(t, "credentials: access key ID "+testKeyID+", from --access-key-id\n", line)
	go io.Copy(io.Discard, pr)

	resp, err := http.Get(m[1] + "/any.png")
	require.NoError(t, err)
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, redpng.PNG(), got)

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code)
	case <-time.After(10 * time.Second):
		t.Fatal("emulate did not stop after its context ended")
	}
	assert.NotContains(t, errOut.String(), testSecret)
}

// eventField digs a getObjectContext field out of an event.
func eventField(t *testing.T, event []byte, name string) string {
	t.Helper()
	m := regexp.MustCompile(`"` + name + `"\s*:\s*"([^"]*)"`).FindSubmatch(event)
	require.NotNil(t, m, "event lacks %s", name)
	return string(m[1])
}

func TestEmulateSaysWhenItsAddressIsTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	code, stdout, stderr := runCLI(t, t.Context(), nil, nil, "emulate", "--listen", l.Addr().String(),
		"--function", "http://127.0.0.1:9", "--access-key-id", testKeyID, "--access-key-secret", testSecret)
	assert.Equal(t, exitFail, code)
	assert.Empty(t, stdout, "nothing claims to listen")
	assert.Equal(t, "wgor emulate: cannot listen on --listen "+l.Addr().String()+": bind: address already in use\n", stderr)
}
