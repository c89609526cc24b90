package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// binary is one built function and its copies.
type binary struct {
	name   string   // short name: redpng, floor, sdkv2
	label  string   // the table's column heading
	size   int64    // bytes of the stripped binary
	copies []string // paths of identical copies, started in turn
}

// target says where a binary's main package is: dir is relative to the
// repository's root (the module to build in), pkg relative to dir.
type target struct {
	name, label, dir, pkg string
}

// targets are the three binaries, in the table's order.
var targets = []target{
	{"redpng", "redpng (wgor)", ".", "./cmd/redpng"},
	{"floor", "floor", "internal/coldstart", "./floor"},
	{"sdkv2", "official SDK v2", "internal/sdkinterop", "./cmd/redpngsdk"},
}

// build builds every target, then the extra main packages of the main
// module, as Function Compute runs them (stripped, static) into dir and makes
// copies of each.
func build(ctx context.Context, dir string, copies int, extra []string) ([]binary, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("the go command is needed to build the binaries: %w", err)
	}
	root, err := moduleRoot(ctx, gobin)
	if err != nil {
		return nil, err
	}
	all := slices.Clone(targets)
	for _, pkg := range extra {
		name := path.Base(pkg)
		all = append(all, target{name: "extra-" + name, label: pkg, dir: ".", pkg: pkg})
	}
	var bins []binary
	for _, t := range all {
		out := filepath.Join(dir, t.name)
		cmd := exec.CommandContext(ctx, gobin, "build", "-trimpath", "-ldflags=-s -w", "-o", out, t.pkg)
		cmd.Dir = filepath.Join(root, t.dir)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("build %s: %w\n%s", t.pkg, err, b)
		}
		fi, err := os.Stat(out)
		if err != nil {
			return nil, err
		}
		b := binary{name: t.name, label: t.label, size: fi.Size()}
		for i := range copies {
			p := fmt.Sprintf("%s-%d", out, i+1)
			if err := copyFile(p, out); err != nil {
				return nil, err
			}
			b.copies = append(b.copies, p)
		}
		bins = append(bins, b)
	}
	return bins, nil
}

// moduleRoot returns the repository's root: coldstart is a module of its
// own at internal/coldstart, so that the main module holds only the
// product, and it refuses to run from anywhere else.
func moduleRoot(ctx context.Context, gobin string) (string, error) {
	out, err := exec.CommandContext(ctx, gobin, "list", "-m", "-f", "{{.Path}} {{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("go list -m: %w: run coldstart from its module directory, internal/coldstart", err)
	}
	path, dir, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	if path != "github.com/wgor-dev/wgor/internal/coldstart" {
		return "", fmt.Errorf("run coldstart from its module directory, internal/coldstart (go list -m says %q)", path)
	}
	return filepath.Join(dir, "..", ".."), nil
}

func copyFile(dst, src string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o755)
}
