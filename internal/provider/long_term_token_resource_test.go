package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/example/terraform-provider-auth/internal/authclient"
	"github.com/example/terraform-provider-auth/internal/authserver"
)

var (
	longTermIDRegexp = regexp.MustCompile(`^lt_[A-Za-z0-9]{16,64}$`)
	rfc3339Regexp    = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
)

func TestAccLongTermToken_createWithEachMechanism(t *testing.T) {
	_, pems, _ := loadTestKeys(t)
	cases := map[string]struct {
		providerLines func(e *testEnv) []string
		mechanism     string
	}{
		"client_secret": {
			providerLines: func(*testEnv) []string { return []string{fmt.Sprintf("client_secret = %q", testClientSecret)} },
			mechanism:     "client_secret",
		},
		"otp_code": {
			providerLines: func(*testEnv) []string { return []string{`otp_code = "123456"`} },
			mechanism:     "otp_code",
		},
		"assertion": {
			providerLines: func(e *testEnv) []string {
				return []string{fmt.Sprintf("assertion = %q", e.signAssertion(t, "ec"))}
			},
			mechanism: "assertion",
		},
		"private_key_pem_rsa": {
			providerLines: func(*testEnv) []string { return []string{fmt.Sprintf("private_key_pem = %q", pems["rsa"])} },
			mechanism:     "assertion",
		},
		"private_key_pem_ec": {
			providerLines: func(*testEnv) []string { return []string{fmt.Sprintf("private_key_pem = %q", pems["ec"])} },
			mechanism:     "assertion",
		},
		"private_key_pem_ed25519": {
			providerLines: func(*testEnv) []string { return []string{fmt.Sprintf("private_key_pem = %q", pems["ed25519"])} },
			mechanism:     "assertion",
		},
		"access_token": {
			providerLines: func(e *testEnv) []string {
				writer := e.issueDirect("tokens:write", "deploy:read")
				st, err := e.exchangeDirect(writer.Token, "tokens:write", "deploy:read")
				if err != nil {
					t.Fatal(err)
				}
				return []string{fmt.Sprintf("access_token = %q", st.Token)}
			},
			mechanism: "token_exchange",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			lines := tc.providerLines(e)
			preexisting := len(e.activeTokens(authserver.KindLong))
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				CheckDestroy: func(*terraform.State) error {
					if n := len(e.activeTokens(authserver.KindLong)); n != preexisting {
						return fmt.Errorf("%d long-term tokens active after destroy, want %d\n%s", n, preexisting, e.serverLog())
					}
					return nil
				},
				Steps: []resource.TestStep{{
					Config: e.providerBlock(lines...) + `
resource "auth_long_term_token" "test" {
  name   = "deployer"
  scopes = ["deploy:read"]
}`,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectSensitiveValue(tokenAddr, tfjsonpath.New("token")),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("token_id"), knownvalue.StringRegexp(longTermIDRegexp)),
						statecheck.ExpectSensitiveValue(tokenAddr, tfjsonpath.New("token")),
						statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("client_id"), knownvalue.StringExact(testClientID)),
						statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("token_type"), knownvalue.StringExact("Bearer")),
						statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("scopes"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("deploy:read")})),
						statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("ttl_days"), knownvalue.Int64Exact(90)),
						statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(testT0.Add(90*24*time.Hour).Format(time.RFC3339))),
						statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("issued_at"), knownvalue.StringRegexp(rfc3339Regexp)),
						statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("rotated_from"), knownvalue.Null()),
						e.expectServerTokenActive(),
						e.expectMechanism(tokenAddr, tc.mechanism),
						e.tokenWorks(tokenAddr),
					},
				}},
			})
		})
	}
}

