//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/example/terraform-provider-auth/cmd/bench/usage"
	"github.com/example/terraform-provider-auth/internal/authserver"
	"github.com/example/terraform-provider-auth/internal/profiling"
)

// The four measured steps, in the order each repetition runs them.
var steps = []string{"create", "plan", "rotate", "destroy"}

// expectedRequests is what each step must cost the Auth API for n tokens: exactly one
// request per token for create, rotate and destroy, none for the no-change plan (and its
// refresh).
func expectedRequests(step string, n int) authserver.CountsResponse {
	want := authserver.CountsResponse{authserver.OpIssueLong: 0, authserver.OpIssueShort: 0, authserver.OpRevoke: 0}
	switch step {
	case "create", "rotate":
		want[authserver.OpIssueLong] = n
	case "destroy":
		want[authserver.OpRevoke] = n
	}
	return want
}

// workspace is one configuration directory: a kind at a size.
type workspace struct {
	kind kind
	n    int
	dir  string
	env  []string
}

// sample is one measured step.
type sample struct {
	Kind, Step string
	N          int
	Wall       time.Duration
	// TotalCPU is the user+system time of Terraform and every process it waited for.
	TotalCPU time.Duration
	// ProviderCPU, ProviderRSSKiB and Processes sum, max and count the provider processes.
	ProviderCPU    time.Duration
	ProviderRSSKiB int64
	Processes      int
	ServerCPU      time.Duration
	Requests       authserver.CountsResponse
	// StateBytes is the size of the state file after the step.
	StateBytes int64
}

func newWorkspace(root string, k kind, n int, env []string) (*workspace, error) {
	dir := filepath.Join(root, fmt.Sprintf("%s-%d", k.name, n))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(k.config(n)), 0o600); err != nil {
		return nil, err
	}
	return &workspace{kind: k, n: n, dir: dir, env: env}, nil
}

// stepArgs are the Terraform arguments of a step. Every repetition starts from an empty
// state, so the generations are the same each time.
func stepArgs(step string) []string {
	common := []string{"-input=false", "-no-color"}
	switch step {
	case "create":
		return append([]string{"apply", "-auto-approve", "-var", "generation=1"}, common...)
	case "plan":
		return append([]string{"plan", "-detailed-exitcode", "-var", "generation=1"}, common...)
	case "rotate":
		return append([]string{"apply", "-auto-approve", "-var", "generation=2"}, common...)
	default:
		return append([]string{"destroy", "-auto-approve", "-var", "generation=2"}, common...)
	}
}

var (
	applySummary   = regexp.MustCompile(`Apply complete! Resources: (\d+) added, (\d+) changed, (\d+) destroyed\.`)
	destroySummary = regexp.MustCompile(`Destroy complete! Resources: (\d+) destroyed\.`)
)

// checkOutcome confirms that Terraform did what the step means, for all n resources.
func (w *workspace) checkOutcome(step string, out []byte) error {
	n := w.n
	var want [3]int
	switch step {
	case "plan":
		return nil // -detailed-exitcode 0 already means no changes
	case "create":
		want = [3]int{n, 0, 0}
	case "rotate":
		want = [3]int{w.kind.rotate[0] * n, w.kind.rotate[1] * n, w.kind.rotate[2] * n}
	case "destroy":
		m := destroySummary.FindSubmatch(out)
		if m == nil || string(m[1]) != strconv.Itoa(n) {
			return fmt.Errorf("destroy did not report %d destroyed", n)
		}
		return nil
	}
	m := applySummary.FindSubmatch(out)
	if m == nil {
		return errors.New("no apply summary in Terraform's output")
	}
	got := [3]int{}
	for i := range got {
		got[i], _ = strconv.Atoi(string(m[i+1]))
	}
	if got != want {
		return fmt.Errorf("apply reported %d added, %d changed, %d destroyed; want %d, %d, %d",
			got[0], got[1], got[2], want[0], want[1], want[2])
	}
	return nil
}

