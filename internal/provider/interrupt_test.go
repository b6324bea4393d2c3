package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
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

// A CI system cancels a job by signalling Terraform's process group, the provider with it.
// Terraform then stops the provider (StopProvider), which cancels the context of every
// operation in flight, waits for them and writes the state they return; the provider
// ignores the signal itself (SIGINT: go-plugin; SIGTERM: main.go). These tests run the built provider under the real CLI
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

// signalled runs terraform with args while the server holds every answer of op, sends sig
// to its process group once interruptInFlight requests of op are held, and returns what terraform printed, how
// many requests of op the server had received when the signal was sent, and how many in all
// once the held ones were answered.
func (r *interruptRun) signalled(op authserver.Operation, sig syscall.Signal, args ...string) (out string, atSignal, total int) {
	r.t.Helper()
	r.e.server.InjectFault(op, authserver.Fault{Hold: interruptHold, Times: 2 * interruptTokens})
	defer r.e.server.ClearFaults()
	before := r.e.server.RequestCounts()[op]

	cmd := exec.Command(r.run.tf, args...) //nolint:gosec // G204: the CLI TestMain chose, with the test's arguments
	cmd.Dir = r.run.dir
	cmd.Env = append(filterEnv(os.Environ(), "TF_LOG", "TF_LOG_PATH", "TF_LOG_CORE", "TF_LOG_PROVIDER", "TF_CLI_CONFIG_FILE"), r.run.env...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its own process group, which a CI system signals whole
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for atSignal = 0; atSignal < interruptInFlight && time.Now().Before(deadline); atSignal = r.e.server.RequestCounts()[op] - before {
		time.Sleep(10 * time.Millisecond)
	}
	if err := syscall.Kill(-cmd.Process.Pid, sig); err != nil {
		r.t.Fatal(err)
	}
	err := cmd.Wait()
	time.Sleep(interruptHold) // after a SIGKILL nothing waits for the held requests
	out = buf.String()
	r.run.outputs = append(r.run.outputs, terraformOutput{name: strings.Join(args, " ") + " (" + sig.String() + ")", text: out})
	if atSignal < interruptInFlight {
		r.t.Fatalf("the server saw %d requests of %s before the deadline, want %d (err %v)\n%s", atSignal, op, interruptInFlight, err, lastLines(out, 40))
	}
	return out, atSignal, r.e.server.RequestCounts()[op] - before
}

// interrupted is signalled with SIGINT or SIGTERM, which Terraform handles: it must report
// the interrupt, no operation may have been cut short, and no request may start after it.
func (r *interruptRun) interrupted(op authserver.Operation, sig syscall.Signal, args ...string) (out string, atSignal int) {
	r.t.Helper()
	out, atSignal, total := r.signalled(op, sig, args...)
	if !strings.Contains(out, "Interrupt received") {
		r.t.Errorf("terraform did not report the interrupt:\n%s", lastLines(out, 40))
	}
	for _, bad := range []string{"outcome unknown", "context canceled", "not sent"} {
		if strings.Contains(out, bad) {
			r.t.Errorf("terraform printed %q: an operation in flight was cut short\n%s", bad, lastLines(out, 60))
		}
	}
	if total != atSignal {
		r.t.Errorf("the server received %d requests of %s in all, %d of them after the signal: something new started after the stop", total, op, total-atSignal)
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

// converge applies the configuration with nothing held back, checks that the plan is then
// empty and that the server's tokens match the state, and that the server minted wantMinted
// long-term tokens in all.
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
}

// report logs what the server and the state held after an interrupted phase.
func (r *interruptRun) report(sig syscall.Signal, phase string, atSignal, inState int) {
	r.t.Logf("%s during %s: %d requests in flight at the signal; afterwards %d tokens in state, %d active on the server, %d minted in all",
		sig, phase, atSignal, inState, len(r.e.activeTokens(authserver.KindLong)), r.minted())
}

// TestBinaryInterrupt signals Terraform (SIGINT, then separately SIGTERM) during a create, a
// rotation and a destroy of 40 tokens, each time while 10 requests are held by the server.
// The 10 finish and are recorded, nothing else is sent, the server's active tokens are the
// state's with no placeholder, and the next run converges without minting anything extra.
func TestBinaryInterrupt(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			r := newInterruptRun(t)

			r.configure(1)
			_, atSignal := r.interrupted(authserver.OpIssueLong, sig, "apply", "-no-color", "-auto-approve")
			inState := r.matchServer("after the interrupted create")
			r.report(sig, "create", atSignal, inState)
			if inState != atSignal {
				t.Errorf("interrupted create: %d tokens in state, want the %d in flight at the signal", inState, atSignal)
			}
			r.converge(interruptTokens)

			r.configure(2) // a new trigger rotates all 40
			_, atSignal = r.interrupted(authserver.OpIssueLong, sig, "apply", "-no-color", "-auto-approve")
			inState = r.matchServer("after the interrupted rotation")
			r.report(sig, "rotation", atSignal, inState)
			if n := r.minted(); n != interruptTokens+atSignal {
				t.Errorf("interrupted rotation: %d minted in all, want %d + the %d in flight", n, interruptTokens, atSignal)
			}
			r.converge(2 * interruptTokens)

			_, atSignal = r.interrupted(authserver.OpRevoke, sig, "destroy", "-no-color", "-auto-approve")
			inState = r.matchServer("after the interrupted destroy")
			r.report(sig, "destroy", atSignal, inState)
			if inState != interruptTokens-atSignal {
				t.Errorf("interrupted destroy: %d tokens in state, want %d less the %d in flight", inState, interruptTokens, atSignal)
			}
			r.run.cmd("destroy", "-no-color", "-auto-approve")
			if active := r.e.activeTokens(authserver.KindLong); len(active) != 0 {
				t.Errorf("%d long-term tokens active after the next destroy\n%s", len(active), r.e.serverLog())
			}
			if n := r.minted(); n != 2*interruptTokens {
				t.Errorf("%d minted in all, want %d", n, 2*interruptTokens)
			}
		})
	}
}

