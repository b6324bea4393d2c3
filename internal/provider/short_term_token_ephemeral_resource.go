package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

var (
	_ ephemeral.EphemeralResource              = (*shortTermTokenEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure = (*shortTermTokenEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithClose     = (*shortTermTokenEphemeralResource)(nil)
)

const (
	defaultTTLSeconds = 900
	// closeStateKey is the private-data key under which Open hands Close what it needs.
	closeStateKey = "short_term_token"
)

// NewShortTermTokenEphemeralResource is the auth_short_term_token ephemeral resource.
func NewShortTermTokenEphemeralResource() ephemeral.EphemeralResource {
	return &shortTermTokenEphemeralResource{}
}

type shortTermTokenEphemeralResource struct {
	data *providerData
}

type shortTermTokenModel struct {
	LongTermToken types.String `tfsdk:"long_term_token"`
	Scopes        types.Set    `tfsdk:"scopes"`
	TTLSeconds    types.Int64  `tfsdk:"ttl_seconds"`
	Audience      types.String `tfsdk:"audience"`
	RevokeOnClose types.Bool   `tfsdk:"revoke_on_close"`
	Token         types.String `tfsdk:"token"`
	TokenID       types.String `tfsdk:"token_id"`
	TokenType     types.String `tfsdk:"token_type"`
	ExpiresAt     types.String `tfsdk:"expires_at"`
	ExpiresIn     types.Int64  `tfsdk:"expires_in"`
	ParentTokenID types.String `tfsdk:"parent_token_id"`
}

// closeState travels from Open to Close in private data, never in state.
type closeState struct {
	TokenID string `json:"token_id"`
	Token   string `json:"token"`
}

func (r *shortTermTokenEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_short_term_token"
}

func (r *shortTermTokenEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A short-term token (a JWT of minutes) exchanged for a long-term token. It is never stored in " +
			"state or plan: feed it to a provider block or another ephemeral context. Terraform opens it in plan and in " +
			"apply, and each token is revoked when Terraform closes it (unless `revoke_on_close = false`). Requires Terraform 1.10 or later.",
		Attributes: map[string]schema.Attribute{
			"long_term_token": schema.StringAttribute{
				MarkdownDescription: "The long-term token to exchange; default: the provider's `long_term_token` (env `AUTH_LONG_TERM_TOKEN`).",
				Optional:            true,
				Sensitive:           true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"scopes": schema.SetAttribute{
				MarkdownDescription: "Scopes to request, a subset of the long-term token's; omitted, all of them. The result holds the scopes granted.",
				ElementType:         types.StringType,
				Optional:            true,
				Computed:            true,
				Validators: []validator.Set{
					setvalidator.SizeBetween(1, 64),
					setvalidator.ValueStringsAre(scopeValidators()...),
				},
			},
			"ttl_seconds": schema.Int64Attribute{
				MarkdownDescription: "Lifetime in seconds, 60 to 3600 (default 900). It may not outlive the long-term token.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.Int64{int64validator.Between(60, 3600)},
			},
			"audience": schema.StringAttribute{
				MarkdownDescription: "The token's `aud` claim (default `api.example.com`).",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 256)},
			},
			"revoke_on_close": schema.BoolAttribute{
				MarkdownDescription: "Revoke the token when Terraform closes the ephemeral resource (default `true`); " +
					"`false` leaves it to expire, for tokens a provider keeps using after the run.",
				Optional: true,
				Computed: true,
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "The short-term token, a JWT.",
				Computed:            true,
				Sensitive:           true,
			},
			"token_id": schema.StringAttribute{
				MarkdownDescription: "The token's id (`st_…`), its `jti` claim.",
				Computed:            true,
			},
			"token_type": schema.StringAttribute{
				MarkdownDescription: "Always `Bearer`.",
				Computed:            true,
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the token expires (RFC 3339).",
				Computed:            true,
			},
			"expires_in": schema.Int64Attribute{
				MarkdownDescription: "Seconds from issue to expiry.",
				Computed:            true,
			},
			"parent_token_id": schema.StringAttribute{
				MarkdownDescription: "The id of the long-term token it was exchanged for.",
				Computed:            true,
			},
		},
	}
}

func (r *shortTermTokenEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	if data := providerDataFrom(req.ProviderData, &resp.Diagnostics); data != nil {
		r.data = data
	}
}

