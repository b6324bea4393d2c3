package provider

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/example/terraform-provider-auth/internal/authserver"
)

// expectExchanges checks how many short-term tokens the provider's long_term_token was
// exchanged for.
func (e *testEnv) expectExchanges(parent string, want int) serverCheck {
	return func(*tfjson.State) error {
		if all, _ := e.exchangesOf(parent); all != want {
			return fmt.Errorf("the provider's long_term_token was exchanged %d times, want %d\n%s", all, want, e.serverLog())
		}
		return nil
	}
}

// expectRefusedIssuances checks how many issuances the server refused with 401.
func (e *testEnv) expectRefusedIssuances(want int) serverCheck {
	return func(*tfjson.State) error {
		refused := 0
		for _, r := range e.server.Requests() {
			if r.Operation == authserver.OpIssueLong && r.Status == http.StatusUnauthorized {
				refused++
			}
		}
		if refused != want {
			return fmt.Errorf("the server refused %d issuances with 401, want %d", refused, want)
		}
		return nil
	}
}

// twoResourcesInOrder declares two tokens, the second created after the first.
const twoResourcesInOrder = `
resource "auth_long_term_token" "first" {
  name   = "first"
  scopes = ["deploy:read"]
}

resource "auth_long_term_token" "second" {
  name       = "second"
  scopes     = ["deploy:read"]
  depends_on = [auth_long_term_token.first]
}
`

// afterFirstIssue runs fn once, after the server's first answer to an issuance.
func afterFirstIssue(fn func()) func(*http.Request, *http.Response) {
	var once sync.Once
	return func(req *http.Request, resp *http.Response) {
		if strings.HasSuffix(req.URL.Path, "/auth/tokens/long") && resp.StatusCode == http.StatusCreated {
			once.Do(fn)
		}
	}
}

// TestAccLongTermToken_justInTimeExchange: a provider with only a long_term_token holding
// tokens:write issues with short-term tokens it exchanges just in time. The clock moves
// past the first short-term token's expiry between the two issuances of one apply, which
// still succeeds: the provider exchanges again (twice in all), and after Terraform stops the
// provider (RevokeAll, as main does) nothing it exchanged is active.
func TestAccLongTermToken_justInTimeExchange(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, withRequestRecords)
	credential := e.issueDirect("tokens:write", "deploy:read")
	unclosed := NewUnclosedTokens()
	past := time.Duration(exchangeTTLSeconds+1) * time.Second
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factoriesWith(e.clock.Now, unclosed, afterFirstIssue(func() { e.clock.Advance(past) })),
		CheckDestroy:             e.checkNoActiveTokensBut(credential.TokenID),
		Steps: []resource.TestStep{{
			Config: e.providerBlock(fmt.Sprintf("long_term_token = %q", credential.Token)) + twoResourcesInOrder,
			ConfigStateChecks: []statecheck.StateCheck{
				e.expectMechanism("auth_long_term_token.first", "token_exchange"),
				e.expectMechanism("auth_long_term_token.second", "token_exchange"),
				e.expectExchanges(credential.TokenID, 2),
				e.expectRefusedIssuances(0), // renewed before it ran short, not after a refusal
				e.tokenWorks("auth_long_term_token.second"),
			},
		}},
	})
	e.expectNothingExchangedAfterStop(t, unclosed, credential.TokenID)
}

// TestAccLongTermToken_justInTimeExchangeAfterClockDrift: the server's clock runs ahead of
// the provider's, so the provider reuses a short-term token the server has let expire. The
// server answers 401, and the provider exchanges again, once, and issues.
func TestAccLongTermToken_justInTimeExchangeAfterClockDrift(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, withRequestRecords)
	credential := e.issueDirect("tokens:write", "deploy:read")
	unclosed := NewUnclosedTokens()
	var drift time.Duration // the provider's clock stays where the server's was
	var mu sync.Mutex
	providerNow := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return e.clock.Now().Add(-drift)
	}
	past := time.Duration(exchangeTTLSeconds+1) * time.Second
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factoriesWith(providerNow, unclosed, afterFirstIssue(func() {
			mu.Lock()
			defer mu.Unlock()
			drift = past
			e.clock.Advance(past)
		})),
		CheckDestroy: e.checkNoActiveTokensBut(credential.TokenID),
		Steps: []resource.TestStep{{
			Config: e.providerBlock(fmt.Sprintf("long_term_token = %q", credential.Token)) + twoResourcesInOrder,
			ConfigStateChecks: []statecheck.StateCheck{
				e.expectExchanges(credential.TokenID, 2),
				e.expectRefusedIssuances(1), // the reused token
				e.expectActiveLongTermTokensMatchState(credential.TokenID),
			},
		}},
	})
	e.expectNothingExchangedAfterStop(t, unclosed, credential.TokenID)
}