// TestBinaryKill measures what no provider can prevent: SIGKILL of Terraform during a create
// of 40 tokens while 10 issuances are held. Terraform writes no state for them, so the tokens
// they minted are active and in no state. The test records how many, checks that each is
// named after its resource, as the server's listing shows it, and follows the remedy that
// RELIABILITY.md gives (revoke them by name, apply again), which must converge.
func TestBinaryKill(t *testing.T) {
	t.Parallel()
	r := newInterruptRun(t)
	r.configure(1)
	_, atSignal, total := r.signalled(authserver.OpIssueLong, syscall.SIGKILL, "apply", "-no-color", "-auto-approve")
	state := r.state()
	inState := stateTokenIDs(state)
	var orphans []authserver.TokenRecord
	for _, tok := range r.e.activeTokens(authserver.KindLong) {
		if !inState[tok.ID] {
			orphans = append(orphans, tok)
		}
	}
	t.Logf("SIGKILL during create: %d issuances in flight at the signal, %d sent in all; afterwards %d tokens in state, %d active on the server, %d of them in no state",
		atSignal, total, len(inState), len(r.e.activeTokens(authserver.KindLong)), len(orphans))
	if len(orphans) > total {
		t.Errorf("%d tokens in no state, more than the %d requests sent", len(orphans), total)
	}

	// The remedy: find them by name in the listing and revoke them with a credential that
	// may revoke (tokens:revoke), then apply again.
	revoker := r.e.issueDirect("tokens:revoke")
	for _, tok := range orphans {
		if !strings.HasPrefix(tok.Name, "interrupt-") {
			t.Errorf("token %s in no state is named %q, not after its resource", tok.ID, tok.Name)
		}
		if err := r.e.apiClient().RevokeToken(t.Context(), tok.ID, revoker.Token); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.e.apiClient().RevokeToken(t.Context(), revoker.TokenID, revoker.Token); err != nil {
		t.Fatal(err)
	}
	r.converge(total + 1 + interruptTokens - len(inState)) // the killed run's, the revoker, the rest
	r.run.cmd("destroy", "-no-color", "-auto-approve")
	if active := r.e.activeTokens(authserver.KindLong); len(active) != 0 {
		t.Errorf("%d long-term tokens active after destroy\n%s", len(active), r.e.serverLog())
	}
}

// restartableServer is the local server as cmd/auth-server runs it, with its state file, on
// a fixed loopback address, so that it can be stopped and started again mid-apply.
type restartableServer struct {
	t    *testing.T
	opts authserver.Options
	addr string
	srv  *authserver.Server
	hs   *http.Server
}

func newRestartableServer(t *testing.T) *restartableServer {
	t.Helper()
	s := &restartableServer{t: t, opts: authserver.Options{
		StatePath: filepath.Join(t.TempDir(), "auth-state.json"),
		Clients: []authserver.ClientConfig{{
			ID: testClientID, Secret: testClientSecret,
			AllowedScopes: []string{"deploy:read"}, DefaultScopes: []string{"deploy:read"},
		}},
	}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(s.stop)
	return s
}

func (s *restartableServer) serve(ln net.Listener) {
	srv, err := authserver.New(s.opts)
	if err != nil {
		s.t.Fatal(err)
	}
	s.srv, s.hs = srv, &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.hs.Serve(ln) }()
}

// stop shuts down as cmd/auth-server does on SIGINT or SIGTERM: no new connection, and the
// requests under way are answered.
func (s *restartableServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.hs.Shutdown(ctx)
}

// start serves again on the same address, from the state file.
func (s *restartableServer) start() {
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		s.t.Fatal(err)
	}
	s.serve(ln)
}

