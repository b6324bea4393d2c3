package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

var shortTermIDRegexp = regexp.MustCompile(`^st_[A-Za-z0-9]{16,64}$`)

// expectShortTokens checks that at least minted short-term tokens exist and how many are active.
func (e *testEnv) expectShortTokens(minted, active int) serverCheck {
	return func(*tfjson.State) error {
		all, live := e.shortTokens()
		if all < minted || live != active {
			return fmt.Errorf("server holds %d short-term tokens (%d active), want at least %d (%d active)\n%s", all, live, minted, active, e.serverLog())
		}
		return nil
	}
}

// TestAccShortTermToken_echo: the token reaches another provider, with every result
// attribute; the tokens opened at plan and at apply are all revoked when closed.
func TestAccShortTermToken_echo(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	parent := e.issueDirect("deploy:read", "deploy:write", "metrics:read")
	config := e.providerBlock(fmt.Sprintf("long_term_token = %q", parent.Token)) + `
ephemeral "auth_short_term_token" "test" {
  scopes      = ["deploy:read", "metrics:read"]
  ttl_seconds = 600
  audience    = "deploy.example.com"
}

provider "echo" {
  data = {
    token   = ephemeral.auth_short_term_token.test
    claims  = provider::auth::token_claims(ephemeral.auth_short_term_token.test.token)
  }
}

resource "echo" "test" {}
`
	data := func(path ...string) tfjsonpath.Path {
		p := tfjsonpath.New("data")
		for _, s := range path {
			p = p.AtMapKey(s)
		}
		return p
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   ephemeralVersions,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.test", data("token", "token_id"), knownvalue.StringRegexp(shortTermIDRegexp)),
				statecheck.ExpectKnownValue("echo.test", data("token", "parent_token_id"), knownvalue.StringExact(parent.TokenID)),
				statecheck.ExpectKnownValue("echo.test", data("token", "token_type"), knownvalue.StringExact("Bearer")),
				statecheck.ExpectKnownValue("echo.test", data("token", "expires_in"), knownvalue.Int64Exact(600)),
				statecheck.ExpectKnownValue("echo.test", data("token", "revoke_on_close"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("echo.test", data("token", "expires_at"), knownvalue.StringExact(testT0.Add(10*time.Minute).Format(time.RFC3339))),
				statecheck.ExpectKnownValue("echo.test", data("token", "scopes"), knownvalue.SetExact([]knownvalue.Check{
					knownvalue.StringExact("deploy:read"), knownvalue.StringExact("metrics:read"),
				})),
				statecheck.ExpectKnownValue("echo.test", data("claims", "subject"), knownvalue.StringExact(testClientID)),
				statecheck.ExpectKnownValue("echo.test", data("claims", "audience"), knownvalue.StringExact("deploy.example.com")),
				statecheck.ExpectKnownValue("echo.test", data("claims", "parent_token_id"), knownvalue.StringExact(parent.TokenID)),
				// Opened at plan and at apply, each closed and revoked.
				e.expectShortTokens(2, 0),
			},
		}},
	})
}

// TestAccShortTermToken_keptOpen: revoke_on_close = false leaves the token active until it
// expires by the clock.
func TestAccShortTermToken_keptOpen(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	parent := e.issueDirect("deploy:read")
	config := e.providerBlock(fmt.Sprintf("long_term_token = %q", parent.Token)) + `
ephemeral "auth_short_term_token" "test" {
  ttl_seconds     = 120
  revoke_on_close = false
}

provider "echo" {
  data = ephemeral.auth_short_term_token.test.token_id
}

resource "echo" "test" {}
`
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   ephemeralVersions,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				serverCheck(func(s *tfjson.State) error {
					all, active := e.shortTokens()
					if all < 2 || active != all {
						return fmt.Errorf("%d of %d short-term tokens active, want all kept open\n%s", active, all, e.serverLog())
					}
					return nil
				}),
			},
		}},
	})
	// Every token was minted at the unmoving test clock's start, including any opened
	// again by the destroy: all end at their expiry.
	e.clock.Advance(121 * time.Second)
	if _, active := e.shortTokens(); active != 0 {
		t.Errorf("%d short-term tokens still active after their expiry", active)
	}
}

