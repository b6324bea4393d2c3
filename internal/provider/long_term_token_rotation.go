package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

// selfRotationTTLSeconds bounds the short-term token a self-rotation exchanges for.
const selfRotationTTLSeconds = 300

// scopeTokensWrite lets a token issue tokens through token_exchange and revoke others.
const scopeTokensWrite = "tokens:write"

// rotate issues the replacement of state's token with the provider's credential (see
// issuance) or, without one, by the token itself through token_exchange. A rotation of the same
// token in doubt is resumed (issueResuming). It returns the rotation that is in doubt
// after this attempt, if any.
func (r *longTermTokenResource) rotate(ctx context.Context, client *authclient.Client, state, plan longTermTokenModel, pending *pendingRotation) (*authclient.LongTermToken, *pendingRotation, diag.Diagnostics) {
	var diags diag.Diagnostics
	in, inDiags := plan.issueInput(ctx)
	diags.Append(inDiags...)
	if diags.HasError() {
		return nil, pending, diags
	}
	in.RotateTokenID = state.TokenID.ValueString()
	in.GracePeriodSeconds = int(plan.GracePeriodSeconds.ValueInt64())
	in.ClientID = state.ClientID.ValueString()

	iss, issDiags := r.data.issuance(ctx, client)
	diags.Append(issDiags...)
	if diags.HasError() {
		return nil, pending, diags
	}
	if iss == nil {
		exchange, exDiags := r.selfRotationAccess(ctx, client, state)
		diags.Append(exDiags...)
		if exchange == nil {
			return nil, pending, diags
		}
		defer r.revokeQuietly(ctx, client, exchange)
		iss = selfRotation(client, exchange)
	}

	tok, err := issueResuming(ctx, iss.send, &in, pending)
	switch {
	case err == nil:
	case outcomeInDoubt(err):
		inDoubt, doubtDiags := rotationInDoubt(in, iss.stepUp, err)
		diags.Append(doubtDiags...)
		return nil, inDoubt, diags
	case replacedTokenGone(err) && pending != nil:
		diags.Append(rotationMayHaveReplaced(in.RotateTokenID, err)...)
		return nil, pending, diags
	case replacedTokenGone(err):
		// Revoked or unknown to the server outside Terraform: nothing to replace, issue anew.
		diags.AddWarning("Replaced token was already gone",
			fmt.Sprintf("The Auth API no longer accepts token %s for rotation (%v); a new token was issued without rotation.", in.RotateTokenID, err))
		in.RotateTokenID, in.GracePeriodSeconds, in.IdempotencyKey = "", 0, ""
		tok, err = iss.send(ctx, in)
	}
	if err != nil {
		// A definitive refusal; a rotation still in doubt stays recorded for the next try.
		addAPIError(&diags, "Cannot rotate auth_long_term_token "+state.TokenID.ValueString(), iss.stepUp, err)
		return nil, pending, diags
	}
	tflog.Info(ctx, "rotated long-term token", map[string]any{
		"token_id": tok.TokenID, "rotated_from": tok.RotatedFrom, "step_up": iss.stepUp.String(), "resumed": pending != nil,
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
			"Rotation needs step-up authentication. Configure one of "+oneOf(stepUpArguments())+
				" in the provider (or its AUTH_* environment variable), or give the token the scope "+
				"\"tokens:write\" so that it can rotate itself.")
		return nil, diags
	}
	exchange, err := client.IssueShortTermToken(ctx, authclient.IssueShortTermTokenInput{
		LongTermToken: state.Token.ValueString(),
		TTLSeconds:    selfRotationTTLSeconds,
	})
	if err != nil {
		addAPIError(&diags, "Cannot rotate auth_long_term_token "+state.TokenID.ValueString()+" by itself", nil, err)
		return nil, diags
	}
	return exchange, diags
}

// selfRotationStepUp names self-rotation in messages and logs.
var selfRotationStepUp = &authclient.Mechanism{
	Name:             "self-rotation",
	InvalidGrantHint: "The token rotates itself through a short-term token, which must be valid and hold scope tokens:write.",
}

// selfRotation issues with the short-term token that the rotated token was exchanged for.
func selfRotation(client *authclient.Client, exchange *authclient.ShortTermToken) *issuance {
	return &issuance{stepUp: selfRotationStepUp, send: func(ctx context.Context, in authclient.IssueLongTermTokenInput) (*authclient.LongTermToken, error) {
		in.StepUp = authclient.StepUp{AccessToken: exchange.Token}
		return client.IssueLongTermToken(ctx, in)
	}}
}

// revokeQuietly ends a helper token early, even after a stop; it expires on its own, so a
// failure only warns.
func (r *longTermTokenResource) revokeQuietly(ctx context.Context, client *authclient.Client, tok *authclient.ShortTermToken) {
	ctx, cancel := cleanupContext(ctx)
	defer cancel()
	if err := client.RevokeToken(ctx, tok.TokenID, tok.Token); err != nil {
		tflog.Warn(ctx, "could not revoke the short-term token used for self-rotation", map[string]any{"token_id": tok.TokenID, "error": err.Error()})
	}
}
