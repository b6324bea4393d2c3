package provider

import (
	"context"
	"errors"
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
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/example/terraform-provider-auth/internal/authserver"
)

// expectProbesClosed checks the server's short-term tokens, in a test that opens none: each
// one is a probe (no scopes, 60 seconds), and none is active. It sets probes to how many there
// were, so that a test can tell that probes ran.
func (e *testEnv) expectProbesClosed(probes *int) serverCheck {
	return func(*tfjson.State) error {
		*probes = 0
		for _, r := range e.server.Tokens() {
			if r.Kind != authserver.KindShort {
				continue
			}
			*probes++
			switch {
			case r.State == authserver.StateActive:
				return fmt.Errorf("probe token %s is still active\n%s", r.ID, e.serverLog())
			case len(r.Scopes) != 0 || r.ExpiresAt.Sub(r.IssuedAt) != 60*time.Second:
				return fmt.Errorf("probe token %s has scopes %v and lives %s, want none and 60s", r.ID, r.Scopes, r.ExpiresAt.Sub(r.IssuedAt))
			}
		}
		return nil
	}
}

// TestAccLongTermToken_detectRevocation: with detect_revocation, refresh probes the token and
// leaves no active short-term token behind; a token revoked behind Terraform's back shows in
// the next plan as an update, with one warning that names it and why, and the apply issues
// a new token (not a rotation, with the provider's step-up mechanism) that the server holds
// as active while the old one stays revoked; a 503 during the probe keeps the state and
// plans nothing, with a warning; and with detect_revocation = false, refresh and a
// no-change plan send no request.
func TestAccLongTermToken_detectRevocation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	var record warningRecord
	config := func(detect bool) string {
		// max_retries = 0: the 503 step sees one attempt per probe.
		return e.providerBlock(fmt.Sprintf("client_secret = %q", testClientSecret), "max_retries = 0") + fmt.Sprintf(`
resource "auth_long_term_token" "test" {
  scopes            = ["deploy:read"]
  detect_revocation = %t
}`, detect)
	}
	var first, second capturedToken
	var probes int

	steps := &stepWarnings{t: t} // each step's warnings are checked when the next starts
	then := steps.then
	silent := record.none
	// warnedOnce: exactly one warning, from a refresh, about the token, with want in it.
	warnedOnce := func(token *capturedToken, summary string, want ...string) func() error {
		return func() error {
			w := record.take()
			if len(w) != 1 || w[0].rpc != "ReadResource" {
				return fmt.Errorf("want one warning from a refresh, got %+v", w)
			}
			if s := "Token " + token.id + " " + summary; w[0].summary != s {
				return fmt.Errorf("warning summary %q, want %q", w[0].summary, s)
			}
			for _, part := range append(want, "auth_long_term_token "+token.id) {
				if !strings.Contains(w[0].detail, part) {
					return fmt.Errorf("warning detail lacks %q: %s", part, w[0].detail)
				}
			}
			return nil
		}
	}
	// warnedEachRefresh: every refresh of the step warned that it could not tell, and no
	// plan warned.
	warnedEachRefresh := func() error {
		w := record.take()
		if len(w) == 0 {
			return errors.New("no warning about the failed probe")
		}
		for _, one := range w {
			if one.rpc != "ReadResource" || one.summary != "Cannot check whether token "+second.id+" still works" ||
				!strings.Contains(one.detail, "HTTP 503") || !strings.Contains(one.detail, "the state is kept as it is") {
				return fmt.Errorf("unexpected warning %+v", one)
			}
		}
		return nil
	}

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factoriesRecordingWarnings(&record),
		CheckDestroy: func(s *terraform.State) error {
			t.Logf("the server's listing after destroy:\n%s", e.serverLog())
			return errors.Join(steps.last(), e.checkNoActiveTokens(s),
				// Since the counts were reset: the destroy's revocation only.
				e.expectRequests(map[authserver.Operation]int{authserver.OpIssueLong: 0, authserver.OpIssueShort: 0, authserver.OpRevoke: 1})(nil))
		},
		Steps: []resource.TestStep{
			{
				PreConfig:         then(silent),
				Config:            config(true),
				ConfigStateChecks: []statecheck.StateCheck{capture(&first), e.expectServerTokenActive()},
			},
			{
				// Revoked behind Terraform's back: the plan re-issues it as an update.
				PreConfig: then(warnedOnce(&first, "no longer works", "is revoked", "HTTP 401", "re-issues it"), func() {
					if err := e.apiClient().RevokeToken(context.Background(), first.id, first.secret); err != nil {
						t.Fatal(err)
					}
				}),
				Config:           config(true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: expectRotation(tokenAddr)},
				ConfigStateChecks: []statecheck.StateCheck{
					capture(&second), e.expectServerTokenActive(), e.expectActiveLongTermTokensMatchState(),
					e.expectMechanism(tokenAddr, "client_secret"),
					statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("rotated_from"), knownvalue.Null()),
					serverCheck(func(*tfjson.State) error {
						if rec, _ := e.server.Token(first.id); rec.State != authserver.StateRevoked || rec.RotatedTo != "" {
							return fmt.Errorf("old token %s is %s (rotated to %q), want revoked and not rotated\n%s", first.id, rec.State, rec.RotatedTo, e.serverLog())
						}
						return nil
					}),
					// One issuance each: no rotation attempt that the server refused first.
					e.expectLongTermMinted(2), e.expectRequests(map[authserver.Operation]int{authserver.OpIssueLong: 2}),
					e.expectProbesClosed(&probes),
					serverCheck(func(*tfjson.State) error {
						if probes == 0 {
							return errors.New("no probe on the server")
						}
						return nil
					}),
				},
			},
			{
				// A 503 on every probe of this step: nothing is planned, the state stays.
				PreConfig: then(warnedEachRefresh, func() {
					e.server.InjectFault(authserver.OpIssueShort, authserver.Fault{Status: 503, Times: 100})
				}),
				Config:   config(true),
				PlanOnly: true,
			},
			{
				// The same token, still active, and no token minted since.
				PreConfig: then(silent, e.server.ClearFaults),
				Config:    config(true),
				ConfigStateChecks: []statecheck.StateCheck{
					serverCheck(func(s *tfjson.State) error {
						id, err := stateAttr(s, tokenAddr, "token_id")
						if err == nil && id != second.id {
							err = fmt.Errorf("token_id %s, want %s", id, second.id)
						}
						return err
					}),
					e.expectServerTokenActive(), e.expectLongTermMinted(2), e.expectProbesClosed(&probes),
				},
			},
			{
				// detect_revocation = false: an update that calls no API.
				PreConfig:         then(silent),
				Config:            config(false),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate)}},
				ConfigStateChecks: []statecheck.StateCheck{e.expectLongTermMinted(2)},
			},
			{
				// From here on no request at all: refresh and no-change plans (CheckDestroy
				// counts them).
				PreConfig: then(silent, e.server.ResetCounts),
				Config:    config(false),
				PlanOnly:  true,
			},
			{
				PreConfig:    then(silent),
				RefreshState: true,
			},
		},
	})
}

