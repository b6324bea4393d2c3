package provider

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/example/terraform-provider-auth/internal/authserver"
)

var update = flag.Bool("update", false, "rewrite the fault matrix in RELIABILITY.md from what TestFaultMatrix observes")

const (
	reliabilityFile = "../../RELIABILITY.md"
	matrixBegin     = "<!-- fault-matrix:begin -->"
	matrixEnd       = "<!-- fault-matrix:end -->"

	// matrixMaxRetries is the provider's max_retries in the matrix. A fault injected this
	// many times is within the retry budget: no single operation can meet it on every attempt.
	matrixMaxRetries = 2
	// persistentTimes outlasts every retry of a step; the faults are cleared afterwards.
	persistentTimes = 1000
)

// matrixFault is one row of the matrix: how it is injected within and beyond the retry budget.
type matrixFault struct {
	name string
	// requestTimeout is the provider's request_timeout for the row.
	requestTimeout string
	// within is injected matrixMaxRetries times on each operation of the phase; nil: no
	// such run.
	within *authserver.Fault
	// beyond is injected until cleared; with down, the server is away instead.
	beyond *authserver.Fault
	down   bool
	// cause is what a failure's diagnostics must say.
	cause *regexp.Regexp
}

// processed reports whether a fault lets the request take effect before the answer fails.
func processed(f *authserver.Fault) bool {
	return f != nil && (f.DropConnection || f.AfterProcessing)
}

var matrixFaults = []matrixFault{
	{
		name: "429 with Retry-After", requestTimeout: "5s",
		within: &authserver.Fault{Status: 429, RetryAfter: 1, Times: matrixMaxRetries},
		beyond: &authserver.Fault{Status: 429, RetryAfter: 1, Times: persistentTimes},
		cause:  regexp.MustCompile(`HTTP 429 rate_limited`),
	},
	{
		name: "503 with Retry-After", requestTimeout: "5s",
		within: &authserver.Fault{Status: 503, RetryAfter: 1, Times: matrixMaxRetries},
		beyond: &authserver.Fault{Status: 503, RetryAfter: 1, Times: persistentTimes},
		cause:  regexp.MustCompile(`HTTP 503 unavailable`),
	},
	{
		// Within the budget the 500 comes after the request took effect (the contract's "may or
		// may not have taken effect"), so only an idempotent replay avoids a second token;
		// beyond it, before.
		name: "500 (within: after processing)", requestTimeout: "5s",
		within: &authserver.Fault{Status: 500, AfterProcessing: true, Times: matrixMaxRetries},
		beyond: &authserver.Fault{Status: 500, Times: persistentTimes},
		cause:  regexp.MustCompile(`HTTP 500 server_error`),
	},
	{
		name: "delay beyond request_timeout (1s)", requestTimeout: "1s",
		within: &authserver.Fault{Delay: 4 * time.Second, Times: matrixMaxRetries},
		beyond: &authserver.Fault{Delay: 4 * time.Second, Times: persistentTimes},
		// The transport words it two ways; the provider's hint says it one way.
		cause: regexp.MustCompile(`The operation timed out`),
	},
	{
		name: "processed, then the connection dropped", requestTimeout: "5s",
		within: &authserver.Fault{DropConnection: true, Times: matrixMaxRetries},
		beyond: &authserver.Fault{DropConnection: true, Times: persistentTimes},
		cause:  regexp.MustCompile(`\bEOF\b`),
	},
	{
		name: "server down", requestTimeout: "5s",
		down:  true,
		cause: regexp.MustCompile(`connection refused`),
	},
}

// matrixPhase is one column: what the runs under a fault do.
type matrixPhase struct {
	name string
	// ops are the operations the phase's faults are injected on.
	ops []authserver.Operation
	// summary is the diagnostic summary a failure must carry (ids normalised to lt_…/st_…).
	summary *regexp.Regexp
	// mints is how many long-term tokens one run of the phase issues: each exactly once.
	mints int
}

