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

// zipEpoch is every zip entry's modification time: the earliest an MS-DOS
// date can say (zip's APPNOTE.TXT, 4.4.6), so that the same binary always
// gives the same zip.
var zipEpoch = time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)

// elfMachines maps --arch to the ELF machine its binaries declare.
var elfMachines = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// entry is the binary's name in the zip: the Go 1 runtime's handler, or
// the bootstrap that a custom runtime with no startup command runs
// (Function Compute, "Custom runtime: principles").
func (o *pkgOptions) entry() string {
	if o.runtime == "custom" {
		return "bootstrap"
	}
	return o.name
}

// buildPackage builds o.pkg, zips it and writes the zip, s.yaml and
// policy.json into o.out. The go command's output goes to stderr.
func buildPackage(ctx context.Context, stderr io.Writer, o *pkgOptions) error {
	if o.arch != "amd64" {
		// Function Compute's runtime pages ("Go": x86_64, "ARM64 is not
		// supported"; "Custom runtimes": x86_64) document no other.
		fmt.Fprintf(stderr, "wgor package: note: Function Compute documents x86_64 only for the go1 and custom runtimes; a linux/%s binary will not start there\n", o.arch)
	}
	bin, err := goBuild(ctx, stderr, o)
	if err != nil {
		return err
	}
	z, err := zipBinary(o.entry(), bin)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	files := map[string][]byte{o.name + ".zip": z, "s.yaml": serverlessYAML(o), "policy.json": []byte(ramPolicy)}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(o.out, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// goBuild runs the go command on $PATH in the current directory, so that
// the current module resolves o.pkg, and returns the executable it built.
// The target's variables come last, so that they win (os/exec keeps the
// last of duplicate variables).
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
	// The flags of Function Compute's "Compile and deploy a code package"
	// (Go): GOOS=linux, CGO_ENABLED=0 for a static binary.
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
	return bin, checkELF(bin, o)
}

// checkELF checks that bin is a 64-bit Linux executable for o.arch: go
// build of a package that is not main writes an archive instead.
func checkELF(bin []byte, o *pkgOptions) error {
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return fmt.Errorf("go build %s built no executable: give a main package (package main with func main)", o.pkg)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Machine != elfMachines[o.arch] || (f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN) {
		return fmt.Errorf("go build %s built a %v %v %v, not a linux/%s executable", o.pkg, f.Class, f.Machine, f.Type, o.arch)
	}
	return nil
}

// zipBinary returns a zip of one entry, name, holding bin with the mode
// 0755: SetMode writes it in the entry's external attributes and marks the
// entry as made on Unix (CreatorVersion), which unzip and Function Compute
// read whatever the file system the zip was made on.
func zipBinary(name string, bin []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: zipEpoch}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(bin); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
