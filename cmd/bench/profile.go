//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/example/terraform-provider-auth/internal/profiling"
)

// profiled are the kinds that -profile runs: auth and its floor.
var profiled = []string{"auth", "twin"}

// profileSteps runs every step once per size for the profiled kinds, each provider
// process writing its profiles to DIR/KIND-N/STEP/, and prints how to compare them.
func profileSteps(ctx context.Context, o options, spaces map[resultKey]*workspace, serverFor func(kind) *authServer) error {
	dir, err := filepath.Abs(o.profile)
	if err != nil {
		return err
	}
	for _, n := range o.sizes {
		for _, name := range profiled {
			ws := spaces[resultKey{kind: name, n: n}]
			for _, step := range steps {
				stepDir := filepath.Join(dir, fmt.Sprintf("%s-%d", name, n), step)
				if err := os.RemoveAll(stepDir); err != nil {
					return err
				}
				if err := os.MkdirAll(stepDir, 0o755); err != nil {
					return err
				}
				profiledWS := *ws
				profiledWS.env = append(slices.Clip(ws.env), profiling.DirEnv+"="+stepDir)
				s, err := profiledWS.runStep(ctx, o.terraform, step, serverFor(ws.kind))
				if err != nil {
					return err
				}
				progress("profiled N=%d %-7s %-4s %6.2fs  provider %5.2fs (profiling included)", n, step, name, s.Wall.Seconds(), s.ProviderCPU.Seconds())
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Profiles in %s/KIND-N/STEP/{cpu,allocs}-PID.pprof, one pair per provider process. Compare, e.g.:\n", dir)
	n := o.sizes[len(o.sizes)-1]
	for _, name := range profiled {
		fmt.Fprintf(&b, "  go tool pprof -top -nodecount 40 %s/%s-%d/rotate/cpu-*.pprof\n", dir, name, n)
		fmt.Fprintf(&b, "  go tool pprof -top -nodecount 40 -sample_index=alloc_space %s/%s-%d/rotate/allocs-*.pprof\n", dir, name, n)
	}
	fmt.Print(b.String())
	return nil
}