var (
	phaseCreate = matrixPhase{
		name: "create (3, then 2 more)", ops: []authserver.Operation{authserver.OpIssueLong},
		summary: regexp.MustCompile(`^(Cannot issue auth_long_term_token|Issue outcome unknown: auth_long_term_token)$`), mints: 3,
	}
	phaseRotate = matrixPhase{
		name: "rotate 2 tokens", ops: []authserver.Operation{authserver.OpIssueLong},
		summary: regexp.MustCompile(`^(Cannot rotate|Rotation outcome unknown:) auth_long_term_token lt_…$`), mints: 2,
	}
	phaseEphemeral = matrixPhase{
		name: "ephemeral open/close", ops: []authserver.Operation{authserver.OpIssueShort, authserver.OpRevoke},
		summary: regexp.MustCompile(`^Cannot (open auth_short_term_token|revoke auth_short_term_token st_…)$`),
	}
	phaseDestroy = matrixPhase{
		name: "destroy 2 tokens", ops: []authserver.Operation{authserver.OpRevoke},
		summary: regexp.MustCompile(`^Cannot revoke auth_long_term_token lt_… with the token itself$`),
	}
	matrixPhases = []matrixPhase{phaseCreate, phaseRotate, phaseEphemeral, phaseDestroy}
)

// ephemeralTTL is the short-term token's lifetime in the ephemeral phase.
const ephemeralTTL = 300 * time.Second

// cellOutcome is what one cell observed, as the matrix prints it.
type cellOutcome struct {
	ran                        bool
	within, beyond, afterwards string
}

// TestFaultMatrix injects each fault during each phase, first within the retry budget, then
// beyond it. Each run must succeed, or fail with diagnostics naming the operation and the
// cause. After each, every active long-term token must be in state and nothing may be
// minted twice; the next apply must converge to an empty plan, and destroy must leave
// nothing active. What each cell observed is the matrix in RELIABILITY.md: -update rewrites
// it, a plain run fails when it differs.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	outcomes := make([][]cellOutcome, len(matrixFaults))
	t.Run("cells", func(t *testing.T) {
		for i, fault := range matrixFaults {
			outcomes[i] = make([]cellOutcome, len(matrixPhases))
			for j, phase := range matrixPhases {
				t.Run(fault.name+"/"+phase.name, func(t *testing.T) {
					t.Parallel()
					runMatrixCell(t, fault, phase, &outcomes[i][j])
				})
			}
		}
	})
	if t.Failed() {
		return
	}
	for _, row := range outcomes {
		for _, o := range row {
			if !o.ran {
				t.Log("not every cell ran (-run filter, or an older Terraform): the matrix in RELIABILITY.md is not compared")
				return
			}
		}
	}
	checkGoldenSection(t, reliabilityFile, matrixBegin, matrixEnd, renderMatrix(outcomes))
}

// matrixCell is the running state of one cell.
type matrixCell struct {
	t     *testing.T
	e     *testEnv
	fault matrixFault
	phase matrixPhase
	out   *cellOutcome

	// tolerateError lets the run beyond the budget fail; failure keeps what it said.
	tolerateError bool
	failure       error
	// requestMark is the Seq of the server's last request before the current step;
	// mintedMark counts the long-term tokens minted before it.
	requestMark, mintedMark int
	// beyondMark counts the long-term tokens minted before the run beyond the budget.
	beyondMark int
}

func runMatrixCell(t *testing.T, fault matrixFault, phase matrixPhase, out *cellOutcome) {
	e := newTestEnv(t, withRequestRecords)
	c := &matrixCell{t: t, e: e, fault: fault, phase: phase, out: out}
	var versions []tfversion.TerraformVersionCheck
	if phase.name == phaseEphemeral.name {
		versions = ephemeralVersions
	}

	var steps []resource.TestStep
	switch phase.name {
	case phaseCreate.name:
		steps = c.createSteps()
	case phaseDestroy.name:
		steps = c.destroySteps()
	default:
		steps = c.changeSteps()
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   versions,
		ErrorCheck: func(err error) error {
			if c.tolerateError {
				c.failure = err
				return nil
			}
			return err
		},
		CheckDestroy: func(*terraform.State) error {
			if err := e.checkNoActiveTokens(nil); err != nil {
				return err
			}
			c.out.afterwards += "; destroy: 0 active"
			return nil
		},
		Steps: steps,
	})
	out.ran = !t.Skipped()
}