// signAssertion signs a client assertion for the issue operation, valid for 5 minutes.
func (e *testEnv) signAssertion(t *testing.T, key string) string {
	t.Helper()
	signers, _, _ := loadTestKeys(t)
	now := e.clock.Now()
	claims := jwt.RegisteredClaims{
		Issuer: testClientID, Subject: testClientID, Audience: jwt.ClaimStrings{e.url + "/auth/tokens/long"},
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(5 * time.Minute)),
		ID: fmt.Sprintf("jti-%d", now.UnixNano()),
	}
	method := map[string]jwt.SigningMethod{"rsa": jwt.SigningMethodRS256, "ec": jwt.SigningMethodES256, "ed25519": jwt.SigningMethodEdDSA}[key]
	signed, err := jwt.NewWithClaims(method, claims).SignedString(signers[key])
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// TestAccLongTermToken_rotationTriggers: each trigger plans an in-place rotation; the old
// token dies at once (grace 0), the new one works, and destroy leaves nothing active.
func TestAccLongTermToken_rotationTriggers(t *testing.T) {
	base := map[string]string{"name": `"deployer"`, "scopes": `["deploy:read"]`, "ttl_days": "30", "rotation_triggers": `{ version = "1" }`}
	changed := map[string]string{"name": `"deployer-v2"`, "scopes": `["deploy:read", "metrics:read"]`, "ttl_days": "60", "rotation_triggers": `{ version = "2" }`}
	for attr := range base {
		t.Run(attr, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			config := func(override string) string {
				var b strings.Builder
				b.WriteString(e.secretProvider() + "resource \"auth_long_term_token\" \"test\" {\n")
				for _, a := range []string{"name", "scopes", "ttl_days", "rotation_triggers"} {
					v := base[a]
					if a == attr && override != "" {
						v = override
					}
					fmt.Fprintf(&b, "  %s = %s\n", a, v)
				}
				return b.String() + "}\n"
			}
			var first capturedToken
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				CheckDestroy:             e.checkNoActiveTokens,
				Steps: []resource.TestStep{
					{
						Config: config(""),
						ConfigStateChecks: []statecheck.StateCheck{
							capture(&first),
							e.expectActiveLongTermTokensMatchState(),
						},
					},
					{
						Config:           config(changed[attr]),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: expectRotation(tokenAddr)},
						ConfigStateChecks: []statecheck.StateCheck{
							// Before tokenWorks, which sends requests of its own.
							e.expectRequests(map[authserver.Operation]int{authserver.OpIssueLong: 2, authserver.OpRevoke: 0}),
							e.expectServerTokenActive(),
							e.tokenWorks(tokenAddr),
							serverCheck(func(s *tfjson.State) error {
								from, _ := stateAttr(s, tokenAddr, "rotated_from")
								if from != first.id {
									return fmt.Errorf("rotated_from = %q, want %q", from, first.id)
								}
								if rec, _ := e.server.Token(first.id); rec.State != authserver.StateRevoked {
									return fmt.Errorf("replaced token %s is %s, want revoked at once", first.id, rec.State)
								}
								return nil
							}),
							e.expectActiveLongTermTokensMatchState(),
						},
					},
				},
			})
		})
	}
}

// TestAccLongTermToken_rotationWithGrace: the replaced token works until its grace period
// ends by the clock, then not; destroy during the grace period ends both.
func TestAccLongTermToken_rotationWithGrace(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	config := func(version string) string {
		return e.secretProvider() + fmt.Sprintf(`
resource "auth_long_term_token" "test" {
  scopes               = ["deploy:read"]
  grace_period_seconds = 3600
  rotation_triggers    = { version = %q }
}`, version)
	}
	var first capturedToken
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoActiveTokens,
		Steps: []resource.TestStep{
			{
				Config:            config("1"),
				ConfigStateChecks: []statecheck.StateCheck{capture(&first), e.expectActiveLongTermTokensMatchState()},
			},
			{
				Config:           config("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: expectRotation(tokenAddr)},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("previous_token_expires_at"),
						knownvalue.StringExact(testT0.Add(time.Hour).Format(time.RFC3339))),
					serverCheck(func(*tfjson.State) error {
						if _, err := e.exchangeDirect(first.secret); err != nil {
							return fmt.Errorf("replaced token stopped working inside its grace period: %v", err)
						}
						return nil
					}),
					e.tokenWorks(tokenAddr),
				},
			},
			{
				// Nothing changes but the clock, past the grace period.
				PreConfig: func() { e.clock.Advance(time.Hour + time.Second) },
				Config:    config("2"),
				ConfigStateChecks: []statecheck.StateCheck{serverCheck(func(*tfjson.State) error {
					if _, err := e.exchangeDirect(first.secret); err == nil {
						return fmt.Errorf("replaced token still works after its grace period")
					}
					if rec, _ := e.server.Token(first.id); rec.State == authserver.StateActive {
						return fmt.Errorf("replaced token %s still active after its grace period", first.id)
					}
					return nil
				})},
			},
			{
				// A third rotation, destroyed while the second token's grace period runs:
				// the contract's cascade must end it too.
				Config:           config("3"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: expectRotation(tokenAddr)},
				ConfigStateChecks: []statecheck.StateCheck{serverCheck(func(*tfjson.State) error {
					if n := len(e.activeTokens(authserver.KindLong)); n != 2 {
						return fmt.Errorf("%d active long-term tokens during the grace period, want 2\n%s", n, e.serverLog())
					}
					return nil
				})},
			},
		},
	})
}

