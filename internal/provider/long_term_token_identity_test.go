package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/example/terraform-provider-auth/internal/authserver"
)

// planCheckFunc is a plan check written as a function.
type planCheckFunc func(plan *tfjson.Plan) error

func (c planCheckFunc) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = c(req.Plan)
}

// expectUntouched checks, on the server's record, that planning an import sent nothing: the
// one long-term token the server ever minted is still active, and its issuance is the only
// request the server received.
func (e *testEnv) expectUntouched() planCheckFunc {
	return func(*tfjson.Plan) error {
		if err := e.expectLongTermMinted(1)(nil); err != nil {
			return err
		}
		if n := len(e.activeTokens(authserver.KindLong)); n != 1 {
			return fmt.Errorf("%d active long-term tokens after planning the import, want 1\n%s", n, e.serverLog())
		}
		return e.expectRequests(map[authserver.Operation]int{authserver.OpIssueLong: 1, authserver.OpIssueShort: 0, authserver.OpRevoke: 0})(nil)
	}
}

// expectImporting checks that the plan imports addr.
func expectImporting(addr string) planCheckFunc {
	return func(plan *tfjson.Plan) error {
		for _, rc := range plan.ResourceChanges {
			if rc.Address == addr {
				if rc.Change == nil || rc.Change.Importing == nil {
					return fmt.Errorf("%s is not imported by the plan", addr)
				}
				return nil
			}
		}
		return fmt.Errorf("%s is not in the plan", addr)
	}
}

// expectAdoptedReplaced checks the apply that follows an import: the adopted token was
// rotated into the state's token, and is revoked (grace 0).
func (e *testEnv) expectAdoptedReplaced(adoptedID string) serverCheck {
	return func(state *tfjson.State) error {
		if from, _ := stateAttr(state, tokenAddr, "rotated_from"); from != adoptedID {
			return fmt.Errorf("rotated_from = %q, want the adopted token %s", from, adoptedID)
		}
		if rec, _ := e.server.Token(adoptedID); rec.State != authserver.StateRevoked {
			return fmt.Errorf("adopted token %s is %s after the rotation, want revoked\n%s", adoptedID, rec.State, e.serverLog())
		}
		return nil
	}
}

// identityIsTokenID checks the identity of tokenAddr: exactly its token_id.
var identityIsTokenID = []statecheck.StateCheck{
	statecheck.ExpectIdentity(tokenAddr, map[string]knownvalue.Check{"token_id": knownvalue.StringRegexp(longTermIDRegexp)}),
	statecheck.ExpectIdentityValueMatchesState(tokenAddr, tfjsonpath.New("token_id")),
}

// importConfig is a configuration that adopts a token with the given import block argument,
// into a resource with the given lines.
func (e *testEnv) importConfig(importArgument string, resourceLines ...string) string {
	return e.secretProvider() + fmt.Sprintf(`
import {
  to = auth_long_term_token.test
  %s
}

resource "auth_long_term_token" "test" {
  scopes = ["deploy:read"]
  %s
}
`, importArgument, strings.Join(resourceLines, "\n  "))
}

// TestAccLongTermToken_identityImportThenRotate: an import block with identity adopts a
// token as an import by id does, and the apply rotates it. The identity follows the token
// id through that rotation and the next (the import block, left in place, is done), and
// stays through an update of a local argument.
func TestAccLongTermToken_identityImportThenRotate(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	adopted := e.issueDirect("deploy:read")
	config := func(grace int, version string) string {
		return e.importConfig(fmt.Sprintf("identity = { token_id = %q }", adopted.TokenID),
			fmt.Sprintf("grace_period_seconds = %d", grace), fmt.Sprintf("rotation_triggers = { version = %q }", version))
	}
	rotatedID := statecheck.CompareValue(compare.ValuesDiffer())
	keptID := statecheck.CompareValue(compare.ValuesSame())
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{identityFeature},
		CheckDestroy:             e.checkNoActiveTokens,
		Steps: []resource.TestStep{
			{
				Config: config(0, "1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append(expectRotation(tokenAddr),
					expectImporting(tokenAddr), e.expectUntouched())},
				ConfigStateChecks: append([]statecheck.StateCheck{
					e.expectAdoptedReplaced(adopted.TokenID),
					e.tokenWorks(tokenAddr),
					e.expectActiveLongTermTokensMatchState(),
					rotatedID.AddStateValue(tokenAddr, tfjsonpath.New("token_id")),
				}, identityIsTokenID...),
			},
			{
				Config:           config(0, "2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: expectRotation(tokenAddr)},
				ConfigStateChecks: append([]statecheck.StateCheck{
					e.expectServerTokenActive(),
					e.expectActiveLongTermTokensMatchState(),
					rotatedID.AddStateValue(tokenAddr, tfjsonpath.New("token_id")),
					keptID.AddStateValue(tokenAddr, tfjsonpath.New("token_id")),
				}, identityIsTokenID...),
			},
			{
				Config: config(60, "2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("token_id"), knownvalue.NotNull()),
				}},
				ConfigStateChecks: append([]statecheck.StateCheck{
					e.expectRequests(map[authserver.Operation]int{authserver.OpIssueLong: 3}),
					keptID.AddStateValue(tokenAddr, tfjsonpath.New("token_id")),
				}, identityIsTokenID...),
			},
		},
	})
}

