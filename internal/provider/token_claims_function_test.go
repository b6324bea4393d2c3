package provider

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

var functionVersions = []tfversion.TerraformVersionCheck{providerFunctions}

// TestAccTokenClaims_matchesServer: the claims of a real short-term token are the server's
// record of it.
func TestAccTokenClaims_matchesServer(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	parent := e.issueDirect("deploy:read", "metrics:read")
	short, err := e.exchangeDirect(parent.Token, "metrics:read", "deploy:read")
	if err != nil {
		t.Fatal(err)
	}
	rec, ok := e.server.Token(short.TokenID)
	if !ok {
		t.Fatalf("server has no record of %s", short.TokenID)
	}
	scopes := make([]knownvalue.Check, 0, len(rec.Scopes))
	for _, s := range rec.Scopes {
		scopes = append(scopes, knownvalue.StringExact(s))
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   functionVersions,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`output "claims" { value = provider::auth::token_claims(%q) }`, short.Token),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("claims", knownvalue.ObjectExact(map[string]knownvalue.Check{
					"issuer":          knownvalue.NotNull(),
					"subject":         knownvalue.StringExact(rec.ClientID),
					"audience":        knownvalue.StringExact("api.example.com"),
					"scopes":          knownvalue.ListExact(scopes),
					"token_id":        knownvalue.StringExact(rec.ID),
					"parent_token_id": knownvalue.StringExact(rec.ParentTokenID),
					"issued_at":       knownvalue.StringExact(rec.IssuedAt.UTC().Format(time.RFC3339)),
					"expires_at":      knownvalue.StringExact(rec.ExpiresAt.UTC().Format(time.RFC3339)),
				})),
			},
		}},
	})
}

// TestAccTokenClaims_errors: anything but a JWT is a clear error that quotes no token.
func TestAccTokenClaims_errors(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	longTerm := e.issueDirect("deploy:read")
	cases := map[string]struct {
		arg  string
		want string
	}{
		"long-term token": {arg: fmt.Sprintf("%q", longTerm.Token), want: `(?s)not a JWT.*long-term token is opaque`},
		"garbage":         {arg: `"a.b.c"`, want: `(?s)not a decodable JWT`},
		"empty":           {arg: `""`, want: `(?s)the token is empty`},
		"null":            {arg: `null`, want: `(?s)Invalid function argument.*must not be null`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				TerraformVersionChecks:   functionVersions,
				Steps: []resource.TestStep{{
					Config:      fmt.Sprintf(`output "claims" { value = provider::auth::token_claims(%s) }`, tc.arg),
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
}

// TestAccTokenClaims_unknownArgument: an argument unknown at plan gives an unknown result.
func TestAccTokenClaims_unknownArgument(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	parent := e.issueDirect("deploy:read")
	short, err := e.exchangeDirect(parent.Token)
	if err != nil {
		t.Fatal(err)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		TerraformVersionChecks:   functionVersions,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
resource "terraform_data" "token" {
  input = %q
}

output "claims" {
  value = provider::auth::token_claims(terraform_data.token.output)
}
`, short.Token),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectUnknownOutputValue("claims"),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValueAtPath("claims", tfjsonpath.New("token_id"), knownvalue.StringExact(short.TokenID)),
			},
		}},
	})
}