// runStep runs one step and measures it. A failure quotes the end of Terraform's output
// (which shows secrets only as "(sensitive value)").
func (w *workspace) runStep(ctx context.Context, terraform, step string, srv *authServer) (sample, error) {
	s := sample{Kind: w.kind.name, Step: step, N: w.n}
	usageFile := filepath.Join(w.dir, "rusage.jsonl")
	_ = os.Remove(usageFile)
	if srv != nil {
		if err := srv.resetCounts(); err != nil {
			return s, err
		}
	}
	serverCPUBefore := time.Duration(0)
	if srv != nil {
		var err error
		if serverCPUBefore, err = srv.cpuTime(); err != nil {
			return s, err
		}
	}

	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, terraform, stepArgs(step)...) //nolint:gosec // G204: the Terraform CLI the developer chose, with the benchmark's own arguments
	cmd.Dir = w.dir
	cmd.Env = append(slices.Clip(w.env), usage.FileEnv+"="+usageFile)
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	s.Wall = time.Since(start)
	if err != nil {
		return s, fmt.Errorf("%s %s at N=%d: terraform %s: %w\n%s", w.kind.name, step, w.n, stepArgs(step)[0], err, tail(out.Bytes(), 30))
	}
	if err := w.checkOutcome(step, out.Bytes()); err != nil {
		return s, fmt.Errorf("%s %s at N=%d: %w\n%s", w.kind.name, step, w.n, err, tail(out.Bytes(), 30))
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		// wait4 reports the process and its waited-for descendants: the whole tree.
		s.TotalCPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if err := s.addProviderUsage(usageFile, w.kind.provider); err != nil {
		return s, err
	}
	if info, err := os.Stat(filepath.Join(w.dir, "terraform.tfstate")); err == nil {
		s.StateBytes = info.Size()
	}
	if srv != nil {
		after, err := srv.cpuTime()
		if err != nil {
			return s, err
		}
		s.ServerCPU = after - serverCPUBefore
		if s.Requests, err = srv.counts(); err != nil {
			return s, err
		}
		if err := w.checkServer(step, s.Requests, srv); err != nil {
			return s, err
		}
	}
	return s, nil
}

// addProviderUsage folds in the shim records of the step's provider processes.
func (s *sample) addProviderUsage(path, provider string) error {
	if provider == "" {
		return nil
	}
	records, err := usage.Read(path)
	if err != nil {
		return fmt.Errorf("no usage recorded by the %s shim: %w", provider, err)
	}
	if len(records) == 0 {
		return fmt.Errorf("%s: no provider process recorded", path)
	}
	for _, r := range records {
		s.Processes++
		s.ProviderCPU += time.Duration(r.UserNS + r.SysNS)
		s.ProviderRSSKiB = max(s.ProviderRSSKiB, r.MaxRSSKiB)
	}
	return nil
}

// checkServer holds the step to the server's record: the exact number of requests, and
// the tokens that must (or must no longer) be active.
func (w *workspace) checkServer(step string, counts authserver.CountsResponse, srv *authServer) error {
	want := expectedRequests(step, w.n)
	for op, n := range want {
		if counts[op] != n {
			return fmt.Errorf("auth %s at N=%d: the server counted %v; want %v", step, w.n, counts, want)
		}
	}
	active, err := srv.activeLongTokens(fmt.Sprintf("bench-n%d-", w.n))
	if err != nil {
		return err
	}
	wantActive := w.n
	if step == "destroy" {
		wantActive = 0
	}
	if len(active) != wantActive {
		return fmt.Errorf("auth %s at N=%d: %d tokens active on the server; want %d", step, w.n, len(active), wantActive)
	}
	if step == "rotate" {
		for _, t := range active {
			if t.RotatedFrom == "" {
				return fmt.Errorf("auth rotate at N=%d: active token %s was not rotated", w.n, t.ID)
			}
		}
	}
	return nil
}

// tail returns the last lines of out, for an error message.
func tail(out []byte, lines int) string {
	all := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// terraformEnv is the environment of every Terraform run: the harness's own, without any
// TF_*, AUTH_* or plugin variable that could change what is measured, plus cliConfig.
func terraformEnv(cliConfig string, extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		key, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(key, "TF_") || strings.HasPrefix(key, "AUTH_") || strings.HasPrefix(key, "PLUGIN_") ||
			key == "CHECKPOINT_DISABLE" || key == usage.FileEnv || key == profiling.DirEnv {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "TF_CLI_CONFIG_FILE="+cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0")
	return append(env, extra...)
}

// writeCLIConfig writes a CLI configuration that serves every plugin from its shim
// directory and can install nothing: the registry is never contacted.
func writeCLIConfig(path string, overrides map[string]string, emptyMirror string) error {
	if err := os.MkdirAll(emptyMirror, 0o755); err != nil {
		return err
	}
	var dev strings.Builder
	for _, p := range plugins {
		fmt.Fprintf(&dev, "    %q = %q\n", p.source, overrides[p.name])
	}
	text := fmt.Sprintf(`disable_checkpoint = true

provider_installation {
  dev_overrides {
%s  }
  # Anything not overridden could only come from this empty directory.
  filesystem_mirror {
    path = %q
  }
}
`, dev.String(), emptyMirror)
	return os.WriteFile(path, []byte(text), 0o600)
}