// TestAccLongTermToken_identityImportBlock: plugin-testing's import by the identity in state
// adopts the token without a request and plans the rotation that learns its secret; the
// configuration that -generate-config-out writes plans the same.
func TestAccLongTermToken_identityImportBlock(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	config := e.secretProvider() + `
resource "auth_long_term_token" "test" {
  scopes = ["deploy:read"]
}`
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{identityFeature},
		CheckDestroy:             e.checkNoActiveTokens,
		Steps: []resource.TestStep{
			{
				Config:            config,
				ConfigStateChecks: append([]statecheck.StateCheck{e.expectActiveLongTermTokensMatchState()}, identityIsTokenID...),
			},
			{
				Config:             config,
				ResourceName:       tokenAddr,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithResourceIdentity,
				ExpectNonEmptyPlan: true, // the imported token's secret is unknown: the next apply rotates
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: append(expectRotation(tokenAddr),
					expectImporting(tokenAddr), e.expectUntouched())},
			},
			// In GenerateConfig mode after the first step, plugin-testing imports into .generated.
			e.generatedConfigImport(resource.ImportBlockWithResourceIdentity, "auth_long_term_token.generated"),
		},
	})
}

// TestAccLongTermToken_identityImportRejectsMalformedID: an identity that names no
// long-term token is refused as an id is.
func TestAccLongTermToken_identityImportRejectsMalformedID(t *testing.T) {
	t.Parallel()
	newTestEnv(t).expectMalformedImportRefused(identityFeature, `identity = { token_id = "not-a-token" }`, "Invalid import identity")
}

// expectMalformedImportRefused runs an import block with importArgument, which names
// "not-a-token", and expects ImportState's refusal under summary.
func (e *testEnv) expectMalformedImportRefused(feature cliFeature, importArgument, summary string) {
	resource.UnitTest(e.t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{feature},
		Steps: []resource.TestStep{{
			Config:      e.importConfig(importArgument),
			ExpectError: regexp.MustCompile(`(?s)` + summary + `.*"not-a-token" is not a long-term token id`),
		}},
	})
}

// TestAccLongTermToken_identityOfLostIssuePlaceholder: the tainted placeholder of an issuance
// in doubt has its pending-issue id as identity; its replacement has the new token id.
func TestAccLongTermToken_identityOfLostIssuePlaceholder(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	config := e.providerBlock(fmt.Sprintf("client_secret = %q\n  max_retries = 1", testClientSecret)) + `
resource "auth_long_term_token" "test" {
  name = "lost"
}`
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{identityFeature},
		CheckDestroy:             e.checkNoActiveTokens,
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { e.server.InjectFault(authserver.OpIssueLong, authserver.Fault{DropConnection: true, Times: 6}) },
				Config:      config,
				ExpectError: regexp.MustCompile(`Issue outcome unknown`),
			},
			{
				PreConfig: func() {
					e.server.ClearFaults()
					if n := len(e.activeTokens(authserver.KindLong)); n != 1 {
						t.Fatalf("the lost issuance minted %d tokens, want 1; the test proves nothing\n%s", n, e.serverLog())
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionDestroyBeforeCreate),
					expectPriorIdentityIsID(tokenAddr, pendingIssueIDPrefix),
				}},
				ConfigStateChecks: append([]statecheck.StateCheck{e.expectActiveLongTermTokensMatchState()}, identityIsTokenID...),
			},
		},
	})
}

