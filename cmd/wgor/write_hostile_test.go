package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/accesspoint"
	"github.com/wgor-dev/wgor/wgor"
)

// goFields are the library's field names, which a person at the command
// line cannot set: a message must name a flag, a FILE or a variable instead.
var goFields = []string{"Client.", "Response.", "SpoolBudget", "SpoolDir"}

func assertNoGoFields(t *testing.T, msg string) {
	t.Helper()
	for _, f := range goFields {
		assert.NotContains(t, msg, f, "names what a person can set")
	}
}

func TestWriteSaysWhatToDoWhenTheSpoolFails(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	big := struct{ io.Reader }{bytes.NewReader(make([]byte, 5<<20))} // beyond memory, not seekable
	code, _, stderr, _ := runWriteAgainst(t, func(*env) {}, big, "-")
	require.Equal(t, exitFail, code, stderr)
	assert.Contains(t, stderr, "the outputToken is still unused")
	assert.Contains(t, stderr, "$TMPDIR")
	assert.Contains(t, stderr, "--chunked")
	assert.Contains(t, stderr, "FILE")
	assertNoGoFields(t, stderr)
}

func TestWriteMessagesNameFlagsNotLibraryFields(t *testing.T) {
	t.Run("the spool's disk budget", func(t *testing.T) {
		msg := message(wgor.ErrSpoolTooLarge)
		assert.Contains(t, msg, "$WGOR_SPOOL_DISK")
		assert.Contains(t, msg, "FILE")
		assertNoGoFields(t, msg)
	})
	t.Run("a Content-Length header", func(t *testing.T) {
		useEnvCredentials(t)
		code, _, stderr := runCLI(t, t.Context(), strings.NewReader("x"), noKeys,
			"write", "--route", testRoute, "--token", "t", "--header", "Content-Length: 5", "-")
		require.Equal(t, exitUsage, code, stderr)
		assert.Contains(t, stderr, "--header Content-Length")
		assertNoGoFields(t, stderr)
	})
}

func TestWriteForwardsARepeatedListHeader(t *testing.T) {
	code, stdout, stderr, got := runWriteAgainst(t, func(*env) {}, strings.NewReader("hi"),
		"--header", "Cache-Control: no-cache", "--header", "cache-control: no-store", "-")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "hi", string(got))
	assert.Contains(t, stdout, "sent 2 bytes")
}

func TestWriteToAPlainHTTPRouteWithoutASchemeSaysToGiveOne(t *testing.T) {
	useEnvCredentials(t)
	ap := startEmulator(t, func(context.Context, *accesspoint.Invocation) error { return nil })
	host := strings.TrimPrefix(ap.URL(), "http://")
	code, _, stderr := runCLI(t, t.Context(), strings.NewReader("x"), map[string]string{"WGOR_TOKEN": "OSSV1#t"},
		"write", "--route", host, "--region", "cn-hangzhou", "-")
	require.Equal(t, exitFail, code, stderr)
	assert.Contains(t, stderr, "--route http://"+host+" or --scheme http")
}
