package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

// detect_revocation: the contract has no read operation, so refresh learns whether a token
// still works only by using it. The probe exchanges the token for a short-term token with
// no scopes and the shortest lifetime, then revokes that one with itself: two requests per
// token per refresh. A 401 before the token's expiry means that it no longer works: Read
// keeps the state, warns, and records the fact in private state, so that the plan re-issues
// the token as an update and Update issues a new one instead of rotating the dead one.
// Anything else (a network error, a 5xx, a 429 after the retries) proves nothing: the state
// and the record stay as they are, with a warning.

const (
	// probeTTLSeconds is the contract's shortest short-term token lifetime.
	probeTTLSeconds = 60
	// revocationKey is the private-state key of a token found not to work.
	revocationKey = "revocation"
)

// revocation records a token that the Auth API refused at refresh, before its expiry. Only
// its id and the server's answer are kept, never a secret.
type revocation struct {
	TokenID string `json:"token_id"`
	Reason  string `json:"reason"`
}

// detectRevocation probes the state's token (Read, with detect_revocation = true). A token
// whose secret is unknown (imported) cannot be probed and rotates anyway; an expired one,
// or one with an unreadable expiry, rotates by the clock; a placeholder holds no token.
func (r *longTermTokenResource) detectRevocation(ctx context.Context, state map[string]tftypes.Value, private privateState) diag.Diagnostics {
	var diags diag.Diagnostics
	token, tokenID, expiresAt := rawString(state["token"]), rawString(state["token_id"]), rawString(state["expires_at"])
	if r.data == nil || secretUnknown(token) || tokenID.ValueString() == "" ||
		rotationDueByClock(expiresAt, types.Int64Value(0), r.data.now()) != "" {
		return diags
	}
	id := tokenID.ValueString()
	client, clientDiags := r.data.requireClient()
	if clientDiags.HasError() {
		diags.AddWarning("Cannot check whether token "+id+" still works",
			"detect_revocation: "+clientDiags.Errors()[0].Detail()+" The state is kept as it is.")
		return diags
	}
	ctx = r.data.mask(ctx, token.ValueString())
	ctx, cancel := context.WithTimeout(ctx, defaultOpTimeout)
	defer cancel()

	err := probeToken(ctx, client, token.ValueString())
	switch {
	case err == nil:
		tflog.Debug(ctx, "long-term token still works", map[string]any{"token_id": id})
		diags.Append(private.SetKey(ctx, revocationKey, nil)...)
	case errors.Is(err, authclient.ErrUnauthorized):
		diags.AddWarning("Token "+id+" no longer works",
			fmt.Sprintf("detect_revocation: the Auth API refused auth_long_term_token %s before its expiry (%s): %v. "+
				"It was probably revoked, or rotated, outside Terraform. The plan re-issues it as an update: a new token, "+
				"issued with the provider's step-up mechanism, since a token that no longer works cannot be rotated.",
				id, expiresAt.ValueString(), err))
		raw, jsonErr := json.Marshal(revocation{TokenID: id, Reason: err.Error()})
		if jsonErr != nil {
			diags.AddError("Cannot record that token "+id+" no longer works", jsonErr.Error())
			return diags
		}
		diags.Append(private.SetKey(ctx, revocationKey, raw)...)
	default:
		diags.AddWarning("Cannot check whether token "+id+" still works",
			fmt.Sprintf("detect_revocation: probing auth_long_term_token %s failed: %v. This proves nothing about the token: "+
				"the state is kept as it is, and the next refresh probes again.", id, err))
	}
	return diags
}