// createSteps: 3 tokens created within the budget, 2 more beyond it, and the next apply.
func (c *matrixCell) createSteps() []resource.TestStep {
	return []resource.TestStep{
		c.withinStep(c.config(c.e.url, 3, "1"), false),
		c.beyondStep(c.config(c.beyondEndpoint(), 5, "1"), false),
		c.nextApplyStep(c.config(c.e.url, 5, "1"), 2),
	}
}

// changeSteps (rotation, ephemeral): set up, a run within the budget, one beyond it, and
// the next apply. Each run changes rotation_triggers, so that each rotates.
func (c *matrixCell) changeSteps() []resource.TestStep {
	return []resource.TestStep{
		{Config: c.config(c.e.url, 2, "1"), ConfigStateChecks: []statecheck.StateCheck{c.e.expectActiveLongTermTokensMatchState()}},
		c.withinStep(c.config(c.e.url, 2, "2"), false),
		c.beyondStep(c.config(c.beyondEndpoint(), 2, "3"), false),
		c.nextApplyStep(c.config(c.e.url, 2, "3"), c.phase.mints),
	}
}

// destroySteps: a destroy within the budget; then the tokens again, a destroy beyond the
// budget, and an apply showing what it left; the test's own destroy comes last.
func (c *matrixCell) destroySteps() []resource.TestStep {
	config := c.config(c.e.url, 2, "1")
	issued := []statecheck.StateCheck{c.e.expectActiveLongTermTokensMatchState()}
	return []resource.TestStep{
		{Config: config, ConfigStateChecks: issued},
		c.withinStep(config, true),
		{Config: config, ConfigStateChecks: issued},
		c.beyondStep(c.config(c.beyondEndpoint(), 2, "1"), true),
		{
			PreConfig: func() {
				c.recordBeyond()
				c.startStep(nil, false)
			},
			Config:           config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			ConfigStateChecks: []statecheck.StateCheck{c.checkAgreement(false), serverCheck(func(state *tfjson.State) error {
				kept := stateTokenIDs(state)
				if len(kept) != 2 {
					return fmt.Errorf("%d tokens in state after the failed destroy, want both kept", len(kept))
				}
				revoked := 0
				for id := range kept {
					if rec, _ := c.e.server.Token(id); rec.State != authserver.StateActive {
						revoked++
					}
				}
				c.out.afterwards = fmt.Sprintf("both tokens kept in state (%d already revoked on the server)", revoked)
				return nil
			})},
		},
	}
}

// withinStep runs config with the row's fault injected within the retry budget: it must
// succeed, minting each token once.
func (c *matrixCell) withinStep(config string, destroy bool) resource.TestStep {
	return resource.TestStep{
		PreConfig: func() { c.startStep(c.fault.within, false) },
		Config:    config,
		Destroy:   destroy,
		ConfigStateChecks: []statecheck.StateCheck{
			c.checkAgreement(true),
			serverCheck(func(*tfjson.State) error {
				want := c.phase.mints
				if destroy {
					want = 0
				}
				if n := c.minted() - c.mintedMark; n != want {
					return fmt.Errorf("the run minted %d long-term tokens, want %d\n%s", n, want, c.e.serverLog())
				}
				return nil
			}),
			c.recordWithin(),
		},
	}
}

// beyondStep runs config with the row's fault lasting the whole run; it may fail.
func (c *matrixCell) beyondStep(config string, destroy bool) resource.TestStep {
	return resource.TestStep{
		PreConfig: func() {
			c.startStep(c.fault.beyond, true)
			c.beyondMark = c.minted()
		},
		Config:  config,
		Destroy: destroy,
	}
}

