package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/accesspoint"
	"github.com/wgor-dev/wgor/sign"
	"github.com/wgor-dev/wgor/wgor"
)

// runWriteAgainst runs "wgor write" as the function of an emulated access
// point, with the event's route and token, and returns its outcome and the
// body the GetObject caller received.
func runWriteAgainst(t *testing.T, e func(*env), body io.Reader, args ...string) (code int, stdout, stderr string, got []byte) {
	t.Helper()
	return runWriteThrough(t, false, e, body, args...)
}

// runWriteThrough is runWriteAgainst with an access point that accepts a
// chunked body when allowChunked is set.
func runWriteThrough(t *testing.T, allowChunked bool, e func(*env), body io.Reader, args ...string) (code int, stdout, stderr string, got []byte) {
	t.Helper()
	useEnvCredentials(t)
	done := make(chan struct{})
	ap := startEmulatorWith(t, allowChunked, func(ctx context.Context, inv *accesspoint.Invocation) error {
		defer close(done)
		var out, errOut syncBuffer
		en := &env{stdin: body, stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }}
		e(en)
		code = run(ctx, en, append([]string{"write", "--route", eventField(t, inv.Event, "outputRoute"),
			"--token", eventField(t, inv.Event, "outputToken"), "--region", inv.Region}, args...))
		stdout, stderr = out.String(), errOut.String()
		return nil
	})
	resp, err := http.Get(ap.URL() + "/k")
	require.NoError(t, err)
	defer resp.Body.Close()
	got, _ = io.ReadAll(resp.Body)
	<-done
	return code, stdout, stderr, got
}

func TestWriteOnATerminalSaysItReadsStandardInputAndShowsProgressOnlyAbove4MiB(t *testing.T) {
	terminal := func(e *env) { e.stdinIsTTY, e.stderrIsTTY = true, true }
	t.Run("small body", func(t *testing.T) {
		code, stdout, stderr, got := runWriteAgainst(t, terminal, strings.NewReader("hello!"))
		require.Equal(t, exitOK, code, stderr)
		assert.Equal(t, "hello!", string(got))
		assert.Equal(t, "reading the body from standard input… (end it with Ctrl-D)\n", stderr, "no progress for 6 bytes")
		assert.Contains(t, stdout, "sent 6 bytes with status 200")
	})
	t.Run("body over 4 MiB", func(t *testing.T) {
		big := bytes.Repeat([]byte("0123456789abcdef"), (5<<20)/16)
		code, _, stderr, got := runWriteAgainst(t, terminal, struct{ io.Reader }{bytes.NewReader(big)}, "-")
		require.Equal(t, exitOK, code, stderr)
		assert.Equal(t, len(big), len(got))
		assert.Regexp(t, `\rsent 5\.0 of 5\.0 MiB \(100%\), [0-9.]+ MiB/s \n$`, stderr, "spooled, then sent with its length")
	})
	t.Run("not a terminal", func(t *testing.T) {
		code, _, stderr, _ := runWriteAgainst(t, func(*env) {}, strings.NewReader("hello!"), "-v")
		require.Equal(t, exitOK, code, stderr)
		assert.NotContains(t, stderr, "reading the body")
		assert.Contains(t, stderr, "credentials: access key ID "+testKeyID, "-v names the keys")
		assert.Contains(t, stderr, "level=DEBUG", "-v logs the attempt")
		assert.NotContains(t, stderr, testSecret)
		assert.NotContains(t, stderr, testSTS)
	})
}

func TestWriteTimeoutCutsOffAServerThatNeverAnswers(t *testing.T) {
	useEnvCredentials(t)
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		<-stop
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	start := time.Now()
	code, stdout, stderr := runCLI(t, t.Context(), strings.NewReader("body"), nil,
		"write", "--route", srv.URL, "--token", "t", "--region", "cn-qingdao", "--timeout", "1s")
	assert.Less(t, time.Since(start), 8*time.Second)
	assert.Equal(t, exitFail, code, stdout)
	assert.Regexp(t, `^wgor write: gave up after --timeout 1s: `, stderr)
	assert.Equal(t, 1, strings.Count(stderr, "\n"))
}

