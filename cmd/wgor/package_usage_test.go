package main

import (
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
