package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// run is the outcome of the suite on one CLI, per top-level test.
type run struct {
	CLI     cli
	Outcome map[string]string // test name → "pass", "skip" or "fail"
	Reason  map[string]string // skipped test → the reason it gave
	Output  map[string][]string
	Elapsed time.Duration
	LogPath string
	// BuildFailed is a package that failed outside any test (build error, TestMain exit).
	BuildFailed bool
	packageTail []string
}

// testEvent is one line of `go test -json` (cmd/test2json).
type testEvent struct {
	Action string
	Test   string
	Output string
}

// runSuite runs pkg's tests with cli as the acceptance tests' Terraform. The CLI's version
// is accepted on purpose (TEST_TERRAFORM_MIN_VERSION): below a feature's minimum the tests of
// that feature skip and say so, and everything else must pass.
func runSuite(c cli, pkg string, race bool, only string) (run, error) {
	args := []string{"test", "-json", "-count=1", "-timeout", "30m"}
	if race {
		args = append(args, "-race")
	}
	if only != "" {
		args = append(args, "-run", only)
	}
	cmd := exec.Command("go", append(args, pkg)...) //nolint:gosec // G204: go test of the package and tests the developer named
	tfrc, err := filepath.Abs("scripts/test.tfrc")
	if err != nil {
		return run{}, err
	}
	cmd.Env = append(os.Environ(),
		"TF_ACC_TERRAFORM_PATH="+c.Path,
		"TEST_TERRAFORM_MIN_VERSION="+c.Version.String(),
		"TF_CLI_CONFIG_FILE="+tfrc,
		"CHECKPOINT_DISABLE=1",
	)
	log, err := os.CreateTemp("", "testmatrix-*.json")
	if err != nil {
		return run{}, err
	}
	defer log.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return run{}, err
	}
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return run{}, err
	}
	r, parseErr := parseEvents(io.TeeReader(stdout, log))
	waitErr := cmd.Wait()
	r.CLI, r.Elapsed, r.LogPath = c, time.Since(start), log.Name()
	if parseErr != nil {
		return r, parseErr
	}
	if waitErr != nil && r.Failed() == 0 {
		r.BuildFailed = true // go test failed, yet no test did: the package itself failed
	}
	return r, nil
}

func parseEvents(in io.Reader) (run, error) {
	r := run{Outcome: map[string]string{}, Reason: map[string]string{}, Output: map[string][]string{}}
	subtests := map[string][]string{} // top-level test → its subtests' outcomes
	subOutput, subReason := map[string][]string{}, map[string]string{}
	scanner := bufio.NewScanner(in)
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	for scanner.Scan() {
		var e testEvent
		if err := json.Unmarshal(scanner.Bytes(), &e); err != nil {
			continue // a line go test printed that is not an event (a build error)
		}
		top, _, sub := strings.Cut(e.Test, "/")
		switch {
		case e.Test == "":
			if e.Action == "output" {
				r.packageTail = lastLines(append(r.packageTail, e.Output), 20)
			}
			if e.Action == "fail" {
				r.BuildFailed = true
			}
		case e.Action == "output":
			r.Output[top] = append(r.Output[top], e.Output)
			if sub {
				subOutput[e.Test] = append(subOutput[e.Test], e.Output)
			}
		case sub && (e.Action == "pass" || e.Action == "skip" || e.Action == "fail"):
			subtests[top] = append(subtests[top], e.Action)
			if e.Action == "skip" && subReason[top] == "" {
				subReason[top] = skipReason(subOutput[e.Test])
			}
		case e.Action == "pass" || e.Action == "skip" || e.Action == "fail":
			r.Outcome[top] = e.Action
			if e.Action == "skip" {
				r.Reason[top] = skipReason(r.Output[top])
			}
		}
	}
	// A test whose every subtest skipped (each case checks the CLI's version) shows nothing
	// on this CLI, though go test calls the parent passed.
	for top, outcomes := range subtests {
		if r.Outcome[top] == "pass" && !slices.ContainsFunc(outcomes, func(o string) bool { return o != "skip" }) {
			r.Outcome[top], r.Reason[top] = "skip", subReason[top]
		}
	}
	if r.Failed() > 0 {
		r.BuildFailed = false // the package failed because tests did
	}
	return r, scanner.Err()
}

// skipReason is the message of t.Skip: the last line that go test did not write itself.
func skipReason(output []string) string {
	for _, line := range slices.Backward(output) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "=== ") || strings.HasPrefix(line, "--- ") {
			continue
		}
		if _, msg, ok := strings.Cut(line, ".go:"); ok { // "file_test.go:12: message"
			if _, msg, ok = strings.Cut(msg, ": "); ok {
				return msg
			}
		}
		return line
	}
	return "(no reason given)"
}

func (r run) count(outcome string) int {
	n := 0
	for _, o := range r.Outcome {
		if o == outcome {
			n++
		}
	}
	return n
}

func (r run) Passed() int  { return r.count("pass") }
func (r run) Skipped() int { return r.count("skip") }
func (r run) Failed() int  { return r.count("fail") }

// Summary is what the matrix prints after each CLI: the counts, each skip with its reason,
// and the output of each failed test.
func (r run) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d passed, %d skipped, %d failed in %s (go test -json log: %s)\n",
		r.CLI.Display(), r.Passed(), r.Skipped(), r.Failed(), r.Elapsed.Round(time.Second), r.LogPath)
	for _, name := range r.sorted("skip") {
		fmt.Fprintf(&b, "  skip %s: %s\n", name, r.Reason[name])
	}
	for _, name := range r.sorted("fail") {
		fmt.Fprintf(&b, "  FAIL %s:\n", name)
		for _, line := range lastLines(r.Output[name], 40) {
			b.WriteString("    " + line)
		}
	}
	if r.BuildFailed {
		b.WriteString("  FAIL: the package failed outside any test:\n")
		for _, line := range r.packageTail {
			b.WriteString("    " + line)
		}
	}
	return b.String()
}

func (r run) sorted(outcome string) []string {
	var names []string
	for name, o := range r.Outcome {
		if o == outcome {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

func lastLines(lines []string, n int) []string {
	if len(lines) > n {
		return lines[len(lines)-n:]
	}
	return lines
}
