package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

// An issuance or rotation whose answer was lost after every retry may or may not have
// minted a token. The provider never guesses: it keeps the request's Idempotency-Key and
// replays it later, so that the server answers with what it minted, if anything.
//
// A lost issuance leaves a tainted placeholder whose id is pendingIssueIDPrefix + key;
// the delete that replaces it replays the request and revokes the token it gets.
// A lost rotation keeps the old token in state and a pendingRotation in private state;
// the next rotation of that token resumes under its key.

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

// pendingIssueIDPrefix marks the id of a placeholder left by an issuance in doubt; the
// Idempotency-Key follows it.
const pendingIssueIDPrefix = "pending-issue:"

// issueInDoubt is Create's answer to an issuance whose outcome is unknown: an error, and a
// placeholder for the state that holds no token but remembers the Idempotency-Key.
func issueInDoubt(plan longTermTokenModel, in authclient.IssueLongTermTokenInput, stepUp *authclient.Mechanism, err error) (longTermTokenModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	diags.AddError("Issue outcome unknown: auth_long_term_token", apiErrorDetail(stepUp, err)+
		"\nThe token may have been issued. Terraform keeps a tainted placeholder; the next apply replaces it: the provider "+
		"first replays this request with the same Idempotency-Key and revokes what it minted, then issues anew.")
	plan.setAllIssued(types.StringNull())
	if plan.Scopes.IsUnknown() {
		plan.Scopes = types.SetNull(types.StringType)
	}
	// The placeholder's id carries the key: Terraform does not hand a tainted instance's
	// private data to the delete that replaces it.
	plan.ID = types.StringValue(pendingIssueIDPrefix + in.IdempotencyKey)
	return plan, diags
}

// revokeLostIssue ends the token that an issuance in doubt may have minted: it replays the
// request under its Idempotency-Key, kept in the placeholder's id (the server answers with
// the token it minted, or mints one now), and revokes the token it gets.
func (r *longTermTokenResource) revokeLostIssue(ctx context.Context, client *authclient.Client, state longTermTokenModel) diag.Diagnostics {
	var diags diag.Diagnostics
	key, ok := strings.CutPrefix(state.ID.ValueString(), pendingIssueIDPrefix)
	if !ok {
		return diags
	}
	in, inDiags := state.issueInput(ctx)
	diags.Append(inDiags...)
	if diags.HasError() {
		return diags
	}
	iss, issDiags := r.data.requireIssuance(ctx, client, "settle the issuance in doubt")
	diags.Append(issDiags...)
	if diags.HasError() {
		return diags
	}
	in.IdempotencyKey = key
	tok, err := iss.send(ctx, in)
	if err != nil {
		advice := "\nRun the command again to settle it."
		if errors.Is(err, authclient.ErrUnprocessable) {
			advice = "\nThe earlier issuance lost its answer and cannot be replayed (the credential or the arguments changed). " +
				"A token named after this resource may be active: revoke it on the Auth API side, then remove the placeholder with terraform state rm."
		}
		diags.AddError("Cannot settle the issuance in doubt of auth_long_term_token", apiErrorDetail(iss.stepUp, err)+advice)
		return diags
	}
	ctx = maskSecrets(ctx, tok.Token)
	cleanupCtx, cancel := cleanupContext(ctx) // the replay has minted, or found, a token: end it even after a stop
	defer cancel()
	if err := client.RevokeToken(cleanupCtx, tok.TokenID, tok.Token); err != nil {
		addAPIError(&diags, "Cannot revoke "+tok.TokenID+", minted by an issuance in doubt", nil, err)
		return diags
	}
	tflog.Info(ctx, "revoked the token of an issuance in doubt", map[string]any{"token_id": tok.TokenID})
	if iss.stepUp.Grant == grantTokenExchange {
		diags.AddWarning("An issuance in doubt may have left a token active",
			fmt.Sprintf("The Auth API keeps an Idempotency-Key per caller, and with %s the caller is a short-term token, a new one in "+
				"every run: this replay could not find the lost request, so it minted %s and revoked it. If the lost request minted a "+
				"token too, it is still active: find it by its name (%q) in the Auth API's listing and revoke it. A client_secret "+
				"step-up is the same caller in every run, and its replays find the original.",
				iss.stepUp.Name, tok.TokenID, in.Name))
	}
	return diags
}

// grantTokenExchange is the grant of the step-ups whose caller is a short-term token.
const grantTokenExchange = "token_exchange"

// pendingRotationKey is the private-state key of a rotation whose outcome is unknown.
const pendingRotationKey = "pending_rotation"

// pendingRotation is a rotation that may or may not have minted a successor: its answer was
// lost after every retry (a transport error, a 5xx or a timeout). Only an id and the
// Idempotency-Key are kept, never a secret.
type pendingRotation struct {
	RotateTokenID  string `json:"rotate_token_id"`
	IdempotencyKey string `json:"idempotency_key"`
	// Name is the name the lost request gave its token, for the advice when it cannot be
	// replayed.
	Name string `json:"name,omitempty"`
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

// issueResuming sends a rotation. A pending rotation of the same token is resumed under its
// Idempotency-Key: with the same caller and body the server replays the successor it
// minted instead of minting another. A pending request whose body differed (another
// credential) cannot be replayed, so it asks afresh; a successor it minted then shows up
// as a 409 (see rotationMayHaveReplaced). in.IdempotencyKey is the key of the last request.
func issueResuming(ctx context.Context, send func(context.Context, authclient.IssueLongTermTokenInput) (*authclient.LongTermToken, error), in *authclient.IssueLongTermTokenInput, pending *pendingRotation) (*authclient.LongTermToken, error) {
	if pending != nil {
		in.IdempotencyKey = pending.IdempotencyKey
		tok, err := send(ctx, *in)
		if !errors.Is(err, authclient.ErrUnprocessable) {
			return tok, err
		}
	}
	in.IdempotencyKey = authclient.NewIdempotencyKey()
	return send(ctx, *in)
}

// rotationInDoubt is the error of a rotation whose outcome is unknown, and the record that
// lets the next apply resume it.
func rotationInDoubt(in authclient.IssueLongTermTokenInput, stepUp *authclient.Mechanism, err error) (*pendingRotation, diag.Diagnostics) {
	var diags diag.Diagnostics
	diags.AddError("Rotation outcome unknown: auth_long_term_token "+in.RotateTokenID, apiErrorDetail(stepUp, err)+
		"\nThe rotation may have taken effect on the server. Run terraform apply again: it resumes the rotation with the "+
		"same Idempotency-Key, so that the server answers with the token it minted, if any, instead of minting another.")
	return &pendingRotation{RotateTokenID: in.RotateTokenID, IdempotencyKey: in.IdempotencyKey}, diags
}

// rotationMayHaveReplaced is the error when the server refuses to rotate a token whose
// earlier rotation is in doubt: that rotation probably minted a successor, and issuing anew
// would leave it orphaned.
func rotationMayHaveReplaced(rotateTokenID string, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	diags.AddError("Cannot rotate auth_long_term_token "+rotateTokenID+": an earlier rotation may have replaced it",
		fmt.Sprintf("An earlier rotation of %s lost its answer, and the server now refuses to rotate it (%v). That rotation "+
			"probably minted a successor that this state does not know, and it could not be replayed (another caller or "+
			"credential). Revoke the token that replaced %s on the Auth API side, then run terraform apply -replace=<this resource>.",
			rotateTokenID, err, rotateTokenID))
	return diags
}