func (r *shortTermTokenEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var model shortTermTokenModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, diags := r.data.requireClient()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	longTerm := model.LongTermToken.ValueString()
	if longTerm == "" {
		longTerm = r.data.longTermToken
	}
	ctx = r.data.mask(ctx, longTerm)
	if longTerm == "" {
		resp.Diagnostics.AddAttributeError(path.Root("long_term_token"), "No long-term token to exchange",
			"Set long_term_token here, or the provider's long_term_token argument (or AUTH_LONG_TERM_TOKEN).")
		return
	}

	in := authclient.IssueShortTermTokenInput{
		LongTermToken: longTerm,
		TTLSeconds:    defaultTTLSeconds,
		Audience:      model.Audience.ValueString(),
	}
	if !model.TTLSeconds.IsNull() {
		in.TTLSeconds = int(model.TTLSeconds.ValueInt64())
	}
	if !model.Scopes.IsNull() {
		resp.Diagnostics.Append(model.Scopes.ElementsAs(ctx, &in.Scopes, false)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	tok, err := client.IssueShortTermToken(ctx, in)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Cannot open auth_short_term_token", nil, err)
		addShortTermHint(&resp.Diagnostics, err)
		return
	}
	ctx = maskSecrets(ctx, tok.Token)
	tflog.Info(ctx, "issued short-term token", map[string]any{"token_id": tok.TokenID, "parent_token_id": tok.ParentTokenID})
	minted := closeState{TokenID: tok.TokenID, Token: tok.Token}
	// Terraform closes only what an Open returned without error: a token minted by an Open
	// that fails goes at once.
	defer func() {
		if !resp.Diagnostics.HasError() {
			return
		}
		cleanupCtx, cancel := cleanupContext(ctx)
		defer cancel()
		if err := revokeShortTerm(cleanupCtx, client, minted); err != nil {
			resp.Diagnostics.AddWarning("Cannot revoke short-term token "+tok.TokenID,
				fmt.Sprintf("The token issued by this failed open is left to expire at %s: %v", tok.ExpiresAt.UTC().Format(time.RFC3339), err))
		}
	}()

	// The server caps a token's life at its parent's expiry; a shorter life than asked for
	// would surprise whoever relies on ttl_seconds, so it is an error, and the token goes.
	if tok.ExpiresIn < int64(in.TTLSeconds) {
		resp.Diagnostics.AddAttributeError(path.Root("ttl_seconds"), "ttl_seconds outlives the long-term token",
			fmt.Sprintf("The long-term token %s expires at %s, %d seconds from now, before the %d seconds asked for. "+
				"Lower ttl_seconds, or rotate the long-term token.", tok.ParentTokenID, tok.ExpiresAt.UTC().Format(time.RFC3339), tok.ExpiresIn, in.TTLSeconds))
		return
	}

	model.TTLSeconds = types.Int64Value(int64(in.TTLSeconds))
	model.RevokeOnClose = types.BoolValue(model.RevokeOnClose.IsNull() || model.RevokeOnClose.ValueBool())
	model.Token = types.StringValue(tok.Token)
	model.TokenID = types.StringValue(tok.TokenID)
	model.TokenType = types.StringValue(tok.TokenType)
	model.ExpiresAt = types.StringValue(tok.ExpiresAt.UTC().Format(time.RFC3339))
	model.ExpiresIn = types.Int64Value(tok.ExpiresIn)
	model.ParentTokenID = types.StringValue(tok.ParentTokenID)
	scopes, diags := types.SetValueFrom(ctx, types.StringType, tok.Scopes)
	resp.Diagnostics.Append(diags...)
	model.Scopes = scopes
	resp.Diagnostics.Append(resp.Result.Set(ctx, &model)...)
	if resp.Diagnostics.HasError() || !model.RevokeOnClose.ValueBool() {
		return
	}

	private, err := json.Marshal(minted)
	if err != nil {
		resp.Diagnostics.AddError("Cannot record the token for Close", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, closeStateKey, private)...)
	if !resp.Diagnostics.HasError() && !r.data.unclosed.opened(tok.TokenID, tok.Token, client) {
		resp.Diagnostics.AddError("Provider stopping",
			"Terraform stopped the provider while auth_short_term_token was opening, so nothing would close the token; it is revoked.")
	}
}

// Close revokes the token Open minted, when revoke_on_close asked for it.
func (r *shortTermTokenEphemeralResource) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	raw, diags := req.Private.GetKey(ctx, closeStateKey)
	resp.Diagnostics.Append(diags...)
	if len(raw) == 0 || resp.Diagnostics.HasError() {
		return
	}
	var state closeState
	if err := json.Unmarshal(raw, &state); err != nil {
		resp.Diagnostics.AddError("Cannot read the token to revoke", "The private data of auth_short_term_token is malformed: "+err.Error())
		return
	}
	client, diags := r.data.requireClient()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx = r.data.mask(ctx, state.Token)
	r.data.unclosed.closed(state.TokenID)
	if err := revokeShortTerm(ctx, client, state); err != nil {
		addAPIError(&resp.Diagnostics, "Cannot revoke auth_short_term_token "+state.TokenID, nil, err)
	}
}

// revokeShortTerm ends a short-term token with itself, which the contract always allows; a token the
// server no longer knows is as good as revoked.
func revokeShortTerm(ctx context.Context, client *authclient.Client, state closeState) error {
	err := client.RevokeToken(ctx, state.TokenID, state.Token)
	if errors.Is(err, authclient.ErrNotFound) {
		return nil
	}
	if err == nil {
		tflog.Info(ctx, "revoked short-term token", map[string]any{"token_id": state.TokenID})
	}
	return err
}

// addShortTermHint says what to check for the errors an exchange most often meets.
func addShortTermHint(diags *diag.Diagnostics, err error) {
	switch {
	case errors.Is(err, authclient.ErrUnauthorized):
		diags.AddAttributeError(path.Root("long_term_token"), "Long-term token not accepted",
			"The long-term token is expired, revoked or unknown to the Auth API. Rotate it (or its auth_long_term_token) and try again.")
	case errors.Is(err, authclient.ErrForbidden):
		diags.AddAttributeError(path.Root("scopes"), "Scopes not held by the long-term token",
			"Request only scopes that the long-term token holds, or omit scopes to receive all of them.")
	}
}