// nextApplyStep runs config with the fault gone (the server back): it must converge (the
// test framework plans again afterwards and requires an empty plan), each resource holding
// one new token; tokens minted for answers in doubt must be revoked.
func (c *matrixCell) nextApplyStep(config string, want int) resource.TestStep {
	return resource.TestStep{
		PreConfig: func() {
			c.recordBeyond()
			c.startStep(nil, false)
			if c.phase.name == phaseEphemeral.name && processed(c.fault.beyond) {
				c.expireLostShortTermTokens()
			}
		},
		Config: config,
		ConfigStateChecks: []statecheck.StateCheck{c.checkAgreement(true), serverCheck(func(*tfjson.State) error {
			minted := c.minted() - c.beyondMark
			extra := minted - want
			if extra < 0 {
				return fmt.Errorf("%d long-term tokens minted since the failed run, want at least %d", minted, want)
			}
			switch {
			case c.phase.name == phaseEphemeral.name:
				c.out.afterwards = "next apply converges" + c.out.afterwards
			case extra == 0:
				c.out.afterwards = fmt.Sprintf("next apply converges: %d minted, one per token", minted)
			default:
				c.out.afterwards = fmt.Sprintf("next apply converges: %d minted; the %d in doubt replayed and revoked", minted, extra)
			}
			return nil
		})},
	}
}

// expireLostShortTermTokens: a short-term token whose every answer was lost is unknown to
// Terraform, so nothing can close it; it must end by itself at its expiry.
func (c *matrixCell) expireLostShortTermTokens() {
	lost := len(c.e.activeTokens(authserver.KindShort))
	if lost == 0 {
		c.t.Errorf("no short-term token was left by the lost answers: the fault was not after processing")
		return
	}
	c.e.clock.Advance(ephemeralTTL)
	if n := len(c.e.activeTokens(authserver.KindShort)); n != 0 {
		c.t.Errorf("%d short-term tokens still active after their ttl", n)
	}
	c.out.afterwards = fmt.Sprintf(" (the %d short-term token minted for the lost answer, unknown to Terraform, expired after ttl_seconds)", lost)
}

// beyondEndpoint is where the run beyond the budget sends its requests.
func (c *matrixCell) beyondEndpoint() string {
	if c.fault.down {
		return deadEndpoint
	}
	return c.e.url
}

// minted counts the long-term tokens the server ever minted.
func (c *matrixCell) minted() int {
	n := 0
	for _, r := range c.e.server.Tokens() {
		if r.Kind == authserver.KindLong {
			n++
		}
	}
	return n
}

// config is the phase's configuration against endpoint: count tokens (the ephemeral phase
// has one parent), rotated by version.
func (c *matrixCell) config(endpoint string, count int, version string) string {
	provider := fmt.Sprintf(`provider "auth" {
  endpoint        = %q
  client_id       = %q
  client_secret   = %q
  max_retries     = %d
  request_timeout = %q
}
`, endpoint, testClientID, testClientSecret, matrixMaxRetries, c.fault.requestTimeout)
	if c.phase.name == phaseEphemeral.name {
		return provider + fmt.Sprintf(`
resource "auth_long_term_token" "parent" {
  name = "parent"
}

ephemeral "auth_short_term_token" "session" {
  long_term_token = auth_long_term_token.parent.token
  ttl_seconds     = %d
}

provider "echo" {
  data = ephemeral.auth_short_term_token.session.token_id
}

resource "echo" "session" {}`, int(ephemeralTTL/time.Second))
	}
	return provider + fmt.Sprintf(`
resource "auth_long_term_token" "test" {
  count             = %d
  name              = "worker-${count.index}"
  rotation_triggers = { version = %q }
}`, count, version)
}

// startStep clears earlier faults, injects f on every operation of the phase, and marks
// where the step's requests and counts begin.
func (c *matrixCell) startStep(f *authserver.Fault, tolerateError bool) {
	c.e.server.ClearFaults()
	if f != nil {
		for _, op := range c.phase.ops {
			c.e.server.InjectFault(op, *f)
		}
	}
	c.tolerateError, c.failure = tolerateError, nil
	c.requestMark = 0
	if requests := c.e.server.Requests(); len(requests) > 0 {
		c.requestMark = requests[len(requests)-1].Seq
	}
	c.mintedMark = c.minted()
}

