package main

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/internal/accesspoint"
)

// packageCLI runs "wgor package ARGS" in-process and returns its exit code
// and output.
func packageCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: os.Getenv}
	code = run(t.Context(), e, append([]string{"package"}, args...))
	return code, out.String(), errOut.String()
}

// readZip returns the zip's only entry's header and content.
func readZip(t *testing.T, path string) (*zip.FileHeader, []byte) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	defer zr.Close()
	require.Len(t, zr.File, 1, "one entry: the binary")
	f := zr.File[0]
	rc, err := f.Open()
	require.NoError(t, err)
	defer rc.Close()
	data, err := io.ReadAll(rc)
	require.NoError(t, err)
	return &f.FileHeader, data
}

// assertExecutableEntry checks that h is a regular file with mode 0755 made
// on Unix, and that data is a 64-bit ELF executable for machine.
func assertExecutableEntry(t *testing.T, h *zip.FileHeader, data []byte, name string, machine elf.Machine) {
	t.Helper()
	assert.Equal(t, name, h.Name)
	assert.Equal(t, fs.FileMode(0o755), h.Mode(), "a regular file, rwxr-xr-x")
	assert.Equal(t, uint16(3), h.CreatorVersion>>8, "made on Unix, so that unzip reads the mode")
	f, err := elf.NewFile(bytes.NewReader(data))
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, elf.ELFCLASS64, f.Class)
	assert.Equal(t, machine, f.Machine)
	assert.Contains(t, []elf.Type{elf.ET_EXEC, elf.ET_DYN}, f.Type)
}

// lockedBuffer is a buffer the emulator's goroutines can log into.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// getThroughEmulator writes bin to a file, runs it under the emulator as
// "wgor emulate --exec" does, with env added to its environment, makes a
// GetObject and returns the answer and the emulator's log.
func getThroughEmulator(t *testing.T, bin []byte, env ...string) (*http.Response, []byte, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "function")
	require.NoError(t, os.WriteFile(path, bin, 0o755))
	var log lockedBuffer
	fn := &accesspoint.ExecInvoker{Path: path, Env: env, Stderr: io.Discard,
		Logger: slog.New(slog.NewTextHandler(&log, nil))}
	ap, err := accesspoint.New(accesspoint.Config{Function: fn})
	require.NoError(t, err)
	require.NoError(t, fn.Start(context.WithoutCancel(t.Context())))
	t.Cleanup(func() { assert.NoError(t, fn.Close()) })
	require.NoError(t, ap.Start("127.0.0.1:0"))
	t.Cleanup(func() { ap.Close() })
	resp, err := http.Get(ap.URL() + "/example.png")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body, log.String()
}

// assertRedSquare checks that body is a 200×200 PNG, every pixel red.
func assertRedSquare(t *testing.T, body []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(body))
	require.NoError(t, err)
	b := img.Bounds()
	require.Equal(t, 200, b.Dx())
	require.Equal(t, 200, b.Dy())
	red := color.RGBAModel.Convert(color.RGBA{R: 255, A: 255})
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if c := color.RGBAModel.Convert(img.At(x, y)); c != red {
				t.Fatalf("pixel (%d,%d) is %v, not red", x, y, c)
			}
		}
	}
}

func TestPackageGo1ZipIsExecutableReproducibleAndServes(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := packageCLI(t, "--out", out, "--region", "cn-qingdao", "../redpng")
	require.Equal(t, exitOK, code, stderr)

	h, bin := readZip(t, filepath.Join(out, "redpng.zip"))
	assertExecutableEntry(t, h, bin, "redpng", elf.EM_X86_64)

	// The same binary gives the same zip, byte for byte.
	again := t.TempDir()
	code, _, stderr = packageCLI(t, "../redpng", "--out", again, "--region", "cn-qingdao")
	require.Equal(t, exitOK, code, stderr)
	first, err := os.ReadFile(filepath.Join(out, "redpng.zip"))
	require.NoError(t, err)
	second, err := os.ReadFile(filepath.Join(again, "redpng.zip"))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(first, second), "packaging twice gives the same zip")

	yaml, err := os.ReadFile(filepath.Join(out, "s.yaml"))
	require.NoError(t, err)
	for _, line := range []string{
		"edition: 3.0.0\n", "access: default\n", "resources:\n", "    component: fc3\n",
		"      region: 'cn-qingdao'\n", "      functionName: 'redpng'\n", "      runtime: go1\n",
		"      handler: 'redpng'\n", "      code: './redpng.zip'\n", "      memorySize: 512\n",
		"      timeout: 30\n", "      role: \"acs:ram::${config('AccountID')}:role/",
	} {
		assert.Contains(t, string(yaml), line)
	}
	assert.NotContains(t, string(yaml), "customRuntimeConfig")

	var policy struct {
		Version   string
		Statement []struct{ Effect, Action, Resource string }
	}
	data, err := os.ReadFile(filepath.Join(out, "policy.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &policy))
	assert.Equal(t, "1", policy.Version)
	require.Len(t, policy.Statement, 1)
	assert.Equal(t, "Allow", policy.Statement[0].Effect)
	assert.Equal(t, "oss:WriteGetObjectResponse", policy.Statement[0].Action)
	assert.Equal(t, "*", policy.Statement[0].Resource)

	for _, step := range []string{"s deploy", "policy.json", "Object FC Access Point",
		"CreateAccessPointForObjectProcess", "ossutil cp oss://ALIAS/KEY", "handler redpng", "inputOssUrl"} {
		assert.Contains(t, stdout, step)
	}

	// The binary from the zip answers a GetObject under the emulator, on
	// the Go runtime's API as on Function Compute's go1.
	resp, body, log := getThroughEmulator(t, bin)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assertRedSquare(t, body)
	assert.Contains(t, log, "speaks the runtime API")
}

func TestPackageCustomRuntimeZipHoldsBootstrapAndServes(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := packageCLI(t, "--runtime", "custom", "--name", "thumbs", "--out", out, "../redpng")
	require.Equal(t, exitOK, code, stderr)

	h, bin := readZip(t, filepath.Join(out, "thumbs.zip"))
	assertExecutableEntry(t, h, bin, "bootstrap", elf.EM_X86_64)

	yaml, err := os.ReadFile(filepath.Join(out, "s.yaml"))
	require.NoError(t, err)
	for _, line := range []string{
		"      functionName: 'thumbs'\n", "      runtime: custom.debian10\n",
		"      customRuntimeConfig:\n        command:\n          - /code/bootstrap\n        port: 9000\n",
		"      code: './thumbs.zip'\n", "      region: 'cn-hangzhou'\n",
	} {
		assert.Contains(t, string(yaml), line)
	}
	assert.NotContains(t, string(yaml), "handler:")
	assert.Contains(t, stdout, "custom.debian10")

	// Without FC_RUNTIME_API, as in a custom runtime, bootstrap serves
	// POST /invoke on FC_SERVER_PORT.
	resp, body, log := getThroughEmulator(t, bin, "FC_RUNTIME_API=")
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assertRedSquare(t, body)
	assert.Contains(t, log, "speaks the custom runtime")
}

func TestPackageArm64BuildsAnAArch64Binary(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := packageCLI(t, "--arch", "arm64", "--out", out, "../redpng")
	require.Equal(t, exitOK, code, stderr)
	h, bin := readZip(t, filepath.Join(out, "redpng.zip"))
	assertExecutableEntry(t, h, bin, "redpng", elf.EM_AARCH64)
	assert.Contains(t, stderr, "Function Compute documents x86_64 only", "the user is told")
}
