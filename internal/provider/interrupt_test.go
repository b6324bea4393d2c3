package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/example/terraform-provider-auth/internal/authserver"
)

// A CI system cancels a job by signalling Terraform. Terraform then stops the provider
// (StopProvider), which cancels the context of every operation in flight, waits for them and
// writes the state they return. These tests run the built provider under the real CLI
// against a server that holds each answer back: the operations in flight when the signal
// comes must finish with their outcome recorded, nothing new may start, and the server's
// active tokens must be exactly the state's.

const (
	interruptTokens = 40                      // resources in the configuration
	interruptHold   = 1500 * time.Millisecond // how long the server holds each answer
	// interruptInFlight is Terraform's default parallelism: the signal comes once that many
	// requests of the phase have reached the server, all of them held.
	interruptInFlight = 10
)

// interruptConfig is 40 tokens; gen is their rotation trigger.
func interruptConfig(e *testEnv, gen int) string {
	return "terraform {\n  required_providers {\n    auth = { source = \"example/auth\" }\n  }\n}\n\n" + e.secretProvider() + fmt.Sprintf(`
resource "auth_long_term_token" "t" {
  count             = %d
  name              = "interrupt-${count.index}"
  ttl_days          = 30
  rotation_triggers = { gen = "%d" }
}
`, interruptTokens, gen)
}

// interruptRun is one working directory with the built provider and its own server.
type interruptRun struct {
	t   *testing.T
	e   *testEnv
	run terraformRunner
}

func newInterruptRun(t *testing.T) *interruptRun {
	t.Helper()
	cliConfig, workDir := builtProvider(t)
	e := newTestEnv(t)
	e.clock.Set(time.Now()) // the binary's clock is real: expiry must look far off to it
	return &interruptRun{t: t, e: e, run: terraformRunner{t: t, tf: testCLI.path, dir: workDir, env: []string{
		"TF_CLI_CONFIG_FILE=" + cliConfig, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
	}}}
}

func (r *interruptRun) configure(gen int) {
	writeFile(r.t, filepath.Join(r.run.dir, "main.tf"), interruptConfig(r.e, gen))
}