// TestWriteShowsServerTextOnOneLine feeds the CLI error bodies whose text
// would forge lines or reorder a terminal's display.
func TestWriteShowsServerTextOnOneLine(t *testing.T) {
	useEnvCredentials(t)
	forged := "wgor write: sent 5 bytes with status 200: OSS answered 200"
	cases := map[string]string{
		"newline in Message":  "<Error><Code>AccessDenied</Code><Message>no\n" + forged + "</Message><RequestId>ID1</RequestId></Error>",
		"CR in Code":          "<Error><Code>Bad\r" + forged + "</Code><RequestId>ID1</RequestId></Error>",
		"line separator":      "<Error><Code>X</Code><Message>a\u2028" + forged + "</Message></Error>",
		"bidi override":       "<Error><Code>X</Code><Message>a\u202e" + forged + "</Message></Error>",
		"entity newline":      "<Error><Code>X</Code><Message>a&#10;" + forged + "</Message></Error>",
		"not XML, with lines": "oops\n" + forged + "\n",
		"not UTF-8":           "<Error><Code>X</Code><Message>\xff\xfe\n" + forged + "</Message></Error>",
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("X-Oss-Request-Id", "REQ\nforged")
				w.WriteHeader(http.StatusForbidden)
				io.WriteString(w, body)
			}))
			defer srv.Close()
			code, stdout, stderr := runCLI(t, t.Context(), strings.NewReader("body"), nil,
				"write", "--route", srv.URL, "--token", "t", "--region", "cn-qingdao")
			assert.Equal(t, exitFail, code, stdout)
			assert.Empty(t, stdout)
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
			assert.True(t, strings.HasPrefix(stderr, "wgor write: OSS refused WriteGetObjectResponse: HTTP 403"), stderr)
			assert.False(t, strings.ContainsAny(stderr, "\r\u2028\u202e"), "%q", stderr)
		})
	}
}

func TestWriteNamesTheFlagsInLibraryErrors(t *testing.T) {
	useEnvCredentials(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	code, _, stderr := runCLI(t, t.Context(), strings.NewReader("x"), nil,
		"write", "--route", "http://"+addr, "--token", "t", "--region", "cn-qingdao", "--timeout", "5s")
	assert.Equal(t, exitFail, code)
	assert.Regexp(t, `^wgor write: WriteGetObjectResponse to 127\.0\.0\.1:\d+`, stderr)
	assert.NotContains(t, stderr, "wgor: ")
}

func TestWriteAdviceFollowsTheRefusal(t *testing.T) {
	cases := []struct {
		name, code, message, want, notWant string
	}{
		{"token", "AccessDenied", "The request token has already been used.", "the --token was refused", "grant"},
		{"permission", "AccessDenied", "You have no right to access this object because of bucket acl.", "grant oss:WriteGetObjectResponse", "--token"},
		{"no message", "AccessDenied", "", "grant oss:WriteGetObjectResponse", "--token"},
		{"a message that says what to do", "AccessDenied", "A V1 signature needs the Date header.", "Date header. (request ID R1)\n", "grant"},
		{"signature", "SignatureDoesNotMatch", "The request signature we calculated does not match.", "check the access key secret and the region (--region)", "Client.Region"},
		{"argument", "InvalidArgument", "bad region", "check the region (--region) and the forwarded headers", "Client.Region"},
	}
	useEnvCredentials(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("X-Oss-Request-Id", "R1")
				w.WriteHeader(http.StatusForbidden)
				io.WriteString(w, "<Error><Code>"+tc.code+"</Code><Message>"+tc.message+"</Message><RequestId>R1</RequestId></Error>")
			}))
			defer srv.Close()
			code, _, stderr := runCLI(t, t.Context(), strings.NewReader("x"), nil,
				"write", "--route", srv.URL, "--token", "t", "--region", "cn-qingdao")
			assert.Equal(t, exitFail, code)
			assert.Contains(t, stderr, tc.want)
			assert.NotContains(t, stderr, tc.notWant)
			assert.Equal(t, 1, strings.Count(stderr, "R1"), "the request ID once")
		})
	}
}