// TestAccShortTermToken_errors: every bad argument, and each way an exchange fails, is an
// error that names the cause and that Terraform shows against the argument.
func TestAccShortTermToken_errors(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	revoked := e.issueDirect("deploy:read")
	if err := e.apiClient().RevokeToken(t.Context(), revoked.TokenID, revoked.Token); err != nil {
		t.Fatal(err)
	}
	narrow := e.issueDirect("deploy:read")
	shortLived := e.issueDirectTTL(1, "deploy:read")
	ephemeralConfig := func(provider, body string) string {
		return provider + fmt.Sprintf(`
ephemeral "auth_short_term_token" "test" {
  %s
}

provider "echo" {
  data = ephemeral.auth_short_term_token.test.token_id
}

resource "echo" "test" {}
`, body)
	}
	const length = "Invalid Attribute Value Length"
	cases := map[string]struct {
		config string
		before func()
		want   string
	}{
		"no long-term token": {
			config: ephemeralConfig(e.providerBlock(), ""),
			want:   `(?s)Error: No long-term token to exchange.*Set long_term_token here, or the provider's long_term_token`,
		},
		"empty long-term token": {
			config: ephemeralConfig(e.providerBlock(), `long_term_token = ""`),
			want:   attributeError("long_term_token", length, "string length must be at least 1"),
		},
		"revoked long-term token": {
			config: ephemeralConfig(e.providerBlock(), fmt.Sprintf("long_term_token = %q", revoked.Token)),
			want:   `(?s)HTTP 401.*` + attributeError("long_term_token", "Long-term token not accepted", "expired, revoked or unknown"),
		},
		"scopes not held": {
			config: ephemeralConfig(e.providerBlock(), fmt.Sprintf("long_term_token = %q\n  scopes = [\"deploy:write\"]", narrow.Token)),
			want:   `(?s)HTTP 403 insufficient_scope.*` + attributeError("scopes", "Scopes not held by the long-term token", "Request only scopes that the long-term token holds"),
		},
		"ttl beyond the parent's life": {
			config: ephemeralConfig(e.providerBlock(), fmt.Sprintf("long_term_token = %q\n  ttl_seconds = 3600", shortLived.Token)),
			before: func() { e.clock.Set(shortLived.ExpiresAt.Add(-10 * time.Minute)) },
			want:   attributeError("ttl_seconds", "ttl_seconds outlives the long-term token", "Lower ttl_seconds"),
		},
		"ttl too short": {
			config: ephemeralConfig(e.providerBlock(), `ttl_seconds = 59`),
			want:   attributeError("ttl_seconds", "Invalid Attribute Value", "value must be between 60 and 3600"),
		},
		"ttl too long": {
			config: ephemeralConfig(e.providerBlock(), `ttl_seconds = 3601`),
			want:   attributeError("ttl_seconds", "Invalid Attribute Value", "value must be between 60 and 3600"),
		},
		"scope syntax": {
			config: ephemeralConfig(e.providerBlock(), `scopes = ["NOT A SCOPE"]`),
			want:   attributeError("scopes", "Invalid Attribute Value Match", "must be a scope"),
		},
		"no scopes": {
			config: ephemeralConfig(e.providerBlock(), `scopes = []`),
			want:   attributeError("scopes", "Invalid Attribute Value", "set must contain at least 1 elements"),
		},
		"empty audience": {
			config: ephemeralConfig(e.providerBlock(), `audience = ""`),
			want:   attributeError("audience", length, "string length must be between 1 and 256"),
		},
		"audience too long": {
			config: ephemeralConfig(e.providerBlock(), fmt.Sprintf("audience = %q", strings.Repeat("a", 257))),
			want:   attributeError("audience", length, "string length must be between 1 and 256"),
		},
		"revoke_on_close not a bool": {
			config: ephemeralConfig(e.providerBlock(), `revoke_on_close = "maybe"`),
			want:   attributeError("revoke_on_close", "Incorrect attribute value type", `Inappropriate value for attribute "revoke_on_close": a bool is required`),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if tc.before != nil {
				tc.before()
			}
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   ephemeralVersions,
				Steps:                    []resource.TestStep{{Config: tc.config, ExpectError: regexp.MustCompile(tc.want)}},
			})
		})
	}
	if _, active := e.shortTokens(); active != 0 {
		t.Fatalf("%d short-term tokens left active by failed opens\n%s", active, e.serverLog())
	}
}

// chainConfig is the headline use: a bootstrap token, a short-term token from it, an aliased
// provider configured with that token, and a second long-term token issued through it.
func (e *testEnv) chainConfig(version string) string {
	return e.secretProvider() + fmt.Sprintf(`
resource "auth_long_term_token" "bootstrap" {
  name   = "bootstrap"
  scopes = ["tokens:write", "deploy:read"]
}

ephemeral "auth_short_term_token" "writer" {
  long_term_token = auth_long_term_token.bootstrap.token
  scopes          = ["tokens:write", "deploy:read"]
}

provider "auth" {
  alias        = "scoped"
  endpoint     = %q
  access_token = ephemeral.auth_short_term_token.writer.token
}

resource "auth_long_term_token" "app" {
  provider          = auth.scoped
  name              = "app"
  scopes            = ["deploy:read"]
  rotation_triggers = { version = %q }
}
`, e.url, version)
}

// TestAccShortTermToken_feedsAliasedProvider: the chain works on the first apply, plans
// clean afterwards, rotates through the alias and destroys to nothing active.
func TestAccShortTermToken_feedsAliasedProvider(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   ephemeralVersions,
		CheckDestroy:             e.checkNoActiveTokens,
		Steps: []resource.TestStep{
			{
				Config: e.chainConfig("1"),
				ConfigStateChecks: []statecheck.StateCheck{
					e.expectMechanism("auth_long_term_token.bootstrap", "client_secret"),
					e.expectMechanism("auth_long_term_token.app", "token_exchange"),
					e.tokenWorks("auth_long_term_token.app"),
					e.expectActiveLongTermTokensMatchState(),
					e.expectShortTokens(1, 0),
				},
			},
			{
				Config:           e.chainConfig("1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config:           e.chainConfig("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: expectRotation("auth_long_term_token.app")},
				ConfigStateChecks: []statecheck.StateCheck{
					e.expectMechanism("auth_long_term_token.app", "token_exchange"),
					e.tokenWorks("auth_long_term_token.app"),
					e.expectActiveLongTermTokensMatchState(),
					e.expectShortTokens(1, 0),
				},
			},
		},
	})
}

// TestAccShortTermToken_planOnlyRevokes: a plain terraform plan opens the ephemeral
// resource and the token it mints is revoked when the plan closes it.
func TestAccShortTermToken_planOnlyRevokes(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	parent := e.issueDirect("deploy:read")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   ephemeralVersions,
		Steps: []resource.TestStep{{
			Config:             e.echoSessionConfig(parent.Token),
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}},
	})
	if all, active := e.shortTokens(); all == 0 || active != 0 {
		t.Fatalf("plan minted %d short-term tokens, %d still active; want at least 1, none active\n%s", all, active, e.serverLog())
	}
}