// TestAccLongTermToken_localArgumentsCallNoAPI: grace_period_seconds and rotate_before_days
// alone change state without a request, and a no-change plan and refresh send none.
func TestAccLongTermToken_localArgumentsCallNoAPI(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	config := func(grace, before int) string {
		return e.secretProvider() + fmt.Sprintf(`
resource "auth_long_term_token" "test" {
  ttl_days             = 30
  grace_period_seconds = %d
  rotate_before_days   = %d
}`, grace, before)
	}
	onlyOneIssue := e.expectRequests(map[authserver.Operation]int{authserver.OpIssueLong: 1, authserver.OpIssueShort: 0, authserver.OpRevoke: 0})
	// The token_id must stay the same across steps: local arguments never rotate.
	sameTokenID := statecheck.CompareValue(compare.ValuesSame())
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoActiveTokens,
		Steps: []resource.TestStep{
			{
				Config:            config(0, 0),
				ConfigStateChecks: []statecheck.StateCheck{onlyOneIssue, sameTokenID.AddStateValue(tokenAddr, tfjsonpath.New("token_id"))},
			},
			{
				Config: config(600, 5),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("token_id"), knownvalue.NotNull()),
					plancheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("expires_at"), knownvalue.NotNull()),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					onlyOneIssue,
					statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("grace_period_seconds"), knownvalue.Int64Exact(600)),
					sameTokenID.AddStateValue(tokenAddr, tfjsonpath.New("token_id")),
				},
			},
			{
				// Same configuration: refresh, plan and apply do nothing, and ask nothing.
				Config:            config(600, 5),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{onlyOneIssue},
			},
			{RefreshState: true},
			{Config: config(600, 5), PlanOnly: true},
			{
				// After an explicit refresh and a plan-only run, still the one request.
				Config:            config(600, 5),
				ConfigStateChecks: []statecheck.StateCheck{onlyOneIssue},
			},
		},
	})
}

// TestAccLongTermToken_expiryAndWindow: by the clock, a token outside its rotate_before_days
// window plans nothing, inside it plans a rotation, and an expired token plans one too.
func TestAccLongTermToken_expiryAndWindow(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	config := e.secretProvider() + `
resource "auth_long_term_token" "test" {
  ttl_days           = 30
  rotate_before_days = 10
}`
	var rotatedAt time.Time
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoActiveTokens,
		Steps: []resource.TestStep{
			{Config: config},
			{
				// Day 19: one day before the window opens.
				PreConfig: func() { e.clock.Advance(19 * 24 * time.Hour) },
				Config:    config,
				PlanOnly:  true,
			},
			{
				// Day 20 and a minute: inside the window.
				PreConfig:        func() { e.clock.Advance(24*time.Hour + time.Minute) },
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: expectRotation(tokenAddr)},
				ConfigStateChecks: []statecheck.StateCheck{
					e.tokenWorks(tokenAddr),
					e.expectActiveLongTermTokensMatchState(),
					serverCheck(func(*tfjson.State) error { rotatedAt = e.clock.Now(); return nil }),
				},
			},
			{
				// Past the new token's expiry (window or not): an expired token rotates.
				PreConfig:        func() { e.clock.Set(rotatedAt.Add(31 * 24 * time.Hour)) },
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: expectRotation(tokenAddr)},
				ConfigStateChecks: []statecheck.StateCheck{
					e.tokenWorks(tokenAddr),
					e.expectActiveLongTermTokensMatchState(),
					e.expectRequests(map[authserver.Operation]int{authserver.OpIssueLong: 3}),
				},
			},
		},
	})
}