// interrupted runs terraform with args while the server holds every answer of op, sends sig
// once interruptInFlight requests of op are held, and returns what terraform printed and how
// many requests of op the server had received when the signal was sent.
func (r *interruptRun) interrupted(op authserver.Operation, sig syscall.Signal, args ...string) (out string, atSignal int) {
	r.t.Helper()
	r.e.server.InjectFault(op, authserver.Fault{Hold: interruptHold, Times: 2 * interruptTokens})
	defer r.e.server.ClearFaults()
	before := r.e.server.RequestCounts()[op]

	cmd := exec.Command(r.run.tf, args...) //nolint:gosec // G204: the CLI TestMain chose, with the test's arguments
	cmd.Dir = r.run.dir
	cmd.Env = append(filterEnv(os.Environ(), "TF_LOG", "TF_LOG_PATH", "TF_LOG_CORE", "TF_LOG_PROVIDER", "TF_CLI_CONFIG_FILE"), r.run.env...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for atSignal = 0; atSignal < interruptInFlight && time.Now().Before(deadline); atSignal = r.e.server.RequestCounts()[op] - before {
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(sig); err != nil {
		r.t.Fatal(err)
	}
	err := cmd.Wait()
	out = buf.String()
	r.run.outputs = append(r.run.outputs, terraformOutput{name: strings.Join(args, " ") + " (" + sig.String() + ")", text: out})
	if atSignal < interruptInFlight {
		r.t.Fatalf("the server saw %d requests of %s before the deadline, want %d (err %v)\n%s", atSignal, op, interruptInFlight, err, lastLines(out, 40))
	}
	if !strings.Contains(out, "Interrupt received") {
		r.t.Errorf("terraform did not report the interrupt:\n%s", lastLines(out, 40))
	}
	for _, bad := range []string{"outcome unknown", "context canceled", "not sent"} {
		if strings.Contains(out, bad) {
			r.t.Errorf("terraform printed %q: an operation in flight was cut short\n%s", bad, lastLines(out, 60))
		}
	}
	if after := r.e.server.RequestCounts()[op] - before; after != atSignal {
		r.t.Errorf("the server received %d requests of %s in all, %d of them after the signal: something new started after the stop", after, op, after-atSignal)
	}
	return out, atSignal
}

// state reads Terraform's state with the CLI.
func (r *interruptRun) state() *tfjson.State {
	r.t.Helper()
	var state tfjson.State
	if err := json.Unmarshal([]byte(r.run.cmd("show", "-json")), &state); err != nil {
		r.t.Fatal(err)
	}
	return &state
}

// matchServer checks that the server's active long-term tokens are exactly the state's, with
// no placeholder and no tainted instance, and returns their number.
func (r *interruptRun) matchServer(when string) int {
	r.t.Helper()
	state := r.state()
	if state.Values != nil && state.Values.RootModule != nil {
		for _, res := range state.Values.RootModule.Resources {
			if id, _ := res.AttributeValues["id"].(string); res.Tainted || strings.HasPrefix(id, pendingIssueIDPrefix) {
				r.t.Errorf("%s: %s is a placeholder (id %q, tainted %v)", when, res.Address, id, res.Tainted)
			}
		}
	}
	if err := r.e.expectActiveLongTermTokensMatchState()(state); err != nil {
		r.t.Errorf("%s: %v", when, err)
	}
	return len(stateTokenIDs(state))
}

// minted is how many long-term tokens the server ever issued.
func (r *interruptRun) minted() int {
	return len(slices.DeleteFunc(r.e.server.Tokens(), func(t authserver.TokenRecord) bool { return t.Kind != authserver.KindLong }))
}

// converge applies the configuration with nothing held back and checks that the plan is then
// empty, that the server's tokens match the state, and that the server minted wantMinted
// long-term tokens in all; then destroy must leave none active.
func (r *interruptRun) converge(wantMinted int) {
	r.t.Helper()
	r.run.cmd("apply", "-no-color", "-auto-approve")
	if n := r.matchServer("after the next apply"); n != interruptTokens {
		r.t.Errorf("after the next apply: %d tokens in state, want %d", n, interruptTokens)
	}
	if out, err := r.run.run("plan", "-no-color", "-detailed-exitcode"); err != nil {
		r.t.Errorf("the plan after the next apply is not empty (%v):\n%s", err, lastLines(out, 30))
	}
	if n := r.minted(); n != wantMinted {
		r.t.Errorf("the server minted %d long-term tokens in all, want %d: something was minted for nothing\n%s", n, wantMinted, r.e.serverLog())
	}
	r.destroy()
}

func (r *interruptRun) destroy() {
	r.t.Helper()
	r.run.cmd("destroy", "-no-color", "-auto-approve")
	if active := r.e.activeTokens(authserver.KindLong); len(active) != 0 {
		r.t.Errorf("%d long-term tokens active after destroy\n%s", len(active), r.e.serverLog())
	}
}

var interruptSignals = []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}

// TestBinaryInterruptCreate: a signal while 10 of 40 issuances are held. Those 10 finish and
// are recorded; nothing else is issued; the next apply issues the other 30 and nothing more.
func TestBinaryInterruptCreate(t *testing.T) {
	t.Parallel()
	for _, sig := range interruptSignals {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			r := newInterruptRun(t)
			r.configure(1)
			_, atSignal := r.interrupted(authserver.OpIssueLong, sig, "apply", "-no-color", "-auto-approve")
			inState := r.matchServer("after the interrupted apply")
			t.Logf("%s during create: %d issuances in flight at the signal; afterwards %d tokens in state, %d active on the server, %d minted",
				sig, atSignal, inState, len(r.e.activeTokens(authserver.KindLong)), r.minted())
			if inState != atSignal {
				t.Errorf("%d tokens in state, want the %d in flight at the signal", inState, atSignal)
			}
			r.converge(interruptTokens)
		})
	}
}
