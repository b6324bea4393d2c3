package provider

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// leftOpenConfig opens a short-term token from parent and feeds it to an aliased provider
// that cannot issue with it (parent lacks tokens:write): the apply fails after Terraform
// opened the token, and Terraform then does not close it.
func leftOpenConfig(endpoint, parent string) string {
	return fmt.Sprintf(`provider "auth" {
  endpoint        = %q
  client_id       = %q
  long_term_token = %q
}

ephemeral "auth_short_term_token" "session" {}

provider "auth" {
  alias        = "session"
  endpoint     = %q
  access_token = ephemeral.auth_short_term_token.session.token
}

resource "auth_long_term_token" "app" {
  provider = auth.session
  name     = "app"
}
`, endpoint, testClientID, parent, endpoint)
}

// recordUnclosed runs one step, with a short-term token's parent made by config, under a
// provider that records the tokens Terraform leaves open, and returns that record.
func recordUnclosed(t *testing.T, e *testEnv, config func(parent string) string, expectError *regexp.Regexp) *UnclosedTokens {
	t.Helper()
	parent := e.issueDirect("deploy:read")
	unclosed := NewUnclosedTokens()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factoriesRecording(unclosed),
		TerraformVersionChecks:   ephemeralVersions,
		Steps:                    []resource.TestStep{{Config: config(parent.Token), ExpectError: expectError}},
	})
	return unclosed
}

// TestAccShortTermToken_leftOpenByFailedApply: when an apply fails downstream of an
// ephemeral resource, Terraform does not close it, so its token would stay valid until its
// ttl. The provider remembers it, and main revokes it with RevokeAll once Terraform stops
// the provider.
func TestAccShortTermToken_leftOpenByFailedApply(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	unclosed := recordUnclosed(t, e, func(parent string) string { return leftOpenConfig(e.url, parent) },
		regexp.MustCompile(`Cannot issue auth_long_term_token`))

	_, leftOpen := e.shortTokens()
	if leftOpen == 0 {
		t.Fatalf("no short-term token was left open by the failed apply: the test no longer shows what it is for\n%s", e.serverLog())
	}
	revoked, errs := unclosed.RevokeAll(context.Background())
	if len(errs) != 0 || len(revoked) != leftOpen {
		t.Errorf("RevokeAll revoked %v with errors %v; want the %d tokens left open", revoked, errs, leftOpen)
	}
	if _, active := e.shortTokens(); active != 0 {
		t.Errorf("%d short-term tokens still active after RevokeAll\n%s", active, e.serverLog())
	}
	if again, errs := unclosed.RevokeAll(context.Background()); len(again) != 0 || len(errs) != 0 {
		t.Errorf("a second RevokeAll revoked %v (errors %v); want nothing left", again, errs)
	}
}

// Tokens that Terraform closed are forgotten: nothing is left to revoke after a normal run.
func TestAccShortTermToken_closedTokensAreForgotten(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	unclosed := recordUnclosed(t, e, e.echoSessionConfig, nil)
	if all, active := e.shortTokens(); all == 0 || active != 0 {
		t.Fatalf("%d short-term tokens minted, %d active; want some, none active\n%s", all, active, e.serverLog())
	}
	if revoked, errs := unclosed.RevokeAll(context.Background()); len(revoked) != 0 || len(errs) != 0 {
		t.Errorf("RevokeAll after a clean run revoked %v (errors %v); want nothing", revoked, errs)
	}
}

// TestBinaryRevokesTokensLeftOpen runs the built provider under the real Terraform CLI:
// after the failed apply, Terraform stops the provider process, and main revokes the token
// Terraform left open before the process exits (and before Terraform does).
func TestBinaryRevokesTokensLeftOpen(t *testing.T) {
	t.Parallel()
	ephemeralResources.skipBelow(t)
	cliConfig, workDir := builtProvider(t)
	e := newTestEnv(t)
	// The built provider reads the real clock, and refuses an access_token whose exp claim,
	// from the server's clock, has passed by it.
	e.clock.Set(time.Now())
	parent := e.issueDirect("deploy:read")
	writeFile(t, filepath.Join(workDir, "main.tf"), "terraform {\n  required_providers {\n    auth = { source = \"example/auth\" }\n  }\n}\n\n"+
		leftOpenConfig(e.url, parent.Token))
	run := terraformRunner{t: t, tf: testCLI.path, dir: workDir, env: []string{
		"TF_CLI_CONFIG_FILE=" + cliConfig, "TF_LOG_PROVIDER=DEBUG", "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
	}}

	out, err := run.run("apply", "-no-color", "-auto-approve")
	if err == nil || !strings.Contains(out, "Cannot issue auth_long_term_token") {
		t.Fatalf("the apply did not fail as the test needs (err %v):\n%s", err, lastLines(out, 40))
	}
	all, active := e.shortTokens()
	if all == 0 || active != 0 {
		t.Errorf("%d short-term tokens minted, %d still active after terraform exited; want none active\n%s", all, active, e.serverLog())
	}
	if !regexp.MustCompile(`revoked short-term token st_\w+, still open when Terraform stopped the provider`).MatchString(out) {
		t.Errorf("the provider did not report revoking a token Terraform left open:\n%s", lastLines(out, 40))
	}
}

// An Open that runs after RevokeAll (Terraform stopped the provider meanwhile) must not
// leave its token behind: nothing would close it, so the Open fails and revokes it at once.
func TestAccShortTermToken_openedWhileStopping(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	parent := e.issueDirect("deploy:read")
	stopping := NewUnclosedTokens()
	stopping.RevokeAll(context.Background())
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factoriesRecording(stopping),
		TerraformVersionChecks:   ephemeralVersions,
		Steps: []resource.TestStep{{
			Config:      e.echoSessionConfig(parent.Token),
			ExpectError: regexp.MustCompile(`Provider stopping`),
		}},
	})
	if all, active := e.shortTokens(); all == 0 || active != 0 {
		t.Errorf("%d short-term tokens minted, %d still active; want some, none active\n%s", all, active, e.serverLog())
	}
}

func TestUnclosedTokens_nilRecordsNothing(t *testing.T) {
	t.Parallel()
	var none *UnclosedTokens
	if !none.opened("st_A", "secret", nil) {
		t.Error("a nil record refused a token: Open would fail for want of a record")
	}
	none.closed("st_A")
	if revoked, errs := none.RevokeAll(context.Background()); revoked != nil || errs != nil {
		t.Errorf("a nil record revoked %v (errors %v)", revoked, errs)
	}
}