// expectPriorIdentityIsID checks the state that the plan starts from: the identity of addr
// is its id, which starts with prefix.
func expectPriorIdentityIsID(addr, prefix string) planCheckFunc {
	return func(plan *tfjson.Plan) error {
		if plan.PriorState == nil || plan.PriorState.Values == nil || plan.PriorState.Values.RootModule == nil {
			return fmt.Errorf("the plan has no prior state")
		}
		for _, r := range plan.PriorState.Values.RootModule.Resources {
			if r.Address != addr {
				continue
			}
			id, _ := r.AttributeValues["id"].(string)
			if !strings.HasPrefix(id, prefix) || r.IdentityValues["token_id"] != id {
				return fmt.Errorf("%s has id %q and identity %v; want an id %s… and the identity token_id = the id", addr, id, r.IdentityValues, prefix)
			}
			return nil
		}
		return fmt.Errorf("%s is not in the prior state", addr)
	}
}

// TestAccLongTermToken_identityThroughLostRotation: a rotation whose answer was lost keeps the
// old token in state, and its identity with it; the apply that resumes the rotation moves
// the identity to the successor.
func TestAccLongTermToken_identityThroughLostRotation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	config := func(version string) string {
		return e.providerBlock(fmt.Sprintf("client_secret = %q\n  max_retries = 1", testClientSecret)) + fmt.Sprintf(`
resource "auth_long_term_token" "test" {
  rotation_triggers = { version = %q }
}`, version)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{identityFeature},
		CheckDestroy:             e.checkNoActiveTokens,
		Steps: []resource.TestStep{
			{Config: config("1"), ConfigStateChecks: identityIsTokenID},
			{
				PreConfig:   e.lostRotationAnswers,
				Config:      config("2"),
				ExpectError: regexp.MustCompile(`Rotation outcome unknown`),
			},
			{
				PreConfig: e.server.ClearFaults,
				Config:    config("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append(expectRotation(tokenAddr),
					expectPriorIdentityIsID(tokenAddr, "lt_"))},
				ConfigStateChecks: append([]statecheck.StateCheck{
					statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("rotated_from"), knownvalue.NotNull()),
					e.expectActiveLongTermTokensMatchState(),
					e.expectLongTermMinted(2),
				}, identityIsTokenID...),
			},
		},
	})
}

// TestAccLongTermToken_importBlockThenRotate: an import block with the token's id adopts it,
// and the same apply rotates it: the adopted token is revoked, the new one works.
func TestAccLongTermToken_importBlockThenRotate(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	adopted := e.issueDirect("deploy:read")
	config := e.importConfig(fmt.Sprintf("id = %q", adopted.TokenID))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{importBlockFeature},
		CheckDestroy:             e.checkNoActiveTokens,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: append(expectRotation(tokenAddr),
					expectImporting(tokenAddr), e.expectUntouched())},
				ConfigStateChecks: []statecheck.StateCheck{
					e.expectAdoptedReplaced(adopted.TokenID),
					e.tokenWorks(tokenAddr),
					e.expectActiveLongTermTokensMatchState(),
				},
			},
			{
				// The import block stays in the configuration: it is done, nothing more happens.
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// TestAccLongTermToken_importBlockGeneratedConfig: plugin-testing's import block by id, with
// the configuration that -generate-config-out writes: it plans the rotation that learns
// the adopted token's secret, with the defaults, and sends nothing.
func TestAccLongTermToken_importBlockGeneratedConfig(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	adopted := e.issueDirect("deploy:read")
	step := e.generatedConfigImport(resource.ImportBlockWithID, tokenAddr)
	step.Config, step.ImportStateId = e.secretProvider(), adopted.TokenID
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{importBlockFeature},
		Steps:                    []resource.TestStep{step},
	})
}

// generatedConfigImport is an import step of the given kind in plugin-testing's GenerateConfig
// mode: -generate-config-out writes the resource block at addr, and the plan with it must
// be the rotation an import brings, with the defaults, planned without a request.
func (e *testEnv) generatedConfigImport(kind resource.ImportStateKind, addr string) resource.TestStep {
	return resource.TestStep{
		ResourceName:       tokenAddr,
		ImportState:        true,
		ImportStateKind:    kind,
		GenerateConfig:     true,
		ExpectNonEmptyPlan: true,
		ImportPlanChecks: resource.ImportPlanChecks{PreApply: append(expectRotation(addr),
			expectImporting(addr), e.expectUntouched(),
			plancheck.ExpectKnownValue(addr, tfjsonpath.New("ttl_days"), knownvalue.Int64Exact(defaultTTLDays)))},
	}
}

// TestAccLongTermToken_importBlockRejectsMalformedID: an import block's id is checked as
// terraform import's is.
func TestAccLongTermToken_importBlockRejectsMalformedID(t *testing.T) {
	t.Parallel()
	newTestEnv(t).expectMalformedImportRefused(importBlockFeature, `id = "not-a-token"`, "Invalid import id")
}