// recordBeyond judges the run beyond the budget: success, or a failure whose every
// diagnostic names the phase's operation and whose diagnostics name the fault's cause.
func (c *matrixCell) recordBeyond() {
	t := c.t
	c.tolerateError = false
	if c.failure == nil {
		c.out.beyond = "succeeds"
		return
	}
	text := strings.Join(strings.Fields(c.failure.Error()), " ")
	summaries := diagnosticSummaries(c.failure.Error())
	if len(summaries) == 0 {
		t.Errorf("the failed run printed no diagnostic:\n%s", c.failure)
		return
	}
	counts := map[string]int{}
	var order []string
	for _, s := range summaries {
		if !c.phase.summary.MatchString(s) {
			t.Errorf("diagnostic %q does not name the operation (want %s):\n%s", s, c.phase.summary, c.failure)
			return
		}
		if counts[s] == 0 {
			order = append(order, s)
		}
		counts[s]++
	}
	cause := c.fault.cause.FindString(text)
	if cause == "" {
		t.Errorf("the diagnostics do not name the cause (want %s):\n%s", c.fault.cause, c.failure)
		return
	}
	parts := make([]string, 0, len(order))
	for _, s := range order {
		parts = append(parts, fmt.Sprintf("`%s` ×%d", s, counts[s]))
	}
	c.out.beyond = fmt.Sprintf("fails: %s — %s", strings.Join(parts, ", "), cause)
}

// recordWithin checks what the faults of a run within the budget did, per operation: each
// was met once (and retried), and an answer lost after processing was replayed, never
// minted again.
func (c *matrixCell) recordWithin() serverCheck {
	return func(state *tfjson.State) error {
		if c.fault.within == nil {
			c.out.within = "—"
			return nil
		}
		var parts []string
		for _, op := range c.phase.ops {
			var faulted, replayed int
			var lostIDs []string
			for _, r := range c.e.server.Requests() {
				if r.Seq <= c.requestMark || r.Operation != op {
					continue
				}
				if r.Replayed {
					replayed++
				}
				if r.Outcome != "" { // a fault, a dropped answer or an abandoned request
					faulted++
					if r.TokenID != "" {
						lostIDs = append(lostIDs, r.TokenID)
					}
				}
			}
			if faulted != matrixMaxRetries {
				return fmt.Errorf("%s met the fault %d times, want %d", op, faulted, matrixMaxRetries)
			}
			part := fmt.Sprintf("%s: %d faults, retried", opLabel(op), faulted)
			if processed(c.fault.within) {
				if err := c.checkLostAnswers(op, lostIDs, replayed, state); err != nil {
					return err
				}
				if op == authserver.OpRevoke {
					part = fmt.Sprintf("%s: %d answers lost after revoking, retried (revocation is idempotent)", opLabel(op), faulted)
				} else {
					part = fmt.Sprintf("%s: %d answers lost after minting, %d idempotent replays, nothing minted twice", opLabel(op), faulted, replayed)
				}
			}
			parts = append(parts, part)
		}
		c.out.within = "succeeds; " + strings.Join(parts, "; ")
		return nil
	}
}

// checkLostAnswers proves that the requests whose answers were lost had been processed, and
// that the retries replayed them: the tokens they minted are the ones Terraform holds.
func (c *matrixCell) checkLostAnswers(op authserver.Operation, lostIDs []string, replayed int, state *tfjson.State) error {
	if op == authserver.OpRevoke {
		return nil // revocation is idempotent: the retry revokes an already revoked token
	}
	if replayed != matrixMaxRetries {
		return fmt.Errorf("%s: %d idempotent replays, want %d (one per lost answer)", op, replayed, matrixMaxRetries)
	}
	if len(lostIDs) == 0 {
		return fmt.Errorf("%s: no lost answer minted a token: the fault was not after processing", op)
	}
	inState := stateTokenIDs(state)
	for _, id := range lostIDs {
		rec, ok := c.e.server.Token(id)
		switch {
		case !ok:
			return fmt.Errorf("server has no token %s", id)
		case rec.Kind == authserver.KindLong && !inState[id]:
			return fmt.Errorf("token %s, whose answer was lost, is not the one in state\n%s", id, c.e.serverLog())
		case rec.Kind == authserver.KindShort && rec.State == authserver.StateActive:
			return fmt.Errorf("short-term token %s, whose answer was lost, was never closed\n%s", id, c.e.serverLog())
		}
	}
	return nil
}

