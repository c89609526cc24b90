package main

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"
)

const packageUsage = `package [flags] PACKAGE

Builds the main package PACKAGE for Function Compute and writes into --out
the zip to upload, a Serverless Devs s.yaml and the RAM policy.json. Flags
may follow PACKAGE too.`

// fcNameRule is Function Compute 3.0's rule for a function name (API
// reference "CreateFunction", functionName). It is the binary's file name
// and the Go 1 runtime's handler too.
const fcNameRule = "letters, digits, '_' and '-', at most 64, not starting with a digit or '-'"

var fcFunctionName = match(`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`, "a function name: "+fcNameRule)

// pkgOptions are the checked flags and argument of "wgor package".
type pkgOptions struct {
	pkg, arch, runtime, name, out, region string
}

func runPackage(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "package", packageUsage)
	o := &pkgOptions{arch: "amd64", runtime: "go1", region: "cn-hangzhou"}
	check(fs, &o.arch, "arch", "`ARCH` to build for: amd64 or arm64", oneOf("amd64", "arm64"))
	check(fs, &o.runtime, "runtime", "`RUNTIME`: go1 (Function Compute's Go 1 runtime) or custom (custom.debian10)", oneOf("go1", "custom"))
	check(fs, &o.name, "name", "the function's `NAME`: "+fcNameRule+" (default: the package's last path element)", fcFunctionName)
	check(fs, &o.out, "out", "`DIR` the files go into (default dist/NAME)", text("--out"))
	check(fs, &o.region, "region", "the `REGION` of s.yaml", regionID)
	var pkgs []string
	for { // flags before and after the package
		if err := parse(fs, args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pkgs, args = append(pkgs, fs.Arg(0)), fs.Args()[1:]
	}
	if err := o.check(pkgs); err != nil {
		return err
	}
	if o.arch != "amd64" {
		// Function Compute's runtime pages ("Go": x86_64, "ARM64 is not
		// supported"; "Custom runtimes": x86_64) document no other.
		fmt.Fprintf(e.stderr, "wgor package: note: Function Compute documents x86_64 only for the go1 and custom runtimes; a linux/%s binary will not start there\n", o.arch)
	}
	bin, err := goBuild(ctx, e, o)
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
	printNextSteps(e.stdout, o)
	return nil
}

// check checks the package, and fills in the name and the directory.
func (o *pkgOptions) check(pkgs []string) error {
	if len(pkgs) != 1 {
		return usagef("give one main package, such as ./cmd/myfn (got %d arguments)", len(pkgs))
	}
	o.pkg = pkgs[0]
	if strings.HasPrefix(o.pkg, "-") || strings.Contains(o.pkg, "...") {
		return usagef("package %s is not one package: give the path of a main package, such as ./cmd/myfn", quoteArg(o.pkg))
	}
	if o.name == "" {
		o.name = execName(o.pkg)
		if _, err := fcFunctionName(o.name); err != nil {
			return usagef("the package's name %s is not a Function Compute function name: set --name (%s)", quoteArg(o.name), fcNameRule)
		}
	}
	o.out = cmp.Or(o.out, filepath.Join("dist", o.name))
	if fi, err := os.Stat(o.out); err == nil && !fi.IsDir() {
		return usagef("--out %s is not a directory", quoteArg(o.out))
	}
	return nil
}

// execName is the name go build gives the executable of pkg: the last
// element of its path, or the one before a major version suffix such as
// /v2 ("go help build": "the last non-major-version component").
func execName(pkg string) string {
	p := path.Clean(filepath.ToSlash(pkg))
	if p == "." || p == ".." || strings.HasSuffix(p, "/..") {
		if abs, err := filepath.Abs(pkg); err == nil {
			p = filepath.ToSlash(abs)
		}
	}
	base := path.Base(p)
	if len(base) > 1 && base[0] == 'v' && strings.Trim(base[1:], "0123456789") == "" && path.Dir(p) != "." {
		return path.Base(path.Dir(p))
	}
	return base
}

// entry is the binary's name in the zip: the Go 1 runtime's handler, or
// the bootstrap that a custom runtime with no startup command runs
// (Function Compute, "Custom runtime: principles").
func (o *pkgOptions) entry() string {
	if o.runtime == "custom" {
		return "bootstrap"
	}
	return o.name
}

// goBuild runs the go command on $PATH in the current directory, so that
// the current module resolves o.pkg, and returns the executable it built;
// the go command's output goes to standard error. The target's variables
// come last, so that they win (os/exec keeps the last of duplicates).
func goBuild(ctx context.Context, e *env, o *pkgOptions) ([]byte, error) {
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
	if output, err := cmd.CombinedOutput(); err != nil {
		e.stderr.Write(output)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("go build %s stopped: %w", o.pkg, context.Cause(ctx))
		}
		return nil, fmt.Errorf("go build %s failed (%v): see its output above", o.pkg, err)
	}
	// go build of a package that is not main writes an archive instead.
	f, err := elf.Open(out)
	if err != nil {
		return nil, fmt.Errorf("go build %s built no executable: give a main package (package main with func main)", o.pkg)
	}
	f.Close()
	return os.ReadFile(out)
}

// zipBinary returns a zip of one entry, name, holding bin with the mode
// 0755: SetMode writes it in the entry's external attributes and marks the
// entry as made on Unix (CreatorVersion), which unzip and Function Compute
// read whatever the file system the zip was made on. Its time is the
// earliest an MS-DOS date can say (zip's APPNOTE.TXT, 4.4.6), so that the
// same binary always gives the same zip.
func zipBinary(name string, bin []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err == nil {
		_, err = w.Write(bin)
	}
	if err := errors.Join(err, zw.Close()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
