package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ resource.Resource             = (*longTermToken)(nil)
	_ resource.ResourceWithIdentity = (*longTermToken)(nil)
)

// The values the local server gives the bench's client, so that an instance has the size of
// an auth_long_term_token instance in the state.
const (
	benchClientID = "bench"
	benchScope    = "bench:read"
)

// longTermToken is twin_long_term_token.
type longTermToken struct{}

func newLongTermToken() resource.Resource { return &longTermToken{} }

// model is auth_long_term_token's model.
type model struct {
	ID                     types.String   `tfsdk:"id"`
	TokenID                types.String   `tfsdk:"token_id"`
	Token                  types.String   `tfsdk:"token"`
	TokenType              types.String   `tfsdk:"token_type"`
	ClientID               types.String   `tfsdk:"client_id"`
	Name                   types.String   `tfsdk:"name"`
	Scopes                 types.Set      `tfsdk:"scopes"`
	TTLDays                types.Int64    `tfsdk:"ttl_days"`
	RotateBeforeDays       types.Int64    `tfsdk:"rotate_before_days"`
	GracePeriodSeconds     types.Int64    `tfsdk:"grace_period_seconds"`
	RotationTriggers       types.Map      `tfsdk:"rotation_triggers"`
	DetectRevocation       types.Bool     `tfsdk:"detect_revocation"`
	IssuedAt               types.String   `tfsdk:"issued_at"`
	ExpiresAt              types.String   `tfsdk:"expires_at"`
	RotatedFrom            types.String   `tfsdk:"rotated_from"`
	PreviousTokenExpiresAt types.String   `tfsdk:"previous_token_expires_at"`
	Timeouts               timeouts.Value `tfsdk:"timeouts"`
}

type identity struct {
	TokenID types.String `tfsdk:"token_id"`
}

func (*longTermToken) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_long_term_token"
	resp.ResourceBehavior.MutableIdentity = true // as auth_long_term_token: a rotation changes the id
}

func (*longTermToken) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"token_id": identityschema.StringAttribute{Description: "The token's id.", RequiredForImport: true},
		},
	}
}

// scopePattern is auth_long_term_token's rule for a scope.
var scopePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$`)

// Schema is auth_long_term_token's: every attribute with its type, flags, default,
// validators and timeouts. Only the descriptions are shorter.
func (*longTermToken) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	computed := func(sensitive bool) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: "Made locally.", Computed: true, Sensitive: sensitive}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "auth_long_term_token's schema, with no API behind it.",
		Attributes: map[string]schema.Attribute{
			"id":         computed(false),
			"token_id":   computed(false),
			"token":      computed(true),
			"token_type": computed(false),
			"client_id":  computed(false),
			"name": schema.StringAttribute{
				MarkdownDescription: "A label.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 128)},
			},
			"scopes": schema.SetAttribute{
				MarkdownDescription: "Scopes.",
				ElementType:         types.StringType,
				Optional:            true,
				Computed:            true,
				Validators: []validator.Set{
					setvalidator.SizeBetween(1, 64),
					setvalidator.ValueStringsAre(
						stringvalidator.LengthBetween(1, 64),
						stringvalidator.RegexMatches(scopePattern, "must be a scope such as \"tokens:write\": lower-case words of letters, digits and _ joined by ':'"),
					),
				},
			},
			"ttl_days": schema.Int64Attribute{
				MarkdownDescription: "Lifetime in days.",
				Optional:            true,
				Computed:            true,
				Default:             int64default.StaticInt64(90),
				Validators:          []validator.Int64{int64validator.Between(1, 365)},
			},
			"rotate_before_days": schema.Int64Attribute{
				MarkdownDescription: "Stored only.",
				Optional:            true,
				Computed:            true,
				Default:             int64default.StaticInt64(0),
				Validators:          []validator.Int64{int64validator.AtLeast(0)},
			},
			"grace_period_seconds": schema.Int64Attribute{
				MarkdownDescription: "Sets previous_token_expires_at after an update.",
				Optional:            true,
				Computed:            true,
				Default:             int64default.StaticInt64(0),
				Validators:          []validator.Int64{int64validator.Between(0, 604800)},
			},
			"rotation_triggers": schema.MapAttribute{
				MarkdownDescription: "Any change updates the instance.",
				ElementType:         types.StringType,
				Optional:            true,
			},
			"detect_revocation": schema.BoolAttribute{
				MarkdownDescription: "Stored only.",
				Optional:            true,
			},
			"issued_at":                 computed(false),
			"expires_at":                computed(false),
			"rotated_from":              computed(false),
			"previous_token_expires_at": computed(false),
			"timeouts":                  timeouts.Attributes(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
}

// issue fills in what the local server would answer: a fresh id and secret of the
// server's lengths, its times, and the client's default scopes when none are configured.
func (m *model) issue(ctx context.Context, now time.Time) {
	id := "lt_" + rand.Text()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	m.ID, m.TokenID = types.StringValue(id), types.StringValue(id)
	m.Token = types.StringValue("ltk_" + base64.RawURLEncoding.EncodeToString(secret))
	m.TokenType = types.StringValue("Bearer")
	m.ClientID = types.StringValue(benchClientID)
	m.IssuedAt = types.StringValue(now.Format(time.RFC3339))
	m.ExpiresAt = types.StringValue(now.Add(time.Duration(m.TTLDays.ValueInt64()) * 24 * time.Hour).Format(time.RFC3339))
	if m.Scopes.IsUnknown() {
		m.Scopes, _ = types.SetValueFrom(ctx, types.StringType, []string{benchScope})
	}
}

func (*longTermToken) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan model
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.issue(ctx, time.Now().UTC())
	plan.RotatedFrom, plan.PreviousTokenExpiresAt = types.StringNull(), types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, identity{TokenID: plan.ID})...)
}

// Read does what the framework requires of a resource with an identity (it refuses an
// answer without one, and an older CLI sends none): it sets the identity from the id.
func (*longTermToken) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var id types.String
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &id)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, identity{TokenID: id})...)
}

// Update issues again, like a rotation: any change leaves the framework's plan with every
// computed value unknown.
func (*longTermToken) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan model
	var previous types.String
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &previous)...)
	if resp.Diagnostics.HasError() {
		return
	}
	now := time.Now().UTC()
	plan.issue(ctx, now)
	plan.RotatedFrom = previous
	plan.PreviousTokenExpiresAt = types.StringValue(now.Add(time.Duration(plan.GracePeriodSeconds.ValueInt64()) * time.Second).Format(time.RFC3339))
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(resp.Identity.Set(ctx, identity{TokenID: plan.ID})...)
}

// Delete does nothing: the framework removes the instance.
func (*longTermToken) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}
