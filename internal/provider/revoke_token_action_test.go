package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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

	"github.com/example/terraform-provider-auth/internal/authclient"
	"github.com/example/terraform-provider-auth/internal/authserver"
)

const (
	consumerAddr    = "terraform_data.consumer"
	previousAction  = "action.auth_revoke_token.previous"
	overlapGraceSec = 86400
)

// actionVersions skips the action tests on a CLI without actions: Terraform below 1.14, and
// OpenTofu.
var actionVersions = []tfversion.TerraformVersionCheck{actionsFeature}

// overlapConfig is the rotation pattern: the consumer (terraform_data stands for it) gets
// the token, and its update revokes the token that the rotation replaced, with the
// provider's long_term_token. note changes the consumer without a rotation.
func (e *testEnv) overlapConfig(revoker, release, note string) string {
	return e.providerBlock(fmt.Sprintf("client_secret = %q", testClientSecret), fmt.Sprintf("long_term_token = %q", revoker)) + fmt.Sprintf(`
resource "auth_long_term_token" "test" {
  name                 = "deployer"
  scopes               = ["deploy:read"]
  grace_period_seconds = %d
  rotation_triggers    = { release = %q }
}

resource "terraform_data" "consumer" {
  input = { token = auth_long_term_token.test.token, note = %q }

  lifecycle {
    action_trigger {
      events  = [after_update]
      actions = [action.auth_revoke_token.previous]
    }
  }
}

action "auth_revoke_token" "previous" {
  config {
    token_id = auth_long_term_token.test.rotated_from
  }
}
`, overlapGraceSec, release, note)
}

// TestAccRevokeTokenAction_endsOverlap: the consumer's update ends the replaced token's grace
// period at once. Before any rotation rotated_from is null: creation triggers nothing
// (after_update only), and an update of the consumer revokes nothing and succeeds.
func TestAccRevokeTokenAction_endsOverlap(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	revoker := e.issueDirect("tokens:revoke")
	var first capturedToken
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   actionVersions,
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy: func(*terraform.State) error {
			if active := e.activeTokens(""); len(active) != 1 || active[0].ID != revoker.TokenID {
				return fmt.Errorf("after destroy, want only the revoker %s active\n%s", revoker.TokenID, e.serverLog())
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: e.overlapConfig(revoker.Token, "1", "a"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					expectActionInvocations(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					capture(&first),
					e.expectServerTokenActive(),
					e.expectRequests(map[authserver.Operation]int{authserver.OpRevoke: 0}),
				},
			},
			{
				// The consumer changes, the token does not: the action runs with a null token_id.
				Config: e.overlapConfig(revoker.Token, "1", "b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionNoop),
					expectActionInvocations(previousAction),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					e.expectServerTokenActive(),
					e.expectRequests(map[authserver.Operation]int{authserver.OpRevoke: 0}),
				},
			},
			{
				Config: e.overlapConfig(revoker.Token, "2", "b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append(expectRotation(tokenAddr),
					plancheck.ExpectResourceAction(consumerAddr, plancheck.ResourceActionUpdate),
					expectActionInvocations(previousAction),
				)},
				ConfigStateChecks: []statecheck.StateCheck{
					e.expectRevokedAtOnce(&first),
					e.expectServerTokenActive(),
					expectConsumerHoldsToken(),
					e.expectRequests(map[authserver.Operation]int{authserver.OpRevoke: 1}),
				},
			},
		},
	})
}

// expectRevokedAtOnce checks that the server lists the replaced token as revoked at the
// clock's time, not at the end of its grace period (the test clock does not move).
func (e *testEnv) expectRevokedAtOnce(replaced *capturedToken) serverCheck {
	return func(state *tfjson.State) error {
		if from, err := stateAttr(state, tokenAddr, "rotated_from"); err != nil || from != replaced.id {
			return fmt.Errorf("rotated_from is %q (%v), want the replaced token %s", from, err, replaced.id)
		}
		rec, ok := e.server.Token(replaced.id)
		if !ok || rec.State != authserver.StateRevoked || rec.RevokedAt == nil || !rec.RevokedAt.Equal(e.clock.Now().Truncate(time.Second)) {
			return fmt.Errorf("replaced token %s is not revoked at %s, well before its grace period of %d s ends\n%s",
				replaced.id, e.clock.Now().Format(time.RFC3339), overlapGraceSec, e.serverLog())
		}
		return nil
	}
}

