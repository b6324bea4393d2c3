package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

var (
	_ resource.Resource                   = (*longTermTokenResource)(nil)
	_ resource.ResourceWithConfigure      = (*longTermTokenResource)(nil)
	_ resource.ResourceWithIdentity       = (*longTermTokenResource)(nil)
	_ resource.ResourceWithImportState    = (*longTermTokenResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*longTermTokenResource)(nil)
	_ resource.ResourceWithValidateConfig = (*longTermTokenResource)(nil)
)

const (
	defaultTTLDays        = 90
	maxGracePeriodSeconds = 604800
	defaultOpTimeout      = 10 * time.Minute
)

// NewLongTermTokenResource is the auth_long_term_token resource: create issues, update
// rotates, delete revokes.
func NewLongTermTokenResource() resource.Resource {
	return &longTermTokenResource{}
}

type longTermTokenResource struct {
	data *providerData
}

// longTermTokenIdentity is the resource identity (Terraform 1.12, OpenTofu 1.12 or later):
// the instance's id, which is the token id.
type longTermTokenIdentity struct {
	TokenID types.String `tfsdk:"token_id"`
}

func (r *longTermTokenResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_long_term_token"
	// A rotation replaces the token in place: the instance then holds another token id, so
	// its identity changes with it. Without this the framework refuses the new identity.
	resp.ResourceBehavior.MutableIdentity = true
}

func (r *longTermTokenResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"token_id": identityschema.StringAttribute{
				Description: "The token's id (`lt_…`), the same as the `token_id` attribute; it changes when the token rotates. " +
					"A placeholder left by an issuance whose answer was lost has its `id` (`pending-issue:…`) instead.",
				RequiredForImport: true,
			},
		},
	}
}

// setIdentity records the identity of an instance whose id is id. Every operation that writes
// state sets it: a CLI without resource identity sends none, and the framework rejects an
// answer without one.
// It encodes the identity itself: tfsdk's Set of a struct reflects (long_term_token_model.go).
func setIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, id types.String) diag.Diagnostics {
	tokenID, err := id.ToTerraformValue(ctx)
	if err != nil {
		var diags diag.Diagnostics
		diags.AddError("Cannot write the identity", err.Error())
		return diags
	}
	return identity.Set(ctx, tftypes.NewValue(identityType, map[string]tftypes.Value{"token_id": tokenID}))
}

var identityType = tftypes.Object{AttributeTypes: map[string]tftypes.Type{"token_id": tftypes.String}}