func TestWriteChunkedStreamsStandardInputWithoutALength(t *testing.T) {
	body := strings.Repeat("chunk ", 1000)
	stdin := func() io.Reader { return struct{ io.Reader }{strings.NewReader(body)} } // of unknown length, as a pipe
	t.Run("spooled by default", func(t *testing.T) {
		code, _, stderr, got := runWriteThrough(t, false, func(*env) {}, stdin())
		require.Equal(t, exitOK, code, stderr)
		assert.Equal(t, body, string(got))
	})
	t.Run("chunked, refused as by OSS's documented rules", func(t *testing.T) {
		code, _, stderr, _ := runWriteThrough(t, false, func(*env) {}, stdin(), "--chunked")
		assert.Equal(t, exitFail, code)
		assert.Contains(t, stderr, "HTTP 411 MissingContentLength")
	})
	t.Run("chunked, accepted by an emulator that allows it", func(t *testing.T) {
		code, _, stderr, got := runWriteThrough(t, true, func(*env) {}, stdin(), "--chunked")
		require.Equal(t, exitOK, code, stderr)
		assert.Equal(t, body, string(got))
	})
}

func TestProgressShowsTheSpoolThenTheSending(t *testing.T) {
	var out strings.Builder
	p := &progress{w: &out}
	const mib = 1 << 20
	p.report(wgor.Progress{Spooled: 3 * mib, Total: -1})
	assert.Empty(t, out.String(), "nothing below 4 MiB")
	p.report(wgor.Progress{Spooled: 6 * mib, Total: -1})
	p.report(wgor.Progress{Spooled: 6 * mib, Sent: 3 * mib, Total: 6 * mib}) // shown or not, as the interval says
	p.report(wgor.Progress{Spooled: 6 * mib, Sent: 6 * mib, Total: 6 * mib})
	p.done()
	assert.Regexp(t, `^\rspooled 6\.0 MiB, [0-9.]+ MiB/s (\rsent [36]\.0 of 6\.0 MiB \((50|100)%\), [0-9.]+ MiB/s )*\rsent 6\.0 of 6\.0 MiB \(100%\), [0-9.]+ MiB/s \n$`, out.String())
}

func TestWriteRefusesADirectoryAsItsBody(t *testing.T) {
	useEnvCredentials(t)
	dir := t.TempDir()
	code, stdout, stderr := runCLI(t, t.Context(), nil, nil, "write", "--route", "http://127.0.0.1:9", "--token", "t", "--region", "cn-qingdao", dir)
	assert.Equal(t, exitFail, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "wgor write: \""+dir+"\" is a directory: give a file, or - for standard input\n", stderr)
}

// TestWriteTellsASignatureMismatchOnce runs write against an access point
// that holds another secret for the same key: OSS's string to sign equals
// the local one, and the advice to check the secret is given once.
func TestWriteTellsASignatureMismatchOnce(t *testing.T) {
	useEnvCredentials(t)
	done := make(chan string, 1)
	ap, err := accesspoint.New(accesspoint.Config{
		Credentials: sign.Credentials{AccessKeyID: testKeyID, AccessKeySecret: "AnotherSecretKey0123456789abcdefXYZ"},
		Region:      "cn-qingdao",
		Timeout:     20 * time.Second,
		Function: accesspoint.InvokerFunc(func(ctx context.Context, inv *accesspoint.Invocation) error {
			_, _, stderr := runCLI(t, ctx, strings.NewReader("x"), nil, "write", "--route", eventField(t, inv.Event, "outputRoute"),
				"--token", eventField(t, inv.Event, "outputToken"), "--region", inv.Region)
			done <- stderr
			return nil
		}),
	})
	require.NoError(t, err)
	require.NoError(t, ap.Start("127.0.0.1:0"))
	t.Cleanup(func() { ap.Close() })
	resp, err := http.Get(ap.URL() + "/k")
	require.NoError(t, err)
	resp.Body.Close()
	stderr := <-done
	assert.Contains(t, stderr, "HTTP 403 SignatureDoesNotMatch")
	assert.LessOrEqual(t, strings.Count(stderr, "check the access key secret"), 1, stderr)
	assert.Contains(t, stderr, "'wgor sign' shows what was signed")
}
