package main

import (
	"context"
	"flag"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

const packageUsage = `package [flags] PACKAGE

Builds the main package PACKAGE (such as ./cmd/myfn, resolved in the current
directory's module) for Function Compute with the go command on $PATH:
GOOS=linux, GOARCH=--arch, CGO_ENABLED=0, -trimpath -ldflags='-s -w'. Then it
writes into --out NAME.zip (the binary, mode 0755 in the zip entry itself,
named NAME for --runtime go1 or bootstrap for custom; the same binary gives
the same bytes), s.yaml (a Serverless Devs project for Function Compute 3.0:
put a RAM role of yours in its role line, then "s deploy") and policy.json
(the RAM policy that role needs), and prints the next steps. NAME is --name,
else the last element of PACKAGE. Flags may come after PACKAGE too.`

// fcFunctionName is Function Compute 3.0's rule for a function name (API
// reference "CreateFunction", functionName): letters, digits, '_' and '-',
// 1 to 64, not starting with a digit or '-'. It is the binary's file name
// and the Go 1 runtime's handler too.
var fcFunctionName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`)

const fcNameRule = "letters, digits, '_' and '-', at most 64, not starting with a digit or '-'"

// pkgOptions are the checked flags and argument of "wgor package".
type pkgOptions struct {
	pkg, arch, runtime, name, out, region string
}

func runPackage(ctx context.Context, e *env, args []string) error {
	o, err := parsePackage(e, args)
	if err != nil {
		return err
	}
	if err := buildPackage(ctx, e.stderr, o); err != nil {
		return err
	}
	printNextSteps(e.stdout, o)
	return nil
}

func parsePackage(e *env, args []string) (*pkgOptions, error) {
	fs := newFlags(e, "package", packageUsage)
	arch := check(fs, "arch", "amd64", "`ARCH` to build for: amd64 or arm64", oneOf("amd64", "arm64"))
	runtime := check(fs, "runtime", "go1", "`RUNTIME`: go1 (Function Compute's Go 1 runtime) or custom (custom.debian10)", oneOf("go1", "custom"))
	name := check(fs, "name", "", "the function's `NAME`: "+fcNameRule+" (default: the package's last path element)",
		match(fcFunctionName, "a function name: "+fcNameRule))
	out := check(fs, "out", "", "`DIR` the files go into (default dist/NAME)", text("--out"))
	region := check(fs, "region", "cn-hangzhou", "the `REGION` of s.yaml", regionID)
	pkgs, err := parseAll(fs, args)
	if err != nil {
		return nil, err
	}
	o := &pkgOptions{arch: *arch, runtime: *runtime, name: *name, out: *out, region: *region}
	return o, o.check(pkgs)
}

// parseAll parses flags before and after the arguments, and returns the
// arguments.
func parseAll(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := parse(fs, args); err != nil || fs.NArg() == 0 {
			return rest, err
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
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
		if !fcFunctionName.MatchString(o.name) {
			return usagef("the package's name %s is not a Function Compute function name: set --name (%s)", quoteArg(o.name), fcNameRule)
		}
	}
	if o.out == "" {
		o.out = filepath.Join("dist", o.name)
	}
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
