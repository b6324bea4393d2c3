//go:build linux

// Command bench is a tool of this repository, not part of the provider: it measures the
// auth provider with the real Terraform CLI against its floor, the twin (cmd/bench/twin:
// the same schema, no API, no logic), with hashicorp/time's time_static and Terraform's
// built-in terraform_data as references, and writes the results to BENCHMARKS.md. It is a
// benchmark, not a test: run it with `make bench` on a quiet machine. What it compares is
// in kinds.go.
//
// For each size N it runs, per repetition and alternating the kinds step by step:
// apply (create N), plan with no changes, apply rotating all N (one rotation_triggers
// change), destroy. Provider processes run under a shim (cmd/bench/shim) that records
// their CPU time and peak RSS (cmd/bench/usage); the local Auth API server
// (cmd/auth-server) counts the requests of every step, and the harness fails unless they
// are exactly N for create, rotate and destroy, and 0 for the plan.
//
// With -profile DIR it measures nothing: it runs each step once for auth and the twin with
// BENCH_PROFILE_DIR set, so that every provider process writes CPU and allocation profiles
// (internal/profiling) for `go tool pprof`.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	terraform   string
	sizes       []int
	reps        int
	planReps    int
	startupReps int
	out         string
	maxLoad     float64
	loadWait    time.Duration
	profile     string
	// flags are the flags given besides -terraform, as the report quotes them.
	flags []string
}

// flagsText is the report's quote of the flags given besides -terraform.
func (o options) flagsText() string {
	if len(o.flags) == 0 {
		return ""
	}
	return " " + strings.Join(o.flags, " ")
}

func parseFlags() (options, error) {
	var o options
	var sizes string
	flag.StringVar(&o.terraform, "terraform", "", "Terraform CLI to run (required; `make bench` passes scripts/find-terraform.sh's choice)")
	flag.StringVar(&sizes, "n", "100,400", "comma-separated resource counts")
	flag.IntVar(&o.reps, "reps", 5, "measured repetitions of every step (medians are reported)")
	flag.IntVar(&o.planReps, "plan-reps", 4, "no-change plans per repetition (a plan is short, so its medians need more samples than the other steps')")
	flag.IntVar(&o.startupReps, "startup-reps", 20, "provider start-ups to time, per provider")
	flag.StringVar(&o.out, "out", "BENCHMARKS.md", "report file; the part between its bench markers is replaced, the rest kept (\"\": print only)")
	flag.Float64Var(&o.maxLoad, "max-load", 1.5, "wait until the 1-minute load average is below this before measuring (0: do not wait)")
	flag.DurationVar(&o.loadWait, "load-wait", 30*time.Minute, "give up waiting for -max-load after this long, and note the load")
	flag.StringVar(&o.profile, "profile", "", "instead of measuring, profile the provider processes of auth and the twin in every step into this directory")
	flag.Parse()
	flag.Visit(func(f *flag.Flag) {
		if f.Name != "terraform" {
			o.flags = append(o.flags, fmt.Sprintf("-%s %q", f.Name, f.Value))
		}
	})
	if o.terraform == "" {
		return o, fmt.Errorf("-terraform is required")
	}
	for _, f := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return o, fmt.Errorf("-n: %q is not a positive count", f)
		}
		o.sizes = append(o.sizes, n)
	}
	if o.reps < 1 || o.planReps < 1 || o.startupReps < 1 {
		return o, fmt.Errorf("-reps, -plan-reps and -startup-reps must be at least 1")
	}
	return o, nil
}

