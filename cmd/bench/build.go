//go:build linux

package main

import (
	"context"
	"debug/buildinfo"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Peer provider: hashicorp/terraform-provider-time, a plugin-framework provider that
// calls no API, built from the Go module proxy.
const (
	peerModule  = "github.com/hashicorp/terraform-provider-time"
	peerVersion = "v0.14.2"
)

// pinnedModules are built into the peer at exactly our versions, so that the comparison
// measures the providers and not two framework or RPC-stack releases.
var pinnedModules = []string{
	"github.com/hashicorp/terraform-plugin-framework",
	"github.com/hashicorp/terraform-plugin-go",
	"google.golang.org/grpc",
	"google.golang.org/protobuf",
}

// binaries are the programs one bench run uses, all under .build/bench.
type binaries struct {
	server string
	// providers holds each plugin's binary and overrides its dev_overrides directory,
	// where its shim stands in for it; both by plugin name.
	providers, overrides map[string]string
}

// stripFlags are the release flags of `make build`, applied to every provider alike.
const stripFlags = "-s -w"

func build(ctx context.Context, root, dir string) (*binaries, error) {
	bin := filepath.Join(dir, "bin")
	b := &binaries{server: filepath.Join(bin, "auth-server"), providers: map[string]string{}, overrides: map[string]string{}}
	progress("building the local server, the providers and their shims")
	if err := goBuild(ctx, root, b.server, stripFlags, "./cmd/auth-server"); err != nil {
		return nil, err
	}
	for _, p := range plugins {
		target := filepath.Join(bin, "terraform-provider-"+p.name)
		if err := p.build(ctx, root, dir, target); err != nil {
			return nil, err
		}
		ovr := filepath.Join(dir, "overrides", p.name)
		if err := os.MkdirAll(ovr, 0o755); err != nil {
			return nil, err
		}
		if err := goBuild(ctx, root, filepath.Join(ovr, "terraform-provider-"+p.name), "-X main.target="+target, "./cmd/bench/shim"); err != nil {
			return nil, err
		}
		b.providers[p.name], b.overrides[p.name] = target, ovr
	}
	return b, nil
}

// goBuild builds the main package pkg of this module.
func goBuild(ctx context.Context, root, out, ldflags, pkg string) error {
	return run(ctx, root, nil, "go", "build", "-trimpath", "-ldflags", ldflags, "-o", out, pkg)
}

// buildPeer builds the peer from a throwaway module that requires it and replaces the
// framework modules with the versions our go.mod selects.
func buildPeer(ctx context.Context, root, modDir, out string) error {
	progress("building the peer %s@%s from the Go module proxy", peerModule, peerVersion)
	ours, err := moduleVersions(ctx, root, pinnedModules)
	if err != nil {
		return err
	}
	goVersion, err := output(ctx, root, nil, "go", "list", "-m", "-f", "{{.GoVersion}}")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(modDir, 0o755); err != nil {
		return err
	}
	var mod strings.Builder
	fmt.Fprintf(&mod, "module bench/peer\n\ngo %s\n\nrequire %s %s\n\n", strings.TrimSpace(goVersion), peerModule, peerVersion)
	for _, m := range pinnedModules {
		fmt.Fprintf(&mod, "replace %s => %s %s\n", m, m, ours[m])
	}
	if err := os.WriteFile(filepath.Join(modDir, "go.mod"), []byte(mod.String()), 0o600); err != nil {
		return err
	}
	// -mod=mod fills the throwaway go.sum from the proxy (checked against the checksum database).
	return run(ctx, modDir, []string{"GOFLAGS=-mod=mod -buildvcs=false"}, "go", "build", "-trimpath", "-ldflags", stripFlags, "-o", out, peerModule)
}

// moduleVersions asks the main module which versions of mods it builds with.
func moduleVersions(ctx context.Context, root string, mods []string) (map[string]string, error) {
	args := append([]string{"list", "-m", "-f", "{{.Path}} {{.Version}}"}, mods...)
	text, err := output(ctx, root, nil, "go", args...)
	if err != nil {
		return nil, err
	}
	versions := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if path, version, ok := strings.Cut(line, " "); ok {
			versions[path] = version
		}
	}
	for _, m := range mods {
		if versions[m] == "" {
			return nil, fmt.Errorf("go list -m: no version for %s", m)
		}
	}
	return versions, nil
}

// linkedVersions reads the versions of mods that a binary was built with.
func linkedVersions(binary string, mods []string) (map[string]string, error) {
	info, err := buildinfo.ReadFile(binary)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, dep := range info.Deps {
		for _, m := range mods {
			if dep.Path == m {
				out[m] = dep.Version
				if dep.Replace != nil {
					out[m] = dep.Replace.Version
				}
			}
		}
	}
	return out, nil
}

// run runs a command in dir with the harness's environment plus extra, streaming its
// output to stderr.
func run(ctx context.Context, dir string, extra []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), extra...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

// output runs a command and returns its stdout.
func output(ctx context.Context, dir string, extra []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), extra...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return string(out), nil
}
