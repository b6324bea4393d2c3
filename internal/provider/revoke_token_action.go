package provider

import (
	"context"
	"errors"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

var (
	_ action.Action               = (*revokeTokenAction)(nil)
	_ action.ActionWithConfigure  = (*revokeTokenAction)(nil)
	_ action.ActionWithModifyPlan = (*revokeTokenAction)(nil)
)

// NewRevokeTokenAction is the auth_revoke_token action (Terraform 1.14 or later): it
// revokes a token by id, such as the token a rotation replaced once its consumers have the
// new one, or a leaked token that Terraform does not manage.
func NewRevokeTokenAction() action.Action {
	return &revokeTokenAction{}
}

type revokeTokenAction struct {
	data *providerData
}

type revokeTokenModel struct {
	TokenID types.String `tfsdk:"token_id"`
	Token   types.String `tfsdk:"token"`
}

func (a *revokeTokenAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_revoke_token"
}

func (a *revokeTokenAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Revokes a long-term or short-term token by id. Triggered after the update of the resource " +
			"that hands a rotated token to its consumer, it ends the replaced token (`rotated_from`) as soon as the consumer " +
			"has the new one; invoked with `terraform apply -invoke`, it revokes a leaked token that Terraform does not manage. " +
			"A token revoked already counts as revoked, one the Auth API does not know as done (with a warning). " +
			"Requires Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"token_id": schema.StringAttribute{
				MarkdownDescription: "The id of the token to revoke: `lt_…` (long-term, such as " +
					"`auth_long_term_token.<name>.rotated_from`) or `st_…` (short-term). Revoking a long-term token also " +
					"revokes its short-term tokens. A null id (`rotated_from` before the first rotation) revokes nothing.",
				Required:   true,
				Validators: []validator.String{tokenIDValidator{}},
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "The credential that revokes: a long-term or short-term token of the same client with scope " +
					"`tokens:revoke` or `tokens:write`, or the token to revoke itself. Default: the provider's `long_term_token`, " +
					"else its `access_token`. An action cannot mark an argument sensitive, nor take an ephemeral value: pass a value " +
					"that is sensitive already (a sensitive variable, `auth_long_term_token.<name>.token`), never a literal.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
		},
	}
}

func (a *revokeTokenAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	if data := providerDataFrom(req.ProviderData, &resp.Diagnostics); data != nil {
		a.data = data
	}
}

// ModifyPlan refuses at plan time what Invoke would refuse: failing at apply would leave the
// consumer updated and the replaced token working.
func (a *revokeTokenAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	if a.data == nil {
		return
	}
	var config revokeTokenModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	checkTokenID(path.Root("token_id"), config.TokenID, &resp.Diagnostics)
	if !config.Token.IsNull() || len(a.data.unknown) > 0 {
		return
	}
	if bearer, _ := a.data.revokeCredential(); bearer == "" {
		resp.Diagnostics.AddAttributeError(path.Root("token"), "No credential to revoke with", noRevokeCredentialDetail)
	}
}

const noRevokeCredentialDetail = "auth_revoke_token needs a token of the same client with scope tokens:revoke or tokens:write: " +
	"set token here, or the provider's long_term_token (AUTH_LONG_TERM_TOKEN) or access_token (AUTH_ACCESS_TOKEN)."

func (a *revokeTokenAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var config revokeTokenModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	checkTokenID(path.Root("token_id"), config.TokenID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	client, diags := a.data.requireClient()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	bearer, credential := config.Token.ValueString(), "the action's token"
	if bearer == "" {
		bearer, credential = a.data.revokeCredential()
	}
	ctx = a.data.mask(ctx, bearer)
	tokenID := config.TokenID.ValueString()
	if tokenID == "" {
		// rotated_from is null until the first rotation, and the consumer may be updated
		// before one for reasons of its own: there is nothing to revoke, and that is fine.
		tflog.Info(ctx, "auth_revoke_token: token_id is null, nothing to revoke")
		resp.SendProgress(action.InvokeProgressEvent{Message: "token_id is null (no token replaced yet): nothing to revoke"})
		return
	}
	if bearer == "" {
		resp.Diagnostics.AddAttributeError(path.Root("token"), "Cannot revoke token "+tokenID, noRevokeCredentialDetail)
		return
	}

	err := client.RevokeToken(ctx, tokenID, bearer)
	switch {
	case err == nil:
		tflog.Info(ctx, "revoked token", map[string]any{"token_id": tokenID})
		resp.SendProgress(action.InvokeProgressEvent{Message: tokenID + " is revoked"})
	case errors.Is(err, authclient.ErrNotFound):
		// Done for a token that is gone; said aloud, since an incident response with a
		// mistyped id must not pass for a revocation.
		tflog.Warn(ctx, "token unknown to the Auth API", map[string]any{"token_id": tokenID})
		resp.Diagnostics.AddWarning("Token "+tokenID+" not found",
			"The Auth API knows no token "+tokenID+" of this client (it may have been purged, or belong to another client), "+
				"so there is nothing to revoke. Check the id if you expected it to exist.")
	default:
		addAPIError(&resp.Diagnostics, "Cannot revoke token "+tokenID+" with "+credential, nil, err)
	}
}

// tokenIDValidator accepts the contract's token ids, lt_… and st_…. It never quotes the
// value: a secret pasted by mistake must not reach an error message.
type tokenIDValidator struct{}

func (tokenIDValidator) Description(context.Context) string {
	return "a token id: lt_ or st_ followed by 16 to 64 letters or digits"
}

func (v tokenIDValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (tokenIDValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	checkTokenID(req.Path, req.ConfigValue, &resp.Diagnostics)
}

// checkTokenID refuses a known token_id that is not a token id. Validators see only
// literals (Terraform validates with variables unknown), so plan and invoke check again.
func checkTokenID(p path.Path, v types.String, diags *diag.Diagnostics) {
	if v.IsNull() || v.IsUnknown() || isTokenID(v.ValueString()) {
		return
	}
	diags.AddAttributeError(p, "Invalid token_id",
		"token_id must be the id of a token, not its secret: lt_ (long-term) or st_ (short-term) followed by 16 to 64 "+
			"letters or digits, such as auth_long_term_token.<name>.rotated_from. Correct the value.")
}

// isTokenID matches the contract's TokenId: both kinds share the format after the prefix,
// which authclient checks for long-term ids.
func isTokenID(s string) bool {
	if rest, ok := strings.CutPrefix(s, "st_"); ok {
		return authclient.IsLongTermTokenID("lt_" + rest)
	}
	return authclient.IsLongTermTokenID(s)
}
