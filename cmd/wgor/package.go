package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

const packageUsage = `package [flags] PACKAGE

Builds the main package PACKAGE (such as ./cmd/myfn, resolved in the
current directory's module) for Function Compute with the go command on
$PATH: GOOS=linux, GOARCH=amd64 (or --arch arm64), CGO_ENABLED=0,
-trimpath -ldflags='-s -w'. Then it writes into --out DIR:

  NAME.zip     the binary, mode 0755 in the zip entry itself; the same
               binary always gives the same bytes. For --runtime go1 the
               entry is NAME (the function's handler); for --runtime custom
               it is bootstrap.
  s.yaml       a Serverless Devs project for Function Compute 3.0
               (component fc3): deploy it with "s deploy" in DIR, after
               putting a RAM role of yours in its role line.
  policy.json  the RAM policy that role needs: oss:WriteGetObjectResponse.

and prints the next steps: the role, the deployment, the Object FC Access
Point and a GetObject through its alias. NAME is --name, else the last
element of PACKAGE. Every flag is checked before the build: a bad one exits
2; a failed build exits 1 with the go command's output.

Flags:
  --arch ARCH        amd64 (default) or arm64
  --runtime RUNTIME  go1 (default: Function Compute's built-in Go 1 runtime)
                     or custom (a custom runtime, custom.debian10)
  --name NAME        the function's name, binary and handler; letters,
                     digits, '_' and '-', at most 64, not starting with a
                     digit or '-'
  --out DIR          where the files go (default dist/NAME)
  --region REGION    the region in s.yaml (default cn-hangzhou)`

// pkgOptions are the checked flags and argument of "wgor package".
type pkgOptions struct {
	pkg, arch, runtime, name, out, region string
}

// Function Compute 3.0's rule for a function name (API reference
// "CreateFunction", functionName; the same in ROS's ALIYUN::FC3::Function):
// letters, digits, '_' and '-', 1 to 64 characters, not starting with a
// digit or '-'. The name is also the binary's file name and the Go 1
// runtime's handler, so the rule keeps it a plain file name too.
var fcFunctionName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`)

func runPackage(ctx context.Context, e *env, args []string) error {
	o, err := parsePackageFlags(e.stdout, args)
	if err != nil {
		return err
	}
	res, err := buildPackage(ctx, e.stderr, o)
	if err != nil {
		return err
	}
	printNextSteps(e.stdout, o, res)
	return nil
}

// parsePackageFlags parses and checks every flag and the argument. Flags
// may come before or after the package.
func parsePackageFlags(help io.Writer, args []string) (*pkgOptions, error) {
	fs := flag.NewFlagSet("wgor package", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := &pkgOptions{}
	fs.StringVar(&o.arch, "arch", "amd64", "")
	fs.StringVar(&o.runtime, "runtime", "go1", "")
	fs.StringVar(&o.name, "name", "", "")
	fs.StringVar(&o.out, "out", "", "")
	fs.StringVar(&o.region, "region", "cn-hangzhou", "")
	var pkgs []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(help, "Usage: wgor "+packageUsage)
				return nil, err
			}
			return nil, usagef("%s", strings.Replace(err.Error(), "flag provided but not defined: -", "unknown flag --", 1))
		}
		if fs.NArg() == 0 {
			break
		}
		pkgs = append(pkgs, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pkgs) != 1 {
		return nil, usagef("give one main package, such as ./cmd/myfn (got %d arguments)", len(pkgs))
	}
	o.pkg = pkgs[0]
	return o, o.check()
}

// check checks the options, and fills in the name and the directory.
func (o *pkgOptions) check() error {
	switch {
	case strings.HasPrefix(o.pkg, "-") || strings.Contains(o.pkg, "..."):
		return usagef("package %q is not one package: give the path of a main package, such as ./cmd/myfn", o.pkg)
	case o.arch != "amd64" && o.arch != "arm64":
		return usagef("--arch %q: use amd64 or arm64", o.arch)
	case o.runtime != "go1" && o.runtime != "custom":
		return usagef("--runtime %q: use go1 (the built-in Go 1 runtime) or custom (a custom runtime)", o.runtime)
	case !regionPattern.MatchString(o.region): // fc3's schema (devsapp/fc3 src/schema.json, IRegion) lists the regions it knows; the form alone is checked
		return usagef("--region %q is not a region ID such as cn-hangzhou", o.region)
	}
	if o.name == "" {
		o.name = execName(o.pkg)
		if !fcFunctionName.MatchString(o.name) {
			return usagef("the package's name %q is not a Function Compute function name: set --name (letters, digits, '_' and '-', at most 64, not starting with a digit or '-')", o.name)
		}
	} else if !fcFunctionName.MatchString(o.name) {
		return usagef("--name %q: use letters, digits, '_' and '-', at most 64, not starting with a digit or '-'", o.name)
	}
	if o.out == "" {
		o.out = filepath.Join("dist", o.name)
	}
	if fi, err := os.Stat(o.out); err == nil && !fi.IsDir() {
		return usagef("--out %q is not a directory", o.out)
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
