package provider

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

// longTermTokenModel is a config, plan or state of auth_long_term_token.
type longTermTokenModel struct {
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

// issued lists the attributes that each issuance sets.
func (m *longTermTokenModel) issued() []*types.String {
	return []*types.String{&m.ID, &m.TokenID, &m.Token, &m.TokenType, &m.ClientID,
		&m.IssuedAt, &m.ExpiresAt, &m.RotatedFrom, &m.PreviousTokenExpiresAt}
}

// keepIssued plans no new token: every issued value stays as in state.
func (m *longTermTokenModel) keepIssued(state longTermTokenModel) {
	from := state.issued()
	for i, to := range m.issued() {
		*to = *from[i]
	}
}

// setAllIssued sets every issued value to v: unknown to plan a rotation, null for a
// placeholder that holds no token.
func (m *longTermTokenModel) setAllIssued(v types.String) {
	for _, to := range m.issued() {
		*to = v
	}
}

// setIssued records an answer of issueLongTermToken.
func (m *longTermTokenModel) setIssued(ctx context.Context, tok *authclient.LongTermToken) diag.Diagnostics {
	m.ID = types.StringValue(tok.TokenID)
	m.TokenID = types.StringValue(tok.TokenID)
	m.Token = types.StringValue(tok.Token)
	m.TokenType = types.StringValue(tok.TokenType)
	m.ClientID = types.StringValue(tok.ClientID)
	m.IssuedAt = types.StringValue(tok.IssuedAt.UTC().Format(time.RFC3339))
	m.ExpiresAt = types.StringValue(tok.ExpiresAt.UTC().Format(time.RFC3339))
	m.RotatedFrom = optionalString(tok.RotatedFrom)
	m.PreviousTokenExpiresAt = types.StringNull()
	if tok.PreviousTokenExpiresAt != nil {
		m.PreviousTokenExpiresAt = types.StringValue(tok.PreviousTokenExpiresAt.UTC().Format(time.RFC3339))
	}
	scopes, diags := types.SetValueFrom(ctx, types.StringType, tok.Scopes)
	m.Scopes = scopes
	return diags
}

func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// issueInput builds the request fields that come from configuration.
func (m *longTermTokenModel) issueInput(ctx context.Context) (authclient.IssueLongTermTokenInput, diag.Diagnostics) {
	in := authclient.IssueLongTermTokenInput{
		Name:    m.Name.ValueString(),
		TTLDays: int(m.TTLDays.ValueInt64()),
	}
	var diags diag.Diagnostics
	if !m.Scopes.IsNull() && !m.Scopes.IsUnknown() {
		diags = m.Scopes.ElementsAs(ctx, &in.Scopes, false)
	}
	return in, diags
}

// timeoutsOpts are the operations whose timeouts auth_long_term_token takes.
var timeoutsOpts = timeouts.Opts{Create: true, Update: true, Delete: true}

// The values of auth_long_term_token are decoded and encoded attribute by attribute with
// each attribute's own type, not through tfsdk's Get and Set: those reflect into the struct
// and compile a regular expression for every field they visit (framework v1.19), which was
// most of this provider's own CPU in a rotation. TestModelCodecMatchesGetAndSet keeps the
// codec equal to Get and Set for every attribute set, null and unknown.

// longTermTokenTypes holds the type of each attribute and of the whole object.
var longTermTokenTypes = sync.OnceValue(func() (t struct {
	attributes map[string]attr.Type
	object     tftypes.Object
}) {
	var resp resource.SchemaResponse
	NewLongTermTokenResource().Schema(context.Background(), resource.SchemaRequest{}, &resp)
	t.attributes = make(map[string]attr.Type, len(resp.Schema.Attributes))
	t.object = tftypes.Object{AttributeTypes: make(map[string]tftypes.Type, len(resp.Schema.Attributes))}
	for name, a := range resp.Schema.Attributes {
		t.attributes[name] = a.GetType()
		t.object.AttributeTypes[name] = a.GetType().TerraformType(context.Background())
	}
	return t
})

// attributes maps every attribute's name to its field in m. The fields are pointers (a
// pointer to an attr.Value is one too), so that decoding can fill them.
func (m *longTermTokenModel) attributes() map[string]attr.Value {
	return map[string]attr.Value{
		"id": &m.ID, "token_id": &m.TokenID, "token": &m.Token, "token_type": &m.TokenType, "client_id": &m.ClientID,
		"name": &m.Name, "scopes": &m.Scopes, "ttl_days": &m.TTLDays, "rotate_before_days": &m.RotateBeforeDays,
		"grace_period_seconds": &m.GracePeriodSeconds, "rotation_triggers": &m.RotationTriggers,
		"detect_revocation": &m.DetectRevocation, "issued_at": &m.IssuedAt, "expires_at": &m.ExpiresAt,
		"rotated_from": &m.RotatedFrom, "previous_token_expires_at": &m.PreviousTokenExpiresAt, "timeouts": &m.Timeouts,
	}
}

// modelFromRaw decodes a config, plan or state of auth_long_term_token as tfsdk's Get does.
func modelFromRaw(ctx context.Context, v tftypes.Value) (longTermTokenModel, diag.Diagnostics) {
	var m longTermTokenModel
	var diags diag.Diagnostics
	raw, attrTypes := rawAttributes(v), longTermTokenTypes().attributes
	for name, field := range m.attributes() {
		value, err := attrTypes[name].ValueFromTerraform(ctx, raw[name])
		if err == nil && !assign(field, value) {
			err = fmt.Errorf("decoded as %T", value)
		}
		if err != nil {
			diags.AddAttributeError(path.Root(name), "Cannot read "+name, "The provider cannot read this attribute of "+
				"auth_long_term_token ("+err.Error()+"). This is a bug in the provider; please report it.")
		}
	}
	return m, diags
}

// assign stores value in field, and reports whether it has the field's type.
func assign(field, value attr.Value) bool {
	switch f := field.(type) {
	case *types.String:
		return assignAs(f, value)
	case *types.Int64:
		return assignAs(f, value)
	case *types.Bool:
		return assignAs(f, value)
	case *types.Set:
		return assignAs(f, value)
	case *types.Map:
		return assignAs(f, value)
	case *timeouts.Value:
		return assignAs(f, value)
	}
	return false
}

func assignAs[T attr.Value](field *T, value attr.Value) bool {
	v, ok := value.(T)
	*field = v
	return ok
}

// writeModel encodes m into a plan's or state's raw value, as tfsdk's Set does. A null field
// is encoded with its attribute's type, so that a zero value (which has none) encodes as
// null. ValidateValue checks the value against the schema's type once; Set would derive
// that type from the schema again on every call.
func writeModel(ctx context.Context, into *tftypes.Value, m longTermTokenModel) diag.Diagnostics {
	var diags diag.Diagnostics
	object := longTermTokenTypes().object
	values := make(map[string]tftypes.Value, len(object.AttributeTypes))
	for name, field := range m.attributes() {
		if field.IsNull() {
			values[name] = tftypes.NewValue(object.AttributeTypes[name], nil)
			continue
		}
		v, err := field.ToTerraformValue(ctx)
		if err != nil {
			diags.AddAttributeError(path.Root(name), "Cannot write "+name, "The provider cannot write this attribute of "+
				"auth_long_term_token ("+err.Error()+"). This is a bug in the provider; please report it.")
		}
		values[name] = v
	}
	if err := tftypes.ValidateValue(object, values); err != nil { // NewValue panics on what this refuses
		diags.AddError("Cannot write auth_long_term_token", "The provider built a value of the wrong type ("+err.Error()+
			"). This is a bug in the provider; please report it.")
	}
	if diags.HasError() {
		return diags
	}
	*into = tftypes.NewValue(object, values)
	return diags
}
