package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

// pendingRotationKey is the private-state key of a rotation whose outcome is unknown.
const pendingRotationKey = "pending_rotation"

// pendingRotation is a rotation that may or may not have minted a successor: its answer was
// lost after every retry (a transport error, a 5xx or a timeout). Only an id and the
// Idempotency-Key are kept, never a secret.
type pendingRotation struct {
	RotateTokenID  string `json:"rotate_token_id"`
	IdempotencyKey string `json:"idempotency_key"`
}

// privateState is the part of the framework's private data that these records use.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// readPendingRotation returns the pending rotation of rotateTokenID, or nil.
func readPendingRotation(ctx context.Context, private privateState, rotateTokenID string) (*pendingRotation, diag.Diagnostics) {
	raw, diags := private.GetKey(ctx, pendingRotationKey)
	if len(raw) == 0 || diags.HasError() {
		return nil, diags
	}
	var p pendingRotation
	if err := json.Unmarshal(raw, &p); err != nil || p.RotateTokenID != rotateTokenID || p.IdempotencyKey == "" {
		return nil, diags // unreadable or about another token: nothing to resume
	}
	return &p, diags
}

// writePendingRotation records p, or clears the record when p is nil.
func writePendingRotation(ctx context.Context, private privateState, p *pendingRotation) diag.Diagnostics {
	if p == nil {
		return private.SetKey(ctx, pendingRotationKey, nil)
	}
	raw, err := json.Marshal(p)
	if err != nil {
		var diags diag.Diagnostics
		diags.AddError("Cannot record the rotation in doubt", err.Error())
		return diags
	}
	return private.SetKey(ctx, pendingRotationKey, raw)
}

// outcomeInDoubt reports errors after which the server may have processed the request:
// the answer was lost, or the server failed while processing it. A 503, like a 429, is a
// refusal to process (the client retries both even without an Idempotency-Key), and a
// request that never got a connection cannot have been processed.
func outcomeInDoubt(err error) bool {
	if err == nil || errors.Is(err, authclient.ErrNotSent) {
		return false
	}
	var apiErr *authclient.APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode >= http.StatusInternalServerError && apiErr.StatusCode != http.StatusServiceUnavailable
	}
	return true
}

// rotationReasons lists why the planned update must rotate; none means it must not.
func rotationReasons(state, plan, config longTermTokenModel, now time.Time) []string {
	var reasons []string
	if state.Token.IsNull() || state.Token.ValueString() == "" {
		reasons = append(reasons, "the token's secret is unknown (imported)")
	}
	if !plan.Name.Equal(state.Name) {
		reasons = append(reasons, "name changed")
	}
	if !config.Scopes.IsNull() && !plan.Scopes.Equal(state.Scopes) {
		reasons = append(reasons, "scopes changed")
	}
	if !plan.TTLDays.Equal(state.TTLDays) {
		reasons = append(reasons, "ttl_days changed")
	}
	if !sameTriggers(plan.RotationTriggers, state.RotationTriggers) {
		reasons = append(reasons, "rotation_triggers changed")
	}
	expiresAt, err := time.Parse(time.RFC3339, state.ExpiresAt.ValueString())
	switch {
	case err != nil:
		if len(reasons) == 0 {
			reasons = append(reasons, "the token's expiry is unknown")
		}
	case !now.Before(expiresAt):
		reasons = append(reasons, "the token expired at "+state.ExpiresAt.ValueString())
	case plan.RotateBeforeDays.ValueInt64() > 0 &&
		!now.Before(expiresAt.Add(-time.Duration(plan.RotateBeforeDays.ValueInt64())*24*time.Hour)):
		reasons = append(reasons, fmt.Sprintf("within rotate_before_days (%d) of its expiry", plan.RotateBeforeDays.ValueInt64()))
	}
	return reasons
}

// sameTriggers treats an absent map and an empty one alike, and an unknown one as a change.
func sameTriggers(a, b types.Map) bool {
	if a.IsUnknown() || b.IsUnknown() {
		return false
	}
	if len(a.Elements()) == 0 && len(b.Elements()) == 0 {
		return true
	}
	return a.Equal(b)
}

// scopeTokensWrite lets a token issue tokens through token_exchange and revoke others.
const scopeTokensWrite = "tokens:write"