// TestAccLongTermToken_expiredWithoutWindow: rotate_before_days off, an expired token still rotates.
func TestAccLongTermToken_expiredWithoutWindow(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	config := e.secretProvider() + `
resource "auth_long_term_token" "test" {
  ttl_days = 1
}`
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoActiveTokens,
		Steps: []resource.TestStep{
			{Config: config},
			{PreConfig: func() { e.clock.Advance(23 * time.Hour) }, Config: config, PlanOnly: true},
			{
				PreConfig:         func() { e.clock.Advance(time.Hour) },
				Config:            config,
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: expectRotation(tokenAddr)},
				ConfigStateChecks: []statecheck.StateCheck{e.tokenWorks(tokenAddr), e.expectActiveLongTermTokensMatchState()},
			},
		},
	})
}

// TestAccLongTermToken_importThenRotate: an adopted token (secret unknown) is rotated by
// the next apply and then holds a usable secret; the adopted token is revoked.
func TestAccLongTermToken_importThenRotate(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	adopted := e.issueDirect("deploy:read")
	config := e.secretProvider() + `
resource "auth_long_term_token" "test" {
  scopes = ["deploy:read"]
}`
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoActiveTokens,
		Steps: []resource.TestStep{
			{
				Config:             config,
				ResourceName:       tokenAddr,
				ImportState:        true,
				ImportStateId:      adopted.TokenID,
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].Attributes["token_id"] != adopted.TokenID {
						return fmt.Errorf("imported state = %+v", states)
					}
					return nil
				},
			},
			{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: expectRotation(tokenAddr)},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("rotated_from"), knownvalue.StringExact(adopted.TokenID)),
					e.tokenWorks(tokenAddr),
					serverCheck(func(*tfjson.State) error {
						if rec, _ := e.server.Token(adopted.TokenID); rec.State != authserver.StateRevoked {
							return fmt.Errorf("adopted token %s is %s after rotation, want revoked", adopted.TokenID, rec.State)
						}
						return nil
					}),
					e.expectActiveLongTermTokensMatchState(),
				},
			},
		},
	})
}

// TestAccLongTermToken_importedTokenRevokedWithProviderCredential: destroying an adopted,
// never-rotated token uses the provider's long_term_token.
func TestAccLongTermToken_importedTokenRevokedWithProviderCredential(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	adopted := e.issueDirect("deploy:read")
	admin := e.issueDirect("tokens:revoke")
	config := e.providerBlock(fmt.Sprintf("long_term_token = %q", admin.Token)) + `
resource "auth_long_term_token" "test" {
  scopes = ["deploy:read"]
}`
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy: func(*terraform.State) error {
			if rec, _ := e.server.Token(adopted.TokenID); rec.State != authserver.StateRevoked {
				return fmt.Errorf("adopted token is %s after destroy, want revoked", rec.State)
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config:             config,
			ResourceName:       tokenAddr,
			ImportState:        true,
			ImportStateId:      adopted.TokenID,
			ImportStatePersist: true,
		}},
	})
}

func TestAccLongTermToken_importRejectsMalformedID(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config:        e.secretProvider() + `resource "auth_long_term_token" "test" {}`,
			ResourceName:  tokenAddr,
			ImportState:   true,
			ImportStateId: "not-a-token",
			ExpectError:   regexp.MustCompile(`"not-a-token" is not a long-term token id`),
		}},
	})
}