// TestAccLongTermToken_stepUpPrecedence: a configured mechanism wins over long_term_token,
// which wins over self-rotation; a long_term_token without tokens:write leaves rotation to
// the token itself and cannot issue.
func TestAccLongTermToken_stepUpPrecedence(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	credential := e.issueDirect("tokens:write", "deploy:read")
	readOnly := e.issueDirect("deploy:read")
	config := func(provider, version string) string {
		return provider + fmt.Sprintf(`
resource "auth_long_term_token" "test" {
  scopes            = ["tokens:write", "deploy:read"]
  rotation_triggers = { version = %q }
}`, version)
	}
	withSecret := e.providerBlock(fmt.Sprintf("client_secret = %q", testClientSecret), fmt.Sprintf("long_term_token = %q", credential.Token))
	withLongTerm := e.providerBlock(fmt.Sprintf("long_term_token = %q", credential.Token))
	withReadOnly := e.providerBlock(fmt.Sprintf("long_term_token = %q", readOnly.Token))
	var rotated capturedToken
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoActiveTokensBut(credential.TokenID, readOnly.TokenID),
		Steps: []resource.TestStep{
			{
				// Mechanism over long_term_token: the secret issues, nothing is exchanged.
				Config: config(withSecret, "1"),
				ConfigStateChecks: []statecheck.StateCheck{
					e.expectMechanism(tokenAddr, "client_secret"),
					e.expectExchanges(credential.TokenID, 0),
				},
			},
			{
				// long_term_token over self-rotation: the provider's token is exchanged,
				// not the rotated one, although that holds tokens:write too.
				Config:           config(withLongTerm, "2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: expectRotation(tokenAddr)},
				ConfigStateChecks: []statecheck.StateCheck{
					e.expectMechanism(tokenAddr, "token_exchange"),
					e.expectExchanges(credential.TokenID, 1),
					capture(&rotated),
				},
			},
			{
				// A long_term_token without tokens:write: the token rotates itself.
				Config:           config(withReadOnly, "3"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: expectRotation(tokenAddr)},
				ConfigStateChecks: []statecheck.StateCheck{
					e.expectMechanism(tokenAddr, "token_exchange"),
					serverCheck(func(*tfjson.State) error {
						if all, _ := e.exchangesOf(rotated.id); all != 1 {
							return fmt.Errorf("the rotated token %s was exchanged %d times, want 1 (self-rotation)\n%s", rotated.id, all, e.serverLog())
						}
						if all, active := e.exchangesOf(readOnly.TokenID); all != 1 || active != 0 {
							return fmt.Errorf("the read-only long_term_token was exchanged %d times (%d active), want once to learn its scopes, revoked\n%s", all, active, e.serverLog())
						}
						return nil
					}),
				},
			},
			{
				// ... and it cannot issue.
				Config:      withReadOnly + `resource "auth_long_term_token" "other" {}`,
				ExpectError: regexp.MustCompile(`(?s)No step-up mechanism configured.*long_term_token\s+does\s+not\s+hold\s+scope\s+tokens:write`),
			},
		},
	})
}

