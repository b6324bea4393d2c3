//go:build linux

// Command profiled is the auth provider with profiles around it, for `go run
// ./cmd/bench -profile DIR` only: it serves the same provider as main.go and, when
// Terraform shuts it down, writes DIR/cpu-<pid>.pprof and DIR/allocs-<pid>.pprof (DIR from
// BENCH_PROFILE_DIR). It is never built by `make build`; the production binary has no
// profiling hook.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime/pprof"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/example/terraform-provider-auth/internal/provider"
)

func main() {
	dir := os.Getenv("BENCH_PROFILE_DIR")
	if dir == "" {
		log.Fatal("profiled: BENCH_PROFILE_DIR is not set")
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", os.Getpid()))) //nolint:gosec // G703: the directory the benchmark harness chose
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	factory, _ := provider.New("profiled") // the benchmark opens no ephemeral resource
	serveErr := providerserver.Serve(context.Background(), factory, providerserver.ServeOpts{
		Address: "registry.terraform.io/example/auth",
	})
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	if err := writeAllocs(filepath.Join(dir, fmt.Sprintf("allocs-%d.pprof", os.Getpid()))); err != nil {
		log.Fatal(err)
	}
	if serveErr != nil {
		log.Fatal(serveErr)
	}
}

// writeAllocs writes every allocation since start (and what was live at the last GC).
func writeAllocs(path string) error {
	f, err := os.Create(path) //nolint:gosec // G703: a path in the directory the benchmark harness chose
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
