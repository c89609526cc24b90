package main

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// pkgResult is what "wgor package" wrote.
type pkgResult struct {
	zip, syaml, policy string // paths of the files written
	entry              string // the binary's name in the zip
}

// zipEpoch is every zip entry's modification time: the earliest an MS-DOS
// date can say (zip's APPNOTE.TXT, 4.4.6: years from 1980), so that the
// same binary always gives the same zip.
var zipEpoch = time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)

// elfMachines maps --arch to the ELF machine its binaries declare.
var elfMachines = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// buildPackage builds o.pkg, zips it and writes the zip, s.yaml and
// policy.json into o.out. The go command's output goes to stderr.
func buildPackage(ctx context.Context, stderr io.Writer, o *pkgOptions) (*pkgResult, error) {
	if o.arch != "amd64" {
		// Function Compute's runtime pages ("Go": Go 1.x, Linux, x86_64,
		// "ARM64 is not supported"; "Custom runtimes": every custom.*
		// identifier is x86_64) document no other architecture.
		fmt.Fprintf(stderr, "wgor package: note: Function Compute documents x86_64 only for the go1 and custom runtimes; a linux/%s binary will not start there\n", o.arch)
	}
	bin, err := goBuild(ctx, stderr, o)
	if err != nil {
		return nil, err
	}
	entry := o.name
	if o.runtime == "custom" {
		// A custom runtime with no startup command runs /code/bootstrap
		// (Function Compute, "Custom runtime: principles").
		entry = "bootstrap"
	}
	z, err := zipBinary(entry, bin)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return nil, fmt.Errorf("create --out %q: %w", o.out, err)
	}
	res := &pkgResult{
		zip:    filepath.Join(o.out, o.name+".zip"),
		syaml:  filepath.Join(o.out, "s.yaml"),
		policy: filepath.Join(o.out, "policy.json"),
		entry:  entry,
	}
	policy, err := ramPolicy()
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		path string
		data []byte
	}{{res.zip, z}, {res.syaml, serverlessYAML(o)}, {res.policy, policy}} {
		if err := os.WriteFile(f.path, f.data, 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", f.path, err)
		}
	}
	return res, nil
}

// goBuild runs the go command on $PATH in the current directory, so that
// the current module resolves o.pkg, and returns the executable it built.
// The environment is passed through, with the target's variables last, so
// that they win (os/exec keeps the last of duplicate variables).
func goBuild(ctx context.Context, stderr io.Writer, o *pkgOptions) ([]byte, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return nil, errors.New("the go command is not on $PATH: install Go (https://go.dev/dl) and try again")
	}
	tmp, err := os.MkdirTemp("", "wgor-package-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, o.name)
	// The flags of the README's deployment, and of Function Compute's
	// "Compile and deploy a code package" (Go): GOOS=linux, CGO_ENABLED=0
	// for a static binary, GOARCH=amd64 when cross-compiling.
	cmd := exec.CommandContext(ctx, goCmd, "build", "-trimpath", "-ldflags=-s -w", "-o", out, o.pkg)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+o.arch, "CGO_ENABLED=0")
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		stderr.Write(output.Bytes())
		if ctx.Err() != nil {
			return nil, fmt.Errorf("go build %s stopped: %w", o.pkg, context.Cause(ctx))
		}
		return nil, fmt.Errorf("go build %s failed (%v): see its output above", o.pkg, err)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("go build %s wrote no executable: is it a main package? (%w)", o.pkg, err)
	}
	if err := checkELF(bin, o.arch); err != nil {
		return nil, fmt.Errorf("go build %s: %w", o.pkg, err)
	}
	return bin, nil
}

// checkELF checks that bin is a 64-bit Linux executable for arch. go build
// of a package that is not main writes an archive instead.
func checkELF(bin []byte, arch string) error {
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return errors.New("it built no executable: give a main package (package main with func main)")
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Machine != elfMachines[arch] || (f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN) {
		return fmt.Errorf("it built a %v %v %v, not a linux/%s executable", f.Class, f.Machine, f.Type, arch)
	}
	return nil
}

// zipBinary returns a zip of one entry, name, holding bin with the mode
// 0755: SetMode writes it in the entry's external attributes and marks the
// entry as made on Unix (CreatorVersion), which unzip and Function Compute
// read, whatever the file system the zip was made on. The fixed time makes
// the zip a function of name and bin alone.
func zipBinary(name string, bin []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: zipEpoch}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return nil, fmt.Errorf("zip %s: %w", name, err)
	}
	if _, err := w.Write(bin); err != nil {
		return nil, fmt.Errorf("zip %s: %w", name, err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("zip %s: %w", name, err)
	}
	return buf.Bytes(), nil
}