// TestAccLongTermToken_selfRotation: with no step-up mechanism, a token holding tokens:write
// rotates itself through token_exchange; without tokens:write the error says what to do.
func TestAccLongTermToken_selfRotation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	config := func(provider, scopes, version string) string {
		return provider + fmt.Sprintf(`
resource "auth_long_term_token" "test" {
  scopes            = %s
  rotation_triggers = { version = %q }
}`, scopes, version)
	}
	bare := e.providerBlock()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy: func(s *terraform.State) error {
			// The refused rotation minted nothing: 3 tokens, one per successful step.
			if err := e.expectLongTermMinted(3)(nil); err != nil {
				return err
			}
			return e.checkNoActiveTokens(s)
		},
		Steps: []resource.TestStep{
			{Config: config(e.secretProvider(), `["tokens:write", "deploy:read"]`, "1")},
			{
				Config:           config(bare, `["tokens:write", "deploy:read"]`, "2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: expectRotation(tokenAddr)},
				ConfigStateChecks: []statecheck.StateCheck{
					e.expectMechanism(tokenAddr, "token_exchange"),
					e.tokenWorks(tokenAddr),
					e.expectActiveLongTermTokensMatchState(),
					serverCheck(func(*tfjson.State) error {
						if n := len(e.activeTokens(authserver.KindShort)); n != 0 {
							return fmt.Errorf("%d short-term tokens left active by self-rotation\n%s", n, e.serverLog())
						}
						return nil
					}),
				},
			},
			{
				Config: config(e.secretProvider(), `["deploy:read"]`, "3"),
				ConfigStateChecks: []statecheck.StateCheck{
					e.expectMechanism(tokenAddr, "client_secret"),
					e.tokenWorks(tokenAddr),
					e.expectActiveLongTermTokensMatchState(),
				},
			},
			{
				Config:      config(bare, `["deploy:read"]`, "4"),
				ExpectError: regexp.MustCompile(`(?s)No step-up mechanism to rotate.*tokens:write`),
			},
		},
	})
}

