package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// manualLines is what emulate --manual prints for each GetObject.
var manualLines = regexp.MustCompile(`GetObject \S+ waits up to \S+ for your answer:\n  export WGOR_TOKEN='([^']+)'\n  wgor write --route (\S+) --region (\S+) FILE\n`)

type getResult struct {
	status int
	body   string
	err    error
}

// getAsync makes a GetObject in the background.
func getAsync(url string) <-chan getResult {
	done := make(chan getResult, 1)
	go func() {
		resp, err := http.Get(url)
		if err != nil {
			done <- getResult{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		done <- getResult{resp.StatusCode, string(body), err}
	}()
	return done
}

// waitPrinted waits for emulate --manual to print a GetObject's token,
// route and region.
func waitPrinted(t *testing.T, out *syncBuffer) []string {
	t.Helper()
	var m []string
	require.Eventually(t, func() bool { m = manualLines.FindStringSubmatch(out.String()); return m != nil },
		10*time.Second, 10*time.Millisecond, "emulate --manual prints the invocation: %s", out)
	return m
}

// TestEmulateManualHandsTheInvocationToAPerson walks the newcomer's flow
// with no credentials anywhere: emulate makes some up and prints them, the
// person exports them and the token, and answers with wgor write.
func TestEmulateManualHandsTheInvocationToAPerson(t *testing.T) {
	onlyProfile(t, "unused")
	t.Setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "missing"))
	url, out, errOut := startEmulate(t, "--manual", "--timeout", "1m")
	exports := regexp.MustCompile(`export (ALIBABA_CLOUD_ACCESS_KEY_ID)='([^']+)' (ALIBABA_CLOUD_ACCESS_KEY_SECRET)='([^']+)' (ALIBABA_CLOUD_SECURITY_TOKEN)='([^']+)'\n`)
	var creds []string
	require.Eventually(t, func() bool { creds = exports.FindStringSubmatch(out.String()); return creds != nil },
		5*time.Second, 10*time.Millisecond, "made-up credentials are printed for wgor write: %s", out)
	for i := 1; i < len(creds); i += 2 {
		t.Setenv(creds[i], creds[i+1])
	}

	done := getAsync(url + "/doc.txt")
	m := waitPrinted(t, out)
	file := filepath.Join(t.TempDir(), "answer.txt")
	require.NoError(t, os.WriteFile(file, []byte("answered by hand"), 0o600))
	code, stdout, stderr := runCLI(t, t.Context(), nil, map[string]string{"WGOR_TOKEN": m[1]},
		"write", "--route", m[2], "--region", m[3], "--header", "Content-Type: text/plain", file)
	require.Equal(t, exitOK, code, stdout+stderr)
	select {
	case r := <-done: // long before the minute of --timeout
		require.NoError(t, r.err)
		assert.Equal(t, http.StatusOK, r.status, errOut.String())
		assert.Equal(t, "answered by hand", r.body)
	case <-time.After(30 * time.Second):
		t.Fatal("the GetObject did not complete once the response was relayed")
	}
}

func TestEmulateManualTimesOutAnUnansweredGetObject(t *testing.T) {
	useEnvCredentials(t)
	url, out, _ := startEmulate(t, "--manual", "--timeout", "300ms", "--access-key-id", testKeyID, "--access-key-secret", testSecret)
	r := <-getAsync(url + "/doc.txt")
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusGatewayTimeout, r.status)
	assert.Contains(t, r.body, "FunctionTimeout")

	m := waitPrinted(t, out)
	assert.Contains(t, out.String(), "function: you (--manual)")
	assert.Contains(t, out.String(), "'wgor write' signs with the default credentials chain: give it the same keys")
	assert.NotContains(t, out.String(), testSecret, "the person's own keys are not printed")
	code, _, stderr := runCLI(t, t.Context(), nil, map[string]string{"WGOR_TOKEN": m[1]}, "write", "--route", m[2], "--region", m[3], "-")
	assert.Equal(t, exitFail, code)
	assert.Contains(t, stderr, "the --token was refused")
}
