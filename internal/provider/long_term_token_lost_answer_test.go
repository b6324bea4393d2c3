package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/example/terraform-provider-auth/internal/authclient"
	"github.com/example/terraform-provider-auth/internal/authserver"
)

// lostRotationAnswers makes every answer to the next rotation attempts vanish after the
// server processed them, more times than the client and net/http retry.
func (e *testEnv) lostRotationAnswers() {
	e.server.InjectFault(authserver.OpIssueLong, authserver.Fault{DropConnection: true, Times: 6})
}

// successorOf returns the server's token that replaced id, if any.
func (e *testEnv) successorOf(id string) (authserver.TokenRecord, bool) {
	for _, r := range e.server.Tokens() {
		if r.RotatedFrom == id {
			return r, true
		}
	}
	return authserver.TokenRecord{}, false
}

// TestAccLongTermToken_lostRotationIsResumed: a rotation whose every answer was lost fails,
// keeps the old token in state, and the next apply replays the successor the server minted
// instead of minting another.
func TestAccLongTermToken_lostRotationIsResumed(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	config := func(version string) string {
		return e.providerBlock(fmt.Sprintf("client_secret = %q\n  max_retries = 1", testClientSecret)) + fmt.Sprintf(`
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
				PreConfig:   e.lostRotationAnswers,
				Config:      config("2"),
				ExpectError: regexp.MustCompile(`(?s)Rotation outcome unknown.*resumes the rotation with the\s+same Idempotency-Key`),
			},
			{
				PreConfig: func() {
					e.server.ClearFaults()
					if _, ok := e.successorOf(first.id); !ok {
						t.Fatalf("the lost rotation did not reach the server; the test proves nothing\n%s", e.serverLog())
					}
				},
				Config: config("2"),
				ConfigStateChecks: []statecheck.StateCheck{
					serverCheck(func(s *tfjson.State) error {
						successor, _ := e.successorOf(first.id)
						if id, _ := stateAttr(s, tokenAddr, "token_id"); id != successor.ID {
							return fmt.Errorf("state holds %s, want the successor %s the lost rotation minted\n%s", id, successor.ID, e.serverLog())
						}
						return nil
					}),
					statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("rotated_from"), knownvalue.NotNull()),
					e.tokenWorks(tokenAddr),
					e.expectActiveLongTermTokensMatchState(),
					serverCheck(func(*tfjson.State) error {
						if n := len(e.server.Tokens()); n != 2+1 { // two long-term tokens, and tokenWorks' short-term one
							return fmt.Errorf("server minted %d tokens, want 3\n%s", n, e.serverLog())
						}
						return nil
					}),
				},
			},
		},
	})
}

// TestAccLongTermToken_lostRotationNotReplayableIsRefused: when the lost rotation cannot be
// replayed (the one-time code changed), the provider refuses to issue a second successor
// and names the token to look for.
func TestAccLongTermToken_lostRotationNotReplayableIsRefused(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	config := func(otp, version string) string {
		return e.providerBlock(fmt.Sprintf("otp_code = %q\n  max_retries = 1", otp)) + fmt.Sprintf(`
resource "auth_long_term_token" "test" {
  rotation_triggers = { version = %q }
}`, version)
	}
	var first capturedToken
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy: func(*terraform.State) error {
			// The successor of the lost rotation is the one token the message told the user
			// to revoke; revoke it as they would, then nothing may stay active.
			successor, ok := e.successorOf(first.id)
			if !ok {
				return fmt.Errorf("no successor of %s on the server", first.id)
			}
			// The refusal minted nothing: the first token and the lost rotation's successor
			// are all the server ever issued.
			if err := e.expectLongTermMinted(2)(nil); err != nil {
				return err
			}
			if err := e.revokeAsAdmin(successor.ID); err != nil {
				return err
			}
			return e.checkNoActiveTokens(nil)
		},
		Steps: []resource.TestStep{
			{
				Config:            config("123456", "1"),
				ConfigStateChecks: []statecheck.StateCheck{capture(&first), e.expectActiveLongTermTokensMatchState()},
			},
			{
				PreConfig:   e.lostRotationAnswers,
				Config:      config("234567", "2"),
				ExpectError: regexp.MustCompile(`Rotation outcome unknown`),
			},
			{
				PreConfig:   e.server.ClearFaults,
				Config:      config("345678", "2"),
				ExpectError: regexp.MustCompile(`(?s)an earlier rotation may have replaced it.*Revoke the token that replaced`),
			},
		},
	})
}

// TestAccLongTermToken_lostIssueIsRevoked: a create whose every answer was lost leaves a
// tainted placeholder; the next apply replays the lost answer, revokes the token it had
// minted and issues a new one, so nothing is orphaned.
func TestAccLongTermToken_lostIssueIsRevoked(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	config := e.providerBlock(fmt.Sprintf("client_secret = %q\n  max_retries = 1", testClientSecret)) + `
resource "auth_long_term_token" "test" {
  name = "lost"
}`
	var lost authserver.TokenRecord
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoActiveTokens,
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { e.server.InjectFault(authserver.OpIssueLong, authserver.Fault{DropConnection: true, Times: 6}) },
				Config:      config,
				ExpectError: regexp.MustCompile(`(?s)Issue outcome unknown.*replays this request with the same\s+Idempotency-Key`),
			},
			{
				PreConfig: func() {
					e.server.ClearFaults()
					active := e.activeTokens(authserver.KindLong)
					if len(active) != 1 {
						t.Fatalf("the lost issuance minted %d tokens, want 1; the test proves nothing\n%s", len(active), e.serverLog())
					}
					lost = active[0]
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					serverCheck(func(s *tfjson.State) error {
						if rec, _ := e.server.Token(lost.ID); rec.State != authserver.StateRevoked {
							return fmt.Errorf("the token of the lost issuance %s is %s, want revoked", lost.ID, rec.State)
						}
						if id, _ := stateAttr(s, tokenAddr, "token_id"); id == lost.ID {
							return fmt.Errorf("state adopted the lost token %s instead of a new one", id)
						}
						if n := len(e.server.Tokens()); n != 2 {
							return fmt.Errorf("server minted %d tokens, want 2 (the lost one and its replacement)\n%s", n, e.serverLog())
						}
						return nil
					}),
					e.expectActiveLongTermTokensMatchState(),
				},
			},
		},
	})
}

func TestOutcomeInDoubt(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		err  error
		want bool
	}{
		"success":          {},
		"lost answer":      {err: errors.New("EOF"), want: true},
		"timeout":          {err: context.DeadlineExceeded, want: true},
		"server error":     {err: &authclient.APIError{StatusCode: 500}, want: true},
		"bad gateway":      {err: &authclient.APIError{StatusCode: 502}, want: true},
		"gateway timeout":  {err: &authclient.APIError{StatusCode: 504}, want: true},
		"unavailable":      {err: &authclient.APIError{StatusCode: 503}},
		"rate limited":     {err: &authclient.APIError{StatusCode: 429}},
		"refused":          {err: &authclient.APIError{StatusCode: 401}},
		"conflict (409)":   {err: &authclient.APIError{StatusCode: 409}},
		"wrapped 500 call": {err: fmt.Errorf("rotate: %w", &authclient.APIError{StatusCode: 500}), want: true},
		"never sent":       {err: fmt.Errorf("issue: %w", authclient.ErrNotSent)},
	}
	for name, tc := range tests {
		if got := outcomeInDoubt(tc.err); got != tc.want {
			t.Errorf("%s: outcomeInDoubt = %v, want %v", name, got, tc.want)
		}
	}
}

// revokeAsAdmin revokes the client's token id as an administrator would, with a token of
// scope tokens:revoke that then revokes itself.
func (e *testEnv) revokeAsAdmin(id string) error {
	admin := e.issueDirect("tokens:revoke")
	if err := e.apiClient().RevokeToken(context.Background(), id, admin.Token); err != nil {
		return err
	}
	return e.apiClient().RevokeToken(context.Background(), admin.TokenID, admin.Token)
}