func (r *longTermTokenResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	rotates := " Changing it rotates the token in place."
	resp.Schema = schema.Schema{
		MarkdownDescription: "A long-term token of the Auth API. Create issues it, update rotates it " +
			"(the replaced token keeps working for `grace_period_seconds`), delete revokes it. " +
			"Refresh calls no API, the state is the record, unless `detect_revocation` is set.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Same as `token_id`.",
				Computed:            true,
			},
			"token_id": schema.StringAttribute{
				MarkdownDescription: "The token's id (`lt_…`), not secret.",
				Computed:            true,
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "The token's secret. Unknown after import until the next apply rotates the token.",
				Computed:            true,
				Sensitive:           true,
			},
			"token_type": schema.StringAttribute{
				MarkdownDescription: "Always `Bearer`.",
				Computed:            true,
			},
			"client_id": schema.StringAttribute{
				MarkdownDescription: "The client the token was issued to.",
				Computed:            true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "A label for audits, 1 to 128 characters." + rotates,
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 128)},
			},
			"scopes": schema.SetAttribute{
				MarkdownDescription: "Scopes to grant, a subset of the client's allowed scopes; omitted, the client's default scopes." + rotates,
				ElementType:         types.StringType,
				Optional:            true,
				Computed:            true,
				Validators: []validator.Set{
					setvalidator.SizeBetween(1, 64),
					setvalidator.ValueStringsAre(scopeValidators()...),
				},
			},
			"ttl_days": schema.Int64Attribute{
				MarkdownDescription: "Lifetime in days, 1 to 365 (default 90)." + rotates,
				Optional:            true,
				Computed:            true,
				Default:             int64default.StaticInt64(defaultTTLDays),
				Validators:          []validator.Int64{int64validator.Between(1, 365)},
			},
			"rotate_before_days": schema.Int64Attribute{
				MarkdownDescription: "Rotate automatically once `expires_at` minus this many days has passed; " +
					"0 (default) turns it off. Must be less than `ttl_days`. Changing it alone calls no API.",
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(0),
				Validators: []validator.Int64{int64validator.AtLeast(0)},
			},
			"grace_period_seconds": schema.Int64Attribute{
				MarkdownDescription: "How long the replaced token keeps working after a rotation, 0 (default, revoked at once) " +
					"to 604800 (7 days). Changing it alone calls no API.",
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(0),
				Validators: []validator.Int64{int64validator.Between(0, maxGracePeriodSeconds)},
			},
			"rotation_triggers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary strings; any change rotates the token in place.",
				ElementType:         types.StringType,
				Optional:            true,
			},
			"detect_revocation": schema.BoolAttribute{
				MarkdownDescription: "Refresh probes the token: it exchanges it for a short-term token with no scopes and a " +
					"lifetime of 60 seconds, then revokes that one, so two requests per token per refresh. A token that the " +
					"Auth API refuses before its expiry (revoked or rotated outside Terraform) is re-issued by the next apply, " +
					"with a warning; a failed probe (network error, 5xx) keeps the state and warns. Default `false`: refresh " +
					"calls no API. Changing it alone calls no API.",
				Optional: true,
			},
			"issued_at": schema.StringAttribute{
				MarkdownDescription: "When the token was issued (RFC 3339).",
				Computed:            true,
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the token expires (RFC 3339). An expired token is rotated by the next apply.",
				Computed:            true,
			},
			"rotated_from": schema.StringAttribute{
				MarkdownDescription: "The id of the token this one replaced, after a rotation.",
				Computed:            true,
			},
			"previous_token_expires_at": schema.StringAttribute{
				MarkdownDescription: "After a rotation, when the replaced token stops working (RFC 3339).",
				Computed:            true,
			},
			"timeouts": timeouts.Attributes(ctx, timeoutsOpts),
		},
	}
}

func (r *longTermTokenResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if data := providerDataFrom(req.ProviderData, &resp.Diagnostics); data != nil {
		r.data = data
	}
}

func (r *longTermTokenResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, diags := modelFromRaw(ctx, req.Plan.Raw)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, client, diags := r.apiContext(ctx, plan.Timeouts.Create)
	defer cancel()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	in, diags := plan.issueInput(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	iss, diags := r.data.requireIssuance(ctx, client, "issue auth_long_term_token")
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	in.IdempotencyKey = authclient.NewIdempotencyKey()

	tok, err := iss.send(ctx, in)
	if outcomeInDoubt(err) {
		placeholder, diags := issueInDoubt(plan, in, iss.stepUp, err)
		resp.Diagnostics.Append(diags...)
		resp.Diagnostics.Append(writeModel(ctx, &resp.State.Raw, placeholder)...)
		resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, placeholder.ID)...)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Cannot issue auth_long_term_token", iss.stepUp, err)
		return
	}
	ctx = maskSecrets(ctx, tok.Token)
	tflog.Info(ctx, "issued long-term token", map[string]any{"token_id": tok.TokenID, "step_up": iss.stepUp.String()})
	resp.Diagnostics.Append(plan.setIssued(ctx, tok)...)
	resp.Diagnostics.Append(writeModel(ctx, &resp.State.Raw, plan)...)
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, plan.ID)...)
}

// apiContext prepares one operation that calls the API: its client, a context that masks
// the provider's secrets and the given ones in logs, and the operation's timeout.
func (r *longTermTokenResource) apiContext(ctx context.Context, timeout func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), secrets ...string) (context.Context, context.CancelFunc, *authclient.Client, diag.Diagnostics) {
	client, diags := r.data.requireClient()
	if diags.HasError() {
		return ctx, func() {}, nil, diags
	}
	ctx = r.data.mask(ctx, secrets...)
	d, timeoutDiags := timeout(ctx, defaultOpTimeout)
	diags.Append(timeoutDiags...)
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, cancel, client, diags
}

// Read calls no API unless detect_revocation is set: there is no read endpoint, and the
// state is the record. It sets the identity from the state's id, which a state written
// without identity (by an older CLI or provider version) lacks.
func (r *longTermTokenResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	// Raw reads (raw_values.go): Read runs for every instance on every refresh.
	attrs := rawAttributes(req.State.Raw)
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, rawString(attrs["id"]))...)
	if rawBool(attrs["detect_revocation"]).ValueBool() {
		resp.Diagnostics.Append(r.detectRevocation(ctx, attrs, resp.Private)...)
	}
}