// expectConsumerHoldsToken checks that the consumer was given the token now in state.
func expectConsumerHoldsToken() serverCheck {
	return func(state *tfjson.State) error {
		token, err := stateAttr(state, tokenAddr, "token")
		if err != nil {
			return err
		}
		for _, r := range state.Values.RootModule.Resources {
			if r.Address == consumerAddr {
				if input, _ := r.AttributeValues["input"].(map[string]any); input["token"] != token {
					return fmt.Errorf("%s does not hold the token of %s", consumerAddr, tokenAddr)
				}
				return nil
			}
		}
		return fmt.Errorf("%s not in state", consumerAddr)
	}
}

// expectActionInvocations checks the actions that the plan invokes, by address.
func expectActionInvocations(addrs ...string) plancheck.PlanCheck {
	return actionInvocationsCheck(addrs)
}

type actionInvocationsCheck []string

func (want actionInvocationsCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	var got []string
	for _, a := range req.Plan.ActionInvocations {
		got = append(got, a.Address)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		resp.Error = fmt.Errorf("plan invokes actions %v, want %v", got, []string(want))
	}
}

// TestAccRevokeTokenAction_invalidTokenID: a value that is not a token id is refused when
// the configuration is validated, even in an action that nothing triggers, and the message
// says what token_id takes.
func TestAccRevokeTokenAction_invalidTokenID(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   actionVersions,
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config: e.secretProvider() + `
action "auth_revoke_token" "typo" {
  config {
    token_id = "lt_tooShort"
  }
}`,
			ExpectError: regexp.MustCompile(`(?s)Invalid token_id.*lt_ \(long-term\) or st_\s+\(short-term\) followed by 16 to 64`),
		}},
	})
	if n := e.server.RequestCounts()[authserver.OpRevoke]; n != 0 {
		t.Errorf("server received %d revoke requests, want 0", n)
	}
}

// invokeConfig is the incident-response configuration: an action that nothing triggers,
// run with `terraform apply -invoke`, revoking with the sensitive variable revoker.
func (e *testEnv) invokeConfig() string {
	return fmt.Sprintf(`
terraform {
  required_providers {
    auth = { source = "example/auth" }
  }
}

variable "token_id" {
  type = string
}

variable "revoker" {
  type      = string
  sensitive = true
  default   = null
}

provider "auth" {
  endpoint  = %q
  client_id = %q
}

action "auth_revoke_token" "leaked" {
  config {
    token_id = var.token_id
    token    = var.revoker
  }
}
`, e.url, testClientID)
}

