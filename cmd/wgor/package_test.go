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

func TestPackageBadUsageExitsTwoBeforeBuilding(t *testing.T) {
	// A go command that leaves a mark if it is ever run.
	bin := t.TempDir()
	mark := filepath.Join(bin, "ran")
	require.NoError(t, os.WriteFile(filepath.Join(bin, "go"), []byte("#!/bin/sh\ntouch '"+mark+"'\nexit 3\n"), 0o755))
	t.Setenv("PATH", bin)
	out := filepath.Join(t.TempDir(), "out")
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no package", nil, "give one main package"},
		{"two packages", []string{"./a", "./b"}, "give one main package"},
		{"a pattern", []string{"./..."}, "is not one package"},
		{"unknown flag", []string{"--arm", "./a"}, "flag provided but not defined: -arm"},
		{"arch", []string{"--arch", "386", "./a"}, `invalid value "386" for flag -arch: use amd64 or arm64`},
		{"runtime", []string{"--runtime", "python3.10", "./a"}, `invalid value "python3.10" for flag -runtime`},
		{"name with a digit first", []string{"--name", "1fn", "./a"}, `invalid value "1fn" for flag -name`},
		{"name with a slash", []string{"--name", "a/b", "./a"}, `invalid value "a/b" for flag -name`},
		{"name too long", []string{"--name", strings.Repeat("a", 65), "./a"}, "for flag -name"},
		{"package name not a function name", []string{"./my.fn"}, `"my.fn" is not a Function Compute function name: set --name`},
		{"region", []string{"--region", "Hangzhou", "./a"}, `invalid value "Hangzhou" for flag -region`},
		{"out is a file", []string{"--out", file, "./a"}, "is not a directory"},
		{"flag without value", []string{"./a", "--out"}, "flag needs an argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if tc.name != "out is a file" && tc.name != "flag without value" {
				args = append([]string{"--out", out}, args...)
			}
			code, stdout, stderr := packageCLI(t, args...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tc.want)
			assert.NoFileExists(t, mark, "go was not run")
			assert.NoDirExists(t, out, "nothing was written")
		})
	}
}

// newcomerModule makes a module of its own, outside wgor's, with a main
// package that builds and one that does not, and makes it the current
// directory.
func newcomerModule(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":          "module example.com/newcomer\n\ngo 1.22\n",
		"hello/main.go":   "package main\n\nfunc main() { println(\"hello\") }\n",
		"broken/main.go":  "package main\n\nfunc main() { notDeclaredAnywhere() }\n",
		"library/lib.go":  "package library\n\nfunc F() {}\n",
		"hello/README.md": "a function\n",
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	t.Chdir(dir)
}

func TestPackageBuildsInTheCurrentModule(t *testing.T) {
	newcomerModule(t)
	code, stdout, stderr := packageCLI(t, "./hello")
	require.Equal(t, exitOK, code, stderr)
	h, bin := readZip(t, filepath.Join("dist", "hello", "hello.zip"))
	assertExecutableEntry(t, h, bin, "hello", elf.EM_X86_64)
	assert.FileExists(t, filepath.Join("dist", "hello", "s.yaml"))
	assert.Contains(t, stdout, filepath.Join("dist", "hello", "hello.zip"))
}

func TestPackageBuildFailureExitsOneWithGoOutput(t *testing.T) {
	newcomerModule(t)
	code, stdout, stderr := packageCLI(t, "./broken")
	assert.Equal(t, exitFail, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "undefined: notDeclaredAnywhere", "go build's output")
	assert.Contains(t, stderr, "go build ./broken failed")
	assert.NoDirExists(t, "dist")

	code, _, stderr = packageCLI(t, "./library")
	assert.Equal(t, exitFail, code)
	assert.Contains(t, stderr, "give a main package")
	assert.NoDirExists(t, "dist")
}

func TestPackageHelpGoesToStandardOutput(t *testing.T) {
	code, stdout, stderr := packageCLI(t, "--help")
	assert.Equal(t, exitOK, code)
	assert.Empty(t, stderr)
	assert.Contains(t, stdout, "Usage: wgor package [flags] PACKAGE")
	for _, f := range []string{"-arch", "-runtime", "-name", "-out", "-region"} {
		assert.Contains(t, stdout, f)
	}
}

func TestPackageNamesTheBinaryAsGoBuildDoes(t *testing.T) {
	wd, err := os.Getwd()
	require.NoError(t, err)
	for pkg, want := range map[string]string{
		"./cmd/myfn":                     "myfn",
		"./cmd/myfn/":                    "myfn",
		"example.com/fns/cmd/thumb":      "thumb",
		"example.com/fns/cmd/thumb/v2":   "thumb",
		".":                              filepath.Base(wd),
		"../redpng":                      "redpng",
		"example.com/fns/v2":             "fns",
		"example.com/fns/cmd/version2go": "version2go",
	} {
		assert.Equal(t, want, execName(pkg), pkg)
	}
}