// TestAccLongTermToken_expiredAccessToken: an access_token that has expired fails before
// it is sent, saying so and pointing to long_term_token; one the server refuses (revoked)
// gets the same advice, never a bare 401.
func TestAccLongTermToken_expiredAccessToken(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	parent := e.issueDirect("tokens:write", "deploy:read")
	expiring, err := e.exchangeDirect(parent.Token)
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := e.exchangeDirect(parent.Token)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.apiClient().RevokeToken(context.Background(), revoked.TokenID, revoked.Token); err != nil {
		t.Fatal(err)
	}
	config := func(token string) string {
		return e.providerBlock(fmt.Sprintf("access_token = %q", token)) + `resource "auth_long_term_token" "test" {}`
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{
				Config:      config(revoked.Token),
				ExpectError: regexp.MustCompile(`(?s)HTTP 401 invalid_token.*access_token has expired or was revoked.*long_term_token`),
			},
			{
				PreConfig:   func() { e.clock.Set(expiring.ExpiresAt.Add(-5 * time.Second)) },
				Config:      config(expiring.Token),
				ExpectError: regexp.MustCompile(`(?s)The provider's access_token has expired.*configure the provider's\s+long_term_token`),
			},
		},
	})
	if n := len(e.activeTokens(authserver.KindLong)); n != 1 {
		t.Errorf("%d long-term tokens active, want only the parent: nothing was issued\n%s", n, e.serverLog())
	}
}

// TestBinaryJustInTimeExchange runs the built provider under the real CLI with only a
// long_term_token: it logs at INFO which credential issued (never a value), and once
// Terraform has stopped it, no short-term token it exchanged is active.
func TestBinaryJustInTimeExchange(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	credential := e.issueDirect("tokens:write", "deploy:read")
	run := e.builtProviderWithLongTermToken(t, credential.Token)("TF_LOG_PROVIDER=INFO")
	for _, command := range [][]string{{"apply", "-no-color", "-auto-approve"}, {"destroy", "-no-color", "-auto-approve"}} {
		out, err := run.run(command...)
		if err != nil {
			t.Fatalf("terraform %s: %v\n%s", command[0], err, lastLines(out, 40))
		}
		if command[0] == "apply" && !regexp.MustCompile(`\[INFO\].*issued long-term token:.*step_up=long_term_token`).MatchString(out) {
			t.Errorf("the provider did not log at INFO that long_term_token issued:\n%s", lastLines(out, 40))
		}
		if strings.Contains(out, credential.Token) {
			t.Errorf("terraform %s printed the long_term_token", command[0])
		}
		if all, active := e.exchangesOf(credential.TokenID); all == 0 || active != 0 {
			t.Errorf("after terraform %s: the long_term_token was exchanged %d times, %d still active; want some, none active\n%s",
				command[0], all, active, e.serverLog())
		}
	}
}

// builtProviderWithLongTermToken writes twoResourcesInOrder for the built provider,
// configured with only longTermToken, and returns the runners of that configuration: each
// adds env to the CLI's environment.
func (e *testEnv) builtProviderWithLongTermToken(t *testing.T, longTermToken string) func(env ...string) *terraformRunner {
	cliConfig, workDir := builtProvider(t)
	writeFile(t, filepath.Join(workDir, "main.tf"), "terraform {\n  required_providers {\n    auth = { source = \"example/auth\" }\n  }\n}\n\n"+
		e.providerBlock(fmt.Sprintf("long_term_token = %q", longTermToken))+twoResourcesInOrder)
	return func(env ...string) *terraformRunner {
		return &terraformRunner{t: t, tf: testCLI.path, dir: workDir, env: append([]string{
			"TF_CLI_CONFIG_FILE=" + cliConfig, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1"}, env...)}
	}
}

// expectNothingExchangedAfterStop revokes what the provider left to RevokeAll, as main does
// when Terraform stops the provider, and checks that no exchanged token is active then.
func (e *testEnv) expectNothingExchangedAfterStop(t *testing.T, unclosed *UnclosedTokens, parent string) {
	t.Helper()
	if _, active := e.exchangesOf(parent); active == 0 {
		t.Fatalf("no exchanged short-term token was active before the stop: the test no longer shows what it is for\n%s", e.serverLog())
	}
	if _, errs := unclosed.RevokeAll(context.Background()); len(errs) != 0 {
		t.Errorf("RevokeAll: %v", errs)
	}
	if all, active := e.exchangesOf(parent); active != 0 {
		t.Errorf("%d of %d exchanged short-term tokens still active after the provider stopped\n%s", active, all, e.serverLog())
	}
}