func main() {
	o, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runBench(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func runBench(ctx context.Context, o options) error {
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	if mod, err := os.ReadFile(filepath.Join(root, "go.mod")); err != nil || !strings.Contains(string(mod), "module github.com/example/terraform-provider-auth\n") {
		return fmt.Errorf("run from the repository root (make bench)")
	}
	dir := filepath.Join(root, ".build", "bench")
	bins, err := build(ctx, root, dir)
	if err != nil {
		return err
	}
	work := filepath.Join(dir, "work")
	if err := os.RemoveAll(work); err != nil {
		return err
	}
	if err := os.MkdirAll(work, 0o700); err != nil {
		return err
	}
	defer os.RemoveAll(work) // Terraform states hold token secrets
	srv, err := startServer(ctx, bins.server, work)
	if err != nil {
		return err
	}
	defer srv.stop()
	cliConfig := filepath.Join(work, "terraform.rc")
	if err := writeCLIConfig(cliConfig, bins.overrides, filepath.Join(work, "empty-mirror")); err != nil {
		return err
	}
	env := terraformEnv(cliConfig, srv.env())

	spaces := map[resultKey]*workspace{}
	for _, n := range o.sizes {
		for _, k := range kinds {
			ws, err := newWorkspace(work, k, n, append(slices.Clip(env), k.env...))
			if err != nil {
				return err
			}
			spaces[resultKey{kind: k.name, n: n}] = ws
		}
	}
	serverFor := func(k kind) *authServer {
		if k.api {
			return srv
		}
		return nil
	}

	if o.profile != "" {
		return profileSteps(ctx, o, spaces, serverFor)
	}

	m, err := describeMachine(ctx, o.terraform)
	if err != nil {
		return err
	}
	m.LoadBefore = waitForLoad(ctx, o.maxLoad, o.loadWait)
	m.Started = time.Now().UTC()

	warm := o.sizes[0]
	progress("warm-up at N=%d (not measured)", warm)
	for _, step := range steps {
		for _, k := range kinds {
			if _, err := spaces[resultKey{kind: k.name, n: warm}].runStep(ctx, o.terraform, step, serverFor(k)); err != nil {
				return err
			}
		}
	}

	startups, err := measureStartups(ctx, o.startupReps, bins)
	if err != nil {
		return err
	}

	var samples []sample
	for rep := 1; rep <= o.reps; rep++ {
		for _, n := range o.sizes {
			// Each repetition starts with another kind, so that none always runs first.
			order := rotated(kinds, rep)
			for _, step := range steps {
				rounds := 1
				if step == "plan" {
					rounds = o.planReps
				}
				for round := range rounds {
					// A plan changes nothing, so it runs again at once, the next round led by another kind.
					for _, k := range rotated(order, round) {
						s, err := spaces[resultKey{kind: k.name, n: n}].runStep(ctx, o.terraform, step, serverFor(k))
						if err != nil {
							return err
						}
						progress("rep %d/%d N=%d %-7s %-4s %6.2fs  cpu %5.2fs  provider %5.2fs %4d MiB",
							rep, o.reps, n, step, k.name, s.Wall.Seconds(), s.TotalCPU.Seconds(), s.ProviderCPU.Seconds(), s.ProviderRSSKiB/1024)
						samples = append(samples, s)
					}
				}
			}
		}
	}
	m.Finished = time.Now().UTC()
	m.LoadAfter = loadAverage()

	progress("Go benchmarks")
	goBench, err := runGoBenchmarks(ctx, root)
	if err != nil {
		return err
	}
	cost, err := parseHTTPCost(goBench)
	if err != nil {
		return err
	}
	versions, err := describeVersions(bins)
	if err != nil {
		return err
	}
	report := render(o, m, versions, bins, startups, collect(samples), goBench, cost)
	fmt.Print(report)
	if o.out == "" {
		return nil
	}
	progress("writing %s", o.out)
	return writeReport(o.out, report)
}

// measureStartups alternates the plugins' start-ups.
func measureStartups(ctx context.Context, reps int, bins *binaries) (map[string][]startupSample, error) {
	progress("timing %d start-ups of each provider", reps)
	out := map[string][]startupSample{}
	for range reps {
		for _, p := range plugins {
			s, err := measureStartup(ctx, p, bins.providers[p.name])
			if err != nil {
				return nil, err
			}
			out[p.name] = append(out[p.name], s)
		}
	}
	return out, nil
}

// runGoBenchmarks runs the client's loopback benchmarks (the CPU of one request, which the
// provider's CPU allowance adds) and the server's issue-path benchmark.
func runGoBenchmarks(ctx context.Context, root string) (string, error) {
	text, err := output(ctx, root, nil, "go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-count", "1",
		"./internal/authclient", "./internal/authserver")
	if err != nil {
		return "", err
	}
	var keep []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "Benchmark") || strings.HasPrefix(line, "pkg:") || strings.HasPrefix(line, "cpu:") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n"), nil
}

// rotated returns a copy of ks that starts by places further along, wrapping around.
func rotated(ks []kind, by int) []kind {
	by %= len(ks)
	return append(slices.Clone(ks[by:]), ks[:by]...)
}