// TestAccLongTermToken_reissueInDoubtIsNeverAskedAfresh: a re-issue of a revoked token
// whose answer was lost may have minted the new token. Resumed with another body (here a
// new name), the server cannot replay it (422); with no token to rotate, no 409 would stop a
// second token, so the provider stops and names the token to revoke instead of issuing anew.
func TestAccLongTermToken_reissueInDoubtIsNeverAskedAfresh(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	config := func(name string) string {
		return e.providerBlock(fmt.Sprintf("client_secret = %q", testClientSecret), "max_retries = 0") + fmt.Sprintf(`
resource "auth_long_term_token" "test" {
  name              = %q
  detect_revocation = true
}`, name)
	}
	var revoked capturedToken
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{
			{Config: config("app"), ConfigStateChecks: []statecheck.StateCheck{capture(&revoked)}},
			{
				PreConfig: func() {
					must(t, e.apiClient().RevokeToken(context.Background(), revoked.id, revoked.secret))
					e.server.InjectFault(authserver.OpIssueLong, authserver.Fault{DropConnection: true, Times: 4}) // net/http resends once on a new connection
				},
				Config:      config("app"),
				ExpectError: regexp.MustCompile(`Re-issue outcome unknown`),
			},
			{
				PreConfig:   e.server.ClearFaults,
				Config:      config("app-renamed"),
				ExpectError: regexp.MustCompile(`(?s)Cannot resume the re-issue in doubt.*token\s+named\s+"app",`),
			},
		},
	})
	active := e.activeTokens(authserver.KindLong)
	if len(active) != 1 || active[0].Name != "app" {
		t.Errorf("active long-term tokens %v, want only the one the lost re-issue minted, named app\n%s", active, e.serverLog())
	}
	must(t, e.expectLongTermMinted(2)(nil)) // the first token and the lost re-issue's, no third
}
