package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// onlyProfile leaves the default chain nothing but a credentials profile
// file holding id.
func onlyProfile(t *testing.T, id string) {
	t.Helper()
	home := t.TempDir()
	file := filepath.Join(home, "credentials")
	require.NoError(t, os.WriteFile(file, []byte("[default]\nenable = true\ntype = access_key\naccess_key_id = "+id+
		"\naccess_key_secret = "+testSecret+"\n"), 0o600))
	for _, k := range []string{"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
		"ALIBABA_CLOUD_CREDENTIALS_URI", "ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_PROFILE", "ALIBABA_CLOUD_CONFIG_FILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("HOME", home)
	t.Setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", file)
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
}

// emulateCredentialsLine starts emulate with args and returns its
// "credentials:" line.
func emulateCredentialsLine(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var errOut syncBuffer
	go func() {
		e := &env{stdin: strings.NewReader(""), stdout: pw, stderr: &errOut, getenv: os.Getenv}
		done <- run(ctx, e, append([]string{"emulate", "--listen", "127.0.0.1:0", "--function", "http://127.0.0.1:9"}, args...))
		pw.Close()
	}()
	lines := bufio.NewReader(pr)
	var line string
	for !strings.HasPrefix(line, "credentials:") {
		var err error
		line, err = lines.ReadString('\n')
		require.NoError(t, err, errOut.String())
	}
	go io.Copy(io.Discard, pr)
	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code)
	case <-time.After(10 * time.Second):
		t.Fatal("emulate did not stop")
	}
	assert.NotContains(t, errOut.String(), testSecret)
	return strings.TrimSpace(line)
}

func TestEmulateAndSignTakeTheSameKeysFromAProfile(t *testing.T) {
	onlyProfile(t, "LTAI5tProfileKey")
	line := emulateCredentialsLine(t)
	assert.Equal(t, "credentials: access key ID LTAI5tProfileKey, from the default credentials chain", line)

	code, stdout, stderr := runCLI(t, t.Context(), nil, nil, "sign", "--url", "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/k")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, line+"\n", stderr)
	assert.Contains(t, stdout, "Credential=LTAI5tProfileKey/")
	assert.NotContains(t, stdout+stderr, testSecret)
}

func TestEmulateNamesWhereItsKeysCameFrom(t *testing.T) {
	t.Run("flags", func(t *testing.T) {
		t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tIgnoredFromEnv")
		line := emulateCredentialsLine(t, "--access-key-id", testKeyID, "--access-key-secret", testSecret)
		assert.Equal(t, "credentials: access key ID "+testKeyID+", from --access-key-id", line)
	})
	t.Run("environment", func(t *testing.T) {
		useEnvCredentials(t)
		line := emulateCredentialsLine(t)
		assert.Equal(t, "credentials: access key ID "+testKeyID+", from the environment ($ALIBABA_CLOUD_ACCESS_KEY_ID)", line)
	})
	t.Run("none anywhere", func(t *testing.T) {
		onlyProfile(t, "unused")
		t.Setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "missing"))
		line := emulateCredentialsLine(t)
		assert.Regexp(t, `^credentials: access key ID STS\.emu\S+, made up: none in the flags or the default credentials chain$`, line)
	})
}

func TestSignWithoutCredentialsSaysWhatToSet(t *testing.T) {
	onlyProfile(t, "unused")
	t.Setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "missing"))
	code, stdout, stderr := runCLI(t, t.Context(), nil, nil, "sign", "--url", "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/k")
	assert.Equal(t, exitFail, code)
	assert.Empty(t, stdout)
	assert.Regexp(t, `^wgor sign: no credentials found: set ALIBABA_CLOUD_ACCESS_KEY_ID`, stderr)
	assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line")
}
