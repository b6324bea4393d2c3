package provider

import (
	"context"
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Hooks that run for every instance in every plan read the few attributes they need from
// the raw value: each tfsdk GetAttribute call writes framework trace lines (which the
// provider encodes and Terraform decodes, whatever its log level) and reflects into its
// target, and these reads were most of the provider's own time in a no-change plan.

// rawAttributes returns an object's top-level attributes: none when it is null or unknown.
func rawAttributes(v tftypes.Value) map[string]tftypes.Value {
	var m map[string]tftypes.Value
	if !v.IsKnown() || v.IsNull() || v.As(&m) != nil {
		return nil
	}
	return m
}

// rawString is a raw string attribute (absent: null).
func rawString(v tftypes.Value) types.String {
	var s string
	switch {
	case !v.IsKnown():
		return types.StringUnknown()
	case v.IsNull() || v.As(&s) != nil:
		return types.StringNull()
	}
	return types.StringValue(s)
}

// rawInt64 is a raw number attribute of an Int64 schema attribute (absent: null).
func rawInt64(v tftypes.Value) types.Int64 {
	var f big.Float
	switch {
	case !v.IsKnown():
		return types.Int64Unknown()
	case v.IsNull() || v.As(&f) != nil:
		return types.Int64Null()
	}
	i, _ := f.Int64()
	return types.Int64Value(i)
}

// rawBool is a raw bool attribute (absent: null).
func rawBool(v tftypes.Value) types.Bool {
	var b bool
	switch {
	case !v.IsKnown():
		return types.BoolUnknown()
	case v.IsNull() || v.As(&b) != nil:
		return types.BoolNull()
	}
	return types.BoolValue(b)
}

// timeoutsOpts are the operations whose timeouts auth_long_term_token takes.
var timeoutsOpts = timeouts.Opts{Create: true, Update: true, Delete: true}

// timeoutsType is the type of auth_long_term_token's timeouts attribute.
var timeoutsType = timeouts.Attributes(context.Background(), timeoutsOpts).GetType()

// modelFromRaw decodes a config, plan or state of auth_long_term_token as tfsdk's Get
// does, attribute by attribute with each attribute's own type: Get reflects into the
// struct and compiles a regular expression for every field it visits (framework v1.19),
// which was most of this provider's own CPU in a rotation. TestModelFromRawMatchesGet keeps
// the two equal, field by field.
func modelFromRaw(ctx context.Context, v tftypes.Value) (longTermTokenModel, diag.Diagnostics) {
	var m longTermTokenModel
	var diags diag.Diagnostics
	attrs := rawAttributes(v)
	decode := func(name string, typ attr.Type, into func(attr.Value) bool) {
		value, err := typ.ValueFromTerraform(ctx, attrs[name])
		if err == nil && !into(value) {
			err = fmt.Errorf("decoded as %T", value)
		}
		if err != nil {
			diags.AddAttributeError(path.Root(name), "Cannot read "+name,
				"The provider cannot read this attribute of auth_long_term_token ("+err.Error()+"). This is a bug in the provider; please report it.")
		}
	}
	for name, field := range map[string]*types.String{
		"id": &m.ID, "token_id": &m.TokenID, "token": &m.Token, "token_type": &m.TokenType, "client_id": &m.ClientID,
		"name": &m.Name, "issued_at": &m.IssuedAt, "expires_at": &m.ExpiresAt, "rotated_from": &m.RotatedFrom,
		"previous_token_expires_at": &m.PreviousTokenExpiresAt,
	} {
		decode(name, types.StringType, assign(field))
	}
	for name, field := range map[string]*types.Int64{
		"ttl_days": &m.TTLDays, "rotate_before_days": &m.RotateBeforeDays, "grace_period_seconds": &m.GracePeriodSeconds,
	} {
		decode(name, types.Int64Type, assign(field))
	}
	decode("scopes", types.SetType{ElemType: types.StringType}, assign(&m.Scopes))
	decode("rotation_triggers", types.MapType{ElemType: types.StringType}, assign(&m.RotationTriggers))
	decode("detect_revocation", types.BoolType, assign(&m.DetectRevocation))
	decode("timeouts", timeoutsType, assign(&m.Timeouts))
	return m, diags
}

// assign stores a decoded value of type T in field, and reports whether it had that type.
func assign[T attr.Value](field *T) func(attr.Value) bool {
	return func(v attr.Value) bool {
		t, ok := v.(T)
		*field = t
		return ok
	}
}