func (r *longTermTokenResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, diags := modelFromRaw(ctx, req.Plan.Raw)
	resp.Diagnostics.Append(diags...)
	state, diags := modelFromRaw(ctx, req.State.Raw)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// ModifyPlan decided: a known planned token means no rotation, only local arguments changed.
	if !plan.Token.IsUnknown() {
		resp.Diagnostics.Append(writeModel(ctx, &resp.State.Raw, plan)...)
		resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, plan.ID)...)
		return
	}
	ctx, cancel, client, diags := r.apiContext(ctx, plan.Timeouts.Update, state.Token.ValueString())
	defer cancel()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	pending, diags := readPendingRotation(ctx, req.Private, state.TokenID.ValueString())
	resp.Diagnostics.Append(diags...)
	rotate := r.rotate
	if readRevocation(ctx, req.Private, state.TokenID.ValueString()) != nil {
		rotate = r.reissue // refresh found that the token no longer works
	}
	tok, inDoubt, diags := rotate(ctx, client, state, plan, pending)
	resp.Diagnostics.Append(diags...)
	// Remember a rotation whose outcome is unknown, so that the next one can replay it or
	// refuse to guess; the state keeps the current token meanwhile.
	resp.Diagnostics.Append(writePendingRotation(ctx, resp.Private, inDoubt)...)
	if tok == nil {
		return
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, revocationKey, nil)...)
	ctx = maskSecrets(ctx, tok.Token)
	resp.Diagnostics.Append(plan.setIssued(ctx, tok)...)
	resp.Diagnostics.Append(writeModel(ctx, &resp.State.Raw, plan)...)
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, plan.ID)...)
}

func (r *longTermTokenResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, diags := modelFromRaw(ctx, req.State.Raw)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, client, diags := r.apiContext(ctx, state.Timeouts.Delete, state.Token.ValueString())
	defer cancel()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	if state.TokenID.ValueString() == "" {
		resp.Diagnostics.Append(r.revokeLostIssue(ctx, client, state)...)
		return
	}

	// A token revokes itself; one whose secret is unknown (imported) needs the provider's.
	bearer, credential := state.Token.ValueString(), "the token itself"
	if bearer == "" {
		bearer, credential = r.data.revokeCredential()
	}
	if bearer == "" {
		resp.Diagnostics.AddError("Cannot revoke auth_long_term_token "+state.TokenID.ValueString(),
			"The token's secret is unknown (it was imported and never rotated). Configure the provider's long_term_token "+
				"or access_token with scope tokens:revoke or tokens:write, or remove it from state with `terraform state rm`.")
		return
	}
	err := client.RevokeToken(ctx, state.TokenID.ValueString(), bearer)
	switch {
	case err == nil:
		tflog.Info(ctx, "revoked long-term token", map[string]any{"token_id": state.TokenID.ValueString()})
	case errors.Is(err, authclient.ErrNotFound):
		tflog.Warn(ctx, "long-term token already unknown to the Auth API", map[string]any{"token_id": state.TokenID.ValueString()})
	default:
		addAPIError(&resp.Diagnostics, "Cannot revoke auth_long_term_token "+state.TokenID.ValueString()+" with "+credential, nil, err)
	}
}

// ImportState adopts a token by its id: from `terraform import`, an import block's id, or an
// import block's identity (Terraform 1.12, OpenTofu 1.12 or later). Its secret stays unknown
// until the next apply rotates it.
func (r *longTermTokenResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, summary := types.StringValue(req.ID), "Invalid import id"
	if req.ID == "" && req.Identity != nil {
		var identity longTermTokenIdentity
		resp.Diagnostics.Append(req.Identity.Get(ctx, &identity)...)
		if resp.Diagnostics.HasError() {
			return
		}
		id, summary = identity.TokenID, "Invalid import identity"
	}
	if !authclient.IsLongTermTokenID(id.ValueString()) {
		resp.Diagnostics.AddError(summary,
			fmt.Sprintf("%q is not a long-term token id; use the id of the token, such as lt_0123456789abcdef.", id.ValueString()))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("token_id"), id)...)
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, id)...)
}