// TestAccLongTermToken_unknownProviderArgumentsAtPlan: a provider whose credential is only
// known after apply plans without error and issues at apply.
func TestAccLongTermToken_unknownProviderArgumentsAtPlan(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoActiveTokens,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "terraform_data" "secret" {
  input = %q
}

provider "auth" {
  endpoint      = %q
  client_id     = %q
  client_secret = terraform_data.secret.output
}

resource "auth_long_term_token" "test" {}
`, testClientSecret, e.url, testClientID),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionCreate),
			}},
			ConfigStateChecks: []statecheck.StateCheck{e.tokenWorks(tokenAddr), e.expectActiveLongTermTokensMatchState()},
		}},
	})
}

// TestAccLongTermToken_twentyInOneApply: Terraform's default parallelism of 10 over twenty
// tokens mints exactly twenty, each once; rotating all mints exactly twenty more.
func TestAccLongTermToken_twentyInOneApply(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	config := func(version string) string {
		return e.secretProvider() + fmt.Sprintf(`
resource "auth_long_term_token" "test" {
  count             = 20
  name              = "worker-${count.index}"
  rotation_triggers = { version = %q }
}`, version)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoActiveTokens,
		Steps: []resource.TestStep{
			{
				Config: config("1"),
				ConfigStateChecks: []statecheck.StateCheck{
					e.expectLongTermMinted(20),
					e.expectRequests(map[authserver.Operation]int{authserver.OpIssueLong: 20}),
					e.expectActiveLongTermTokensMatchState(),
				},
			},
			{
				Config: config("2"),
				ConfigStateChecks: []statecheck.StateCheck{
					e.expectLongTermMinted(40),
					e.expectRequests(map[authserver.Operation]int{authserver.OpIssueLong: 40}),
					e.expectActiveLongTermTokensMatchState(),
				},
			},
		},
	})
}

func TestRotationReasons(t *testing.T) {
	t.Parallel()
	now := testT0
	state := longTermTokenModel{
		Token:            types.StringValue("secret"),
		Name:             types.StringValue("a"),
		Scopes:           types.SetValueMust(types.StringType, []attr.Value{types.StringValue("deploy:read")}),
		TTLDays:          types.Int64Value(30),
		RotateBeforeDays: types.Int64Value(0),
		RotationTriggers: types.MapNull(types.StringType),
		ExpiresAt:        types.StringValue(now.Add(30 * 24 * time.Hour).Format(time.RFC3339)),
	}
	tests := map[string]struct {
		change func(plan, config *longTermTokenModel)
		at     time.Time
		want   string
	}{
		"no change":                 {change: func(*longTermTokenModel, *longTermTokenModel) {}, at: now},
		"empty triggers equal null": {change: func(p, _ *longTermTokenModel) { p.RotationTriggers = types.MapValueMust(types.StringType, nil) }, at: now},
		"name":                      {change: func(p, _ *longTermTokenModel) { p.Name = types.StringValue("b") }, at: now, want: "name changed"},
		"ttl":                       {change: func(p, _ *longTermTokenModel) { p.TTLDays = types.Int64Value(31) }, at: now, want: "ttl_days changed"},
		"trigger": {change: func(p, _ *longTermTokenModel) {
			p.RotationTriggers = types.MapValueMust(types.StringType, map[string]attr.Value{"v": types.StringValue("1")})
		}, at: now, want: "rotation_triggers changed"},
		"unknown trigger": {change: func(p, _ *longTermTokenModel) { p.RotationTriggers = types.MapUnknown(types.StringType) }, at: now, want: "rotation_triggers changed"},
		"scopes configured": {change: func(p, c *longTermTokenModel) {
			p.Scopes = types.SetValueMust(types.StringType, []attr.Value{types.StringValue("metrics:read")})
			c.Scopes = p.Scopes
		}, at: now, want: "scopes changed"},
		"scopes omitted keep state": {change: func(p, _ *longTermTokenModel) { p.Scopes = types.SetUnknown(types.StringType) }, at: now},
		"imported":                  {change: func(*longTermTokenModel, *longTermTokenModel) {}, at: now, want: "imported"},
		"expired":                   {change: func(*longTermTokenModel, *longTermTokenModel) {}, at: now.Add(30 * 24 * time.Hour), want: "expired"},
		"before window": {change: func(p, _ *longTermTokenModel) { p.RotateBeforeDays = types.Int64Value(10) },
			at: now.Add(20*24*time.Hour - time.Second)},
		"window open": {change: func(p, _ *longTermTokenModel) { p.RotateBeforeDays = types.Int64Value(10) },
			at: now.Add(20 * 24 * time.Hour), want: "within rotate_before_days (10)"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			st, plan := state, state
			config := state
			config.Scopes = types.SetNull(types.StringType)
			if name == "imported" {
				st.Token = types.StringNull()
			}
			tc.change(&plan, &config)
			reasons := strings.Join(rotationReasons(st, plan, config, tc.at), "; ")
			if tc.want == "" && reasons != "" {
				t.Fatalf("rotation planned (%s), want none", reasons)
			}
			if !strings.Contains(reasons, tc.want) {
				t.Fatalf("reasons %q, want one containing %q", reasons, tc.want)
			}
		})
	}
}

// TestAccLongTermToken_rotationAfterOutOfBandRevocation: a token revoked outside Terraform
// cannot be rotated; the next rotation issues a fresh token instead of failing.
func TestAccLongTermToken_rotationAfterOutOfBandRevocation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	config := func(version string) string {
		return e.secretProvider() + fmt.Sprintf(`
resource "auth_long_term_token" "test" {
  rotation_triggers = { version = %q }
}`, version)
	}
	var first capturedToken
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoActiveTokens,
		Steps: []resource.TestStep{
			{
				Config:            config("1"),
				ConfigStateChecks: []statecheck.StateCheck{capture(&first), e.expectActiveLongTermTokensMatchState()},
			},
			{
				PreConfig: func() {
					if err := e.apiClient().RevokeToken(context.Background(), first.id, first.secret); err != nil {
						t.Fatal(err)
					}
				},
				Config:           config("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: expectRotation(tokenAddr)},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("rotated_from"), knownvalue.Null()),
					e.tokenWorks(tokenAddr),
					e.expectActiveLongTermTokensMatchState(),
				},
			},
		},
	})
}

func TestReplacedTokenGone(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		err  error
		want bool
	}{
		"unknown token":       {err: &authclient.APIError{StatusCode: 404, Code: "not_found"}, want: true},
		"revoked token":       {err: &authclient.APIError{StatusCode: 409, Code: "invalid_request"}, want: true},
		"request in progress": {err: &authclient.APIError{StatusCode: 409, Code: "request_in_progress"}},
		"unauthorized":        {err: &authclient.APIError{StatusCode: 401, Code: "invalid_client"}},
		"transport":           {err: errors.New("connection reset")},
		"success":             {},
	}
	for name, tc := range tests {
		if got := replacedTokenGone(tc.err); got != tc.want {
			t.Errorf("%s: replacedTokenGone = %v, want %v", name, got, tc.want)
		}
	}
}

// expectRequests checks the server's request counts per operation since the server started.
func (e *testEnv) expectRequests(want map[authserver.Operation]int) serverCheck {
	return func(*tfjson.State) error {
		got := e.server.RequestCounts()
		for op, n := range want {
			if got[op] != n {
				return fmt.Errorf("server received %d %s requests, want %d (all counts: %v)", got[op], op, n, got)
			}
		}
		return nil
	}
}