// checkAgreement is the matrix's invariant: every active long-term token is in state (none
// orphaned) and, when strict, every token in state is active; every short-term token
// opened was closed.
func (c *matrixCell) checkAgreement(strict bool) serverCheck {
	return func(state *tfjson.State) error {
		if strict {
			if err := c.e.expectActiveLongTermTokensMatchState()(state); err != nil {
				return err
			}
		} else {
			inState := stateTokenIDs(state)
			for _, r := range c.e.activeTokens(authserver.KindLong) {
				if !inState[r.ID] {
					return fmt.Errorf("server token %s is active but not in state (orphaned)\n%s", r.ID, c.e.serverLog())
				}
			}
		}
		if n := len(c.e.activeTokens(authserver.KindShort)); n != 0 {
			return fmt.Errorf("%d short-term tokens still active after the run\n%s", n, c.e.serverLog())
		}
		return nil
	}
}

func opLabel(op authserver.Operation) string {
	switch op {
	case authserver.OpIssueShort:
		return "open"
	case authserver.OpRevoke:
		return "revoke"
	}
	return "issue"
}

var (
	diagnosticSummary = regexp.MustCompile(`(?m)^\s*(?:│\s*)?Error: (.+?)\s*$`)
	tokenIDText       = regexp.MustCompile(`\b(lt|st)_[A-Za-z0-9]{16,64}\b`)
)

// diagnosticSummaries returns the summary line of every error diagnostic Terraform printed,
// with token ids replaced by lt_…/st_… so that they compare across runs.
func diagnosticSummaries(output string) []string {
	var out []string
	for _, m := range diagnosticSummary.FindAllStringSubmatch(output, -1) {
		out = append(out, tokenIDText.ReplaceAllString(m[1], "${1}_…"))
	}
	return out
}

// deadEndpoint is a loopback URL where nothing can listen (port 0), so every connection is
// refused: the server is down. A port freed by a closed listener could be taken meanwhile.
const deadEndpoint = "http://127.0.0.1:0/v1"

func renderMatrix(outcomes [][]cellOutcome) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Provider settings: `max_retries = %d`, `request_timeout` as the row says. *Within the budget*: the fault "+
		"is injected %d times on each operation of the phase, so no operation meets it on every attempt. *Beyond*: the fault "+
		"(or the outage) lasts the whole run. *Afterwards*: the same configuration applied with the fault gone, which must "+
		"converge to an empty plan, then destroy.\n\n",
		matrixMaxRetries, matrixMaxRetries)
	b.WriteString("| fault | phase | within the retry budget | beyond the retry budget | afterwards |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for i, f := range matrixFaults {
		for j, p := range matrixPhases {
			o := outcomes[i][j]
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", f.name, p.name, o.within, o.beyond, o.afterwards)
		}
	}
	return b.String()
}

// checkGoldenSection compares the text between begin and end in path with want, or with
// -update rewrites it.
func checkGoldenSection(t *testing.T, path, begin, end, want string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i, j := strings.Index(text, begin), strings.Index(text, end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the markers %s … %s", path, begin, end)
	}
	head, got, tail := text[:i+len(begin)], text[i+len(begin):j], text[j:]
	want = "\n" + want
	if got == want {
		return
	}
	if *update {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(head+want+tail), info.Mode().Perm()); err != nil { //nolint:gosec // G703: a file of this repository, named by the test
			t.Fatal(err)
		}
		t.Logf("rewrote the generated section of %s", path)
		return
	}
	t.Errorf("the generated section of %s is out of date; run go test ./internal/provider -run %s -update\n--- file\n%s\n--- observed\n%s",
		path, t.Name(), got, want)
}