// TestAccRevokeTokenAction_invoke runs `terraform apply -invoke` with the built provider, which
// terraform-plugin-testing cannot drive, against tokens that Terraform does not manage: a
// leaked one is revoked, and nothing else; a second revocation, and an id that the server
// does not know, count as done; a credential without the scope, a missing credential and a
// secret given as the id fail with messages that name the cause, and no secret is printed.
func TestAccRevokeTokenAction_invoke(t *testing.T) {
	t.Parallel()
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH") // set by TestMain
	actionsFeature.skipBelow(t)
	cliConfig, workDir := builtProvider(t)
	e := newTestEnv(t)
	leaked, revoker, bystander := e.issueDirect("deploy:read"), e.issueDirect("tokens:revoke"), e.issueDirect("deploy:read")
	writeFile(t, filepath.Join(workDir, "main.tf"), e.invokeConfig())
	run := terraformRunner{t: t, tf: tf, dir: workDir}
	// The id and the credential travel in variables: the command line is part of every
	// failure message, and one case gives a secret as the id.
	invoke := func(tokenID, revokerSecret string, env ...string) (string, error) {
		run.env = append([]string{"TF_CLI_CONFIG_FILE=" + cliConfig, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_VAR_token_id=" + tokenID}, env...)
		if revokerSecret != "" {
			run.env = append(run.env, "TF_VAR_revoker="+revokerSecret)
		}
		out, err := run.run("apply", "-invoke=action.auth_revoke_token.leaked", "-auto-approve", "-no-color")
		return strings.Join(strings.Fields(out), " "), err // unwrapped, so that messages match whole
	}
	expectFailure := func(out string, err error, want ...string) {
		t.Helper()
		if err == nil {
			t.Fatalf("terraform apply -invoke succeeded, want an error:\n%s", out)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
	}
	expectState := func(id string, want authserver.TokenState) {
		t.Helper()
		if rec, ok := e.server.Token(id); !ok || rec.State != want {
			t.Errorf("server token %s is %s, want %s\n%s", id, rec.State, want, e.serverLog())
		}
	}

	out, err := invoke(leaked.TokenID, "")
	expectFailure(out, err, "No credential to revoke with", "long_term_token (AUTH_LONG_TERM_TOKEN) or access_token")
	expectState(leaked.TokenID, authserver.StateActive)

	// TF_LOG=TRACE: the provider's log lines too are searched for secrets below.
	out, err = invoke(leaked.TokenID, revoker.Token, "TF_LOG=TRACE")
	if err != nil {
		t.Fatalf("terraform apply -invoke: %v\n%s", err, out[max(0, len(out)-3000):])
	}
	if !strings.Contains(out, "auth_revoke_token.leaked (triggered by CLI): "+leaked.TokenID+" is revoked") || !strings.Contains(out, "Actions: 1 invoked") {
		t.Errorf("the invocation did not report the revocation:\n%s", out[max(0, len(out)-3000):])
	}
	expectState(leaked.TokenID, authserver.StateRevoked)
	expectState(revoker.TokenID, authserver.StateActive)
	expectState(bystander.TokenID, authserver.StateActive)

	if out, err = invoke(leaked.TokenID, revoker.Token); err != nil {
		t.Errorf("revoking a revoked token: %v, want done\n%s", err, out)
	}
	unknownID := "lt_" + strings.Repeat("A", 26)
	out, err = invoke(unknownID, revoker.Token)
	if err != nil || !strings.Contains(out, "Token "+unknownID+" not found") {
		t.Errorf("revoking an unknown token: %v, want done with a warning naming it\n%s", err, out)
	}

	out, err = invoke(revoker.TokenID, bystander.Token)
	expectFailure(out, err, "Cannot revoke token "+revoker.TokenID+" with the action's token", "insufficient_scope")
	expectState(revoker.TokenID, authserver.StateActive)

	out, err = invoke(bystander.Token, revoker.Token)
	expectFailure(out, err, "Invalid token_id", "not its secret")
	expectState(bystander.TokenID, authserver.StateActive)

	if n := e.server.RequestCounts()[authserver.OpRevoke]; n != 4 {
		t.Errorf("server received %d revoke requests, want 4 (two of the leaked token, the unknown one, the refused one)", n)
	}
	for _, o := range run.outputs {
		for kind, secret := range map[string]string{"revoker": revoker.Token, "bystander": bystander.Token, "leaked": leaked.Token} {
			if strings.Contains(o.text, secret) {
				t.Errorf("terraform %s printed the %s token's secret", o.name, kind)
			}
		}
	}
}

func TestRevokeCredential(t *testing.T) {
	cases := map[string]struct {
		data       providerData
		bearer     string
		credential string
	}{
		"long_term_token first": {
			data:   providerData{longTermToken: "ltk_a", stepUp: authclient.StepUp{AccessToken: "jwt"}},
			bearer: "ltk_a", credential: "the provider's long_term_token",
		},
		"access_token else": {
			data:   providerData{stepUp: authclient.StepUp{AccessToken: "jwt"}},
			bearer: "jwt", credential: "the provider's access_token",
		},
		"a step-up secret is no revoking credential": {
			data: providerData{stepUp: authclient.StepUp{ClientSecret: testClientSecret}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			bearer, credential := tc.data.revokeCredential()
			if bearer != tc.bearer || credential != tc.credential {
				t.Errorf("revokeCredential() = %q, %q; want %q, %q", bearer, credential, tc.bearer, tc.credential)
			}
		})
	}
}

func TestIsTokenID(t *testing.T) {
	for s, want := range map[string]bool{
		"lt_" + strings.Repeat("a", 16):  true,
		"st_" + strings.Repeat("Z", 64):  true,
		"st_" + strings.Repeat("9", 15):  false,
		"lt_" + strings.Repeat("a", 65):  false,
		"xt_" + strings.Repeat("a", 16):  false,
		"ltk_" + strings.Repeat("a", 43): false,
		"st_abc.def.ghi":                 false,
		"":                               false,
	} {
		if got := isTokenID(s); got != want {
			t.Errorf("isTokenID(%q) = %v, want %v", s, got, want)
		}
	}
}