// rotate issues the replacement of state's token, with the provider's step-up mechanism
// or, without one, by the token itself through token_exchange. A pending rotation of the
// same token is resumed under its Idempotency-Key: with the same caller and body the server
// replays the successor it minted instead of minting another. It returns the rotation that
// is in doubt after this attempt, if any.
func (r *longTermTokenResource) rotate(ctx context.Context, client *authclient.Client, state, plan longTermTokenModel, pending *pendingRotation) (*authclient.LongTermToken, *pendingRotation, diag.Diagnostics) {
	var diags diag.Diagnostics
	in, inDiags := plan.issueInput(ctx)
	diags.Append(inDiags...)
	if diags.HasError() {
		return nil, pending, diags
	}
	in.RotateTokenID = state.TokenID.ValueString()
	in.GracePeriodSeconds = int(plan.GracePeriodSeconds.ValueInt64())
	in.ClientID, in.StepUp = r.data.clientID, r.data.stepUp
	if in.ClientID == "" {
		in.ClientID = state.ClientID.ValueString()
	}
	in.IdempotencyKey = authclient.NewIdempotencyKey()
	if pending != nil {
		in.IdempotencyKey = pending.IdempotencyKey
	}

	if in.StepUp.Mechanism() == "" {
		exchange, exDiags := r.selfRotationAccess(ctx, client, state)
		diags.Append(exDiags...)
		if exchange == nil {
			return nil, pending, diags
		}
		defer r.revokeQuietly(ctx, client, exchange)
		in.ClientID = state.ClientID.ValueString()
		in.StepUp = authclient.StepUp{AccessToken: exchange.Token}
	}

	tok, err := client.IssueLongTermToken(ctx, in)
	if pending != nil && errors.Is(err, authclient.ErrUnprocessable) {
		// The pending request's body differed (another credential): it cannot be replayed,
		// so ask afresh; a successor it minted shows up below as a 409.
		in.IdempotencyKey = authclient.NewIdempotencyKey()
		tok, err = client.IssueLongTermToken(ctx, in)
	}
	switch {
	case err == nil:
	case outcomeInDoubt(err):
		diags.AddError("Rotation outcome unknown: auth_long_term_token "+in.RotateTokenID, apiErrorDetail(in.StepUp.Mechanism(), err)+
			"\nThe rotation may have taken effect on the server. Run terraform apply again: it resumes the rotation with the "+
			"same Idempotency-Key, so that the server answers with the token it minted, if any, instead of minting another.")
		return nil, &pendingRotation{RotateTokenID: in.RotateTokenID, IdempotencyKey: in.IdempotencyKey}, diags
	case replacedTokenGone(err) && pending != nil:
		diags.AddError("Cannot rotate auth_long_term_token "+in.RotateTokenID+": an earlier rotation may have replaced it",
			fmt.Sprintf("An earlier rotation of %s lost its answer, and the server now refuses to rotate it (%v). That rotation "+
				"probably minted a successor that this state does not know, and it could not be replayed (another caller or "+
				"credential). Revoke the token that replaced %s on the Auth API side, then run terraform apply -replace=<this resource>.",
				in.RotateTokenID, err, in.RotateTokenID))
		return nil, pending, diags
	case replacedTokenGone(err):
		// Revoked or unknown to the server outside Terraform: nothing to replace, issue anew.
		diags.AddWarning("Replaced token was already gone",
			fmt.Sprintf("The Auth API no longer accepts token %s for rotation (%v); a new token was issued without rotation.", in.RotateTokenID, err))
		in.RotateTokenID, in.GracePeriodSeconds, in.IdempotencyKey = "", 0, ""
		tok, err = client.IssueLongTermToken(ctx, in)
	}
	if err != nil {
		// A definitive refusal; a rotation still in doubt stays recorded for the next try.
		addAPIError(&diags, "Cannot rotate auth_long_term_token "+state.TokenID.ValueString(), in.StepUp.Mechanism(), err)
		return nil, pending, diags
	}
	tflog.Info(ctx, "rotated long-term token", map[string]any{
		"token_id": tok.TokenID, "rotated_from": tok.RotatedFrom, "mechanism": in.StepUp.Mechanism(), "resumed": pending != nil,
	})
	return tok, nil, diags
}

// replacedTokenGone reports the answers to a rotation whose rotate_token_id the server no
// longer accepts: unknown (404) or revoked (409 invalid_request). A 409 request_in_progress
// is not one of them: its original may still mint, so issuing anew could orphan a token.
func replacedTokenGone(err error) bool {
	var apiErr *authclient.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.StatusCode == http.StatusNotFound ||
		(apiErr.StatusCode == http.StatusConflict && apiErr.Code == "invalid_request")
}

// selfRotationAccess exchanges the token being rotated for a short-term token that may
// issue its successor: the token must hold tokens:write. The exchange asks for all of the
// token's scopes, because the successor's scopes may not exceed the short-term token's.
func (r *longTermTokenResource) selfRotationAccess(ctx context.Context, client *authclient.Client, state longTermTokenModel) (*authclient.ShortTermToken, diag.Diagnostics) {
	var diags diag.Diagnostics
	var scopes []string
	diags.Append(state.Scopes.ElementsAs(ctx, &scopes, false)...)
	if state.Token.ValueString() == "" || !slices.Contains(scopes, scopeTokensWrite) {
		diags.AddError("No step-up mechanism to rotate auth_long_term_token "+state.TokenID.ValueString(),
			"Rotation needs step-up authentication. Configure one of client_secret, otp_code, assertion, private_key_pem "+
				"or access_token in the provider (or its AUTH_* environment variable), or give the token the scope "+
				"\"tokens:write\" so that it can rotate itself.")
		return nil, diags
	}
	exchange, err := client.IssueShortTermToken(ctx, authclient.IssueShortTermTokenInput{
		LongTermToken: state.Token.ValueString(),
		TTLSeconds:    selfRotationTTLSeconds,
	})
	if err != nil {
		addAPIError(&diags, "Cannot rotate auth_long_term_token "+state.TokenID.ValueString()+" by itself", "token_exchange", err)
		return nil, diags
	}
	return exchange, diags
}

// revokeQuietly ends a helper token early; it expires on its own, so a failure only warns.
func (r *longTermTokenResource) revokeQuietly(ctx context.Context, client *authclient.Client, tok *authclient.ShortTermToken) {
	if err := client.RevokeToken(ctx, tok.TokenID, tok.Token); err != nil {
		tflog.Warn(ctx, "could not revoke the short-term token used for self-rotation", map[string]any{"token_id": tok.TokenID, "error": err.Error()})
	}
}