// probeToken proves that a long-term token still authenticates: it exchanges it for a
// short-term token that can do nothing (no scopes, 60 seconds), then revokes that one with
// itself, even when ctx has ended meanwhile. A failed revocation only logs: the probe token
// holds no scope and expires within the minute.
func probeToken(ctx context.Context, client *authclient.Client, token string) error {
	probe, err := client.IssueShortTermToken(ctx, authclient.IssueShortTermTokenInput{
		LongTermToken: token, NoScopes: true, TTLSeconds: probeTTLSeconds,
	})
	if err != nil {
		return err
	}
	ctx = maskSecrets(ctx, probe.Token)
	revokeCtx, cancel := cleanupContext(ctx) // also when the refresh was cancelled meanwhile
	defer cancel()
	if err := client.RevokeToken(revokeCtx, probe.TokenID, probe.Token); err != nil {
		tflog.Warn(ctx, "could not revoke the probe token of detect_revocation; it expires within a minute",
			map[string]any{"token_id": probe.TokenID, "error": err.Error()})
	}
	return nil
}

// hasRevocation tells the no-change plan, cheaply, that a token may have been found not to
// work; readRevocation says whether it was this one.
func hasRevocation(ctx context.Context, private privateState) bool {
	raw, _ := private.GetKey(ctx, revocationKey)
	return len(raw) > 0
}

// readRevocation returns the record that tokenID no longer works, or nil.
func readRevocation(ctx context.Context, private privateState, tokenID string) *revocation {
	raw, _ := private.GetKey(ctx, revocationKey)
	var rec revocation
	if len(raw) == 0 || json.Unmarshal(raw, &rec) != nil || rec.TokenID != tokenID {
		return nil // none, unreadable, or about another token
	}
	return &rec
}

// reissue replaces a token that no longer works with a new one, issued the way Create
// issues (requireIssuance: the provider's step-up, no rotate_token_id): rotating a revoked
// token is refused, and it cannot authenticate its own rotation. A re-issue whose outcome is unknown
// is recorded, and resumed, like a rotation in doubt of the dead token.
func (r *longTermTokenResource) reissue(ctx context.Context, client *authclient.Client, state, plan longTermTokenModel, pending *pendingRotation) (*authclient.LongTermToken, *pendingRotation, diag.Diagnostics) {
	dead := state.TokenID.ValueString()
	in, diags := plan.issueInput(ctx)
	if diags.HasError() {
		return nil, pending, diags
	}
	iss, issDiags := r.data.requireIssuance(ctx, client, "re-issue auth_long_term_token "+dead)
	diags.Append(issDiags...)
	if diags.HasError() {
		return nil, pending, diags
	}
	// A re-issue in doubt is resumed under its key, never asked afresh: with no token to
	// rotate, no 409 would stop a second token when the first did mint.
	in.IdempotencyKey = authclient.NewIdempotencyKey()
	if pending != nil {
		in.IdempotencyKey = pending.IdempotencyKey
	}
	tok, err := iss.send(ctx, in)
	switch {
	case errors.Is(err, authclient.ErrUnprocessable) && pending != nil:
		diags.AddError("Cannot resume the re-issue in doubt of auth_long_term_token "+dead,
			fmt.Sprintf("An earlier re-issue of %s lost its answer, and the Auth API refuses to replay it (%v): the credential "+
				"or the arguments changed since. That request may have minted a token named %q, which no state holds: revoke it "+
				"on the Auth API side, then run terraform apply -replace=<this resource>.", dead, err, pending.Name))
		return nil, pending, diags
	case err == nil:
		tflog.Info(ctx, "re-issued a long-term token that no longer worked", map[string]any{
			"token_id": tok.TokenID, "replaces": dead, "step_up": iss.stepUp.String(), "resumed": pending != nil,
		})
		return tok, nil, diags
	case outcomeInDoubt(err):
		diags.AddError("Re-issue outcome unknown: auth_long_term_token "+dead, apiErrorDetail(iss.stepUp, err)+
			"\nThe new token may have been issued. Run terraform apply again: it resumes with the same Idempotency-Key, so that "+
			"the server answers with the token it minted, if any, instead of minting another.")
		return nil, &pendingRotation{RotateTokenID: dead, IdempotencyKey: in.IdempotencyKey, Name: in.Name}, diags
	default:
		addAPIError(&diags, "Cannot re-issue auth_long_term_token "+dead, iss.stepUp, err)
		return nil, pending, diags
	}
}