// TestBinaryServerRestart restarts the local server, with its state file, in the middle of an
// apply of 40 tokens. Down for a second, the retries carry the apply through; down for longer
// than the retry budget, the apply fails naming the cause. Either way the restarted server's
// listing matches the state after the run and after the next apply, which converges. The
// server stops gracefully, answering the requests under way; a crash instead loses answers
// that a restarted local server cannot replay (RELIABILITY.md, Limits).
func TestBinaryServerRestart(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		down     time.Duration
		wantFail bool
	}{
		"within the retry budget": {down: time.Second},
		"beyond the retry budget": {down: 6 * time.Second, wantFail: true}, // max_retries 4: at most 3.75 s of backoff
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newRestartableServer(t)
			cliConfig, workDir := builtProvider(t)
			run := terraformRunner{t: t, tf: testCLI.path, dir: workDir, env: []string{
				"TF_CLI_CONFIG_FILE=" + cliConfig, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
			}}
			writeFile(t, filepath.Join(workDir, "main.tf"), "terraform {\n  required_providers {\n    auth = { source = \"example/auth\" }\n  }\n}\n\n"+
				fmt.Sprintf("provider \"auth\" {\n  endpoint      = %q\n  client_id     = %q\n  client_secret = %q\n}\n", "http://"+s.addr+authserver.APIPrefix, testClientID, testClientSecret)+
				fmt.Sprintf("\nresource \"auth_long_term_token\" \"t\" {\n  count    = %d\n  name     = \"restart-${count.index}\"\n  ttl_days = 30\n}\n", interruptTokens))
			s.srv.InjectFault(authserver.OpIssueLong, authserver.Fault{Hold: 500 * time.Millisecond, Times: interruptTokens})

			done := make(chan error, 1)
			var out string
			go func() {
				var err error
				out, err = run.run("apply", "-no-color", "-auto-approve")
				done <- err
			}()
			for deadline := time.Now().Add(60 * time.Second); s.srv.RequestCounts()[authserver.OpIssueLong] < 15 && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
			}
			before := s.srv.RequestCounts()[authserver.OpIssueLong]
			s.stop()
			time.Sleep(tc.down)
			s.start()
			err := <-done
			t.Logf("the server stopped after %d issuance requests, down for %v; the apply ended with err = %v", before, tc.down, err)
			switch {
			case tc.wantFail && (err == nil || !strings.Contains(out, "connection refused")):
				t.Errorf("the apply did not fail naming the cause (err %v):\n%s", err, lastLines(out, 40))
			case !tc.wantFail && err != nil:
				t.Errorf("the retries did not carry the apply through: %v\n%s", err, lastLines(out, 40))
			}

			check := func(when string) int {
				var state tfjson.State
				if err := json.Unmarshal([]byte(run.cmd("show", "-json")), &state); err != nil {
					t.Fatal(err)
				}
				inState := stateTokenIDs(&state)
				active := s.srv.ActiveTokens(authserver.KindLong)
				for _, tok := range active {
					if !inState[tok.ID] {
						t.Errorf("%s: server token %s (%s) is active but not in state (orphaned)", when, tok.ID, tok.Name)
					}
				}
				if len(active) != len(inState) {
					t.Errorf("%s: %d active on the server, %d in state", when, len(active), len(inState))
				}
				t.Logf("%s: %d tokens in state, %d active on the restarted server, %d minted in all", when, len(inState), len(active), len(s.srv.Tokens()))
				return len(inState)
			}
			check("after the run")
			run.cmd("apply", "-no-color", "-auto-approve")
			if n := check("after the next apply"); n != interruptTokens {
				t.Errorf("%d tokens in state after the next apply, want %d", n, interruptTokens)
			}
			if out, err := run.run("plan", "-no-color", "-detailed-exitcode"); err != nil {
				t.Errorf("the plan after the next apply is not empty (%v):\n%s", err, lastLines(out, 30))
			}
			run.cmd("destroy", "-no-color", "-auto-approve")
			if active := s.srv.ActiveTokens(authserver.KindLong); len(active) != 0 {
				t.Errorf("%d long-term tokens active after destroy", len(active))
			}
		})
	}
}
