package provider

import (
	"context"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The raw reads give what GetAttribute gives for known, null, unknown and absent values.
func TestRawValues(t *testing.T) {
	objectType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"s": tftypes.String, "n": tftypes.Number, "b": tftypes.Bool}}
	object := func(s, n, b tftypes.Value) tftypes.Value {
		return tftypes.NewValue(objectType, map[string]tftypes.Value{"s": s, "n": n, "b": b})
	}
	for _, tc := range []struct {
		name  string
		value tftypes.Value
		s     types.String
		n     types.Int64
		b     types.Bool
	}{
		{"known", object(tftypes.NewValue(tftypes.String, "x"), tftypes.NewValue(tftypes.Number, 90), tftypes.NewValue(tftypes.Bool, true)), types.StringValue("x"), types.Int64Value(90), types.BoolValue(true)},
		{"null", object(tftypes.NewValue(tftypes.String, nil), tftypes.NewValue(tftypes.Number, nil), tftypes.NewValue(tftypes.Bool, nil)), types.StringNull(), types.Int64Null(), types.BoolNull()},
		{"unknown", object(tftypes.NewValue(tftypes.String, tftypes.UnknownValue), tftypes.NewValue(tftypes.Number, tftypes.UnknownValue), tftypes.NewValue(tftypes.Bool, tftypes.UnknownValue)), types.StringUnknown(), types.Int64Unknown(), types.BoolUnknown()},
		{"unknown object", tftypes.NewValue(objectType, tftypes.UnknownValue), types.StringNull(), types.Int64Null(), types.BoolNull()},
		{"null object", tftypes.NewValue(objectType, nil), types.StringNull(), types.Int64Null(), types.BoolNull()},
	} {
		attrs := rawAttributes(tc.value)
		if got := rawString(attrs["s"]); !got.Equal(tc.s) {
			t.Errorf("%s: rawString = %s, want %s", tc.name, got, tc.s)
		}
		if got := rawInt64(attrs["n"]); !got.Equal(tc.n) {
			t.Errorf("%s: rawInt64 = %s, want %s", tc.name, got, tc.n)
		}
		if got := rawBool(attrs["b"]); !got.Equal(tc.b) {
			t.Errorf("%s: rawBool = %s, want %s", tc.name, got, tc.b)
		}
		if got := rawString(attrs["absent"]); !got.IsNull() {
			t.Errorf("%s: an absent attribute reads %s", tc.name, got)
		}
	}
}

// modelFromRaw decodes what tfsdk's Get decodes: a model with every attribute set, one with
// every attribute null and one with every attribute unknown survive Set and modelFromRaw
// unchanged. An attribute added to the model but not to modelFromRaw fails the first.
func TestModelFromRawMatchesGet(t *testing.T) {
	ctx := context.Background()
	var schemaResp resource.SchemaResponse
	NewLongTermTokenResource().Schema(ctx, resource.SchemaRequest{}, &schemaResp)
	timeoutsSet, diags := timeoutsType.ValueFromTerraform(ctx, tftypes.NewValue(timeoutsType.TerraformType(ctx), map[string]tftypes.Value{
		"create": tftypes.NewValue(tftypes.String, "1m"), "update": tftypes.NewValue(tftypes.String, nil), "delete": tftypes.NewValue(tftypes.String, "3m"),
	}))
	if diags != nil {
		t.Fatal(diags)
	}
	str := types.StringValue
	full := longTermTokenModel{
		ID: str("lt_1"), TokenID: str("lt_1"), Token: str("ltk_secret"), TokenType: str("Bearer"), ClientID: str("ci"),
		Name: str("deploy"), Scopes: types.SetValueMust(types.StringType, []attr.Value{str("a:read"), str("b:write")}),
		TTLDays: types.Int64Value(30), RotateBeforeDays: types.Int64Value(7), GracePeriodSeconds: types.Int64Value(60),
		RotationTriggers: types.MapValueMust(types.StringType, map[string]attr.Value{"v": str("1")}), DetectRevocation: types.BoolValue(true),
		IssuedAt: str("2026-01-01T00:00:00Z"), ExpiresAt: str("2026-01-31T00:00:00Z"), RotatedFrom: str("lt_0"),
		PreviousTokenExpiresAt: str("2026-01-01T00:01:00Z"), Timeouts: timeoutsSet.(timeouts.Value),
	}
	fields := reflect.ValueOf(full)
	for i := range fields.NumField() {
		if v := fields.Field(i).Interface().(attr.Value); v.IsNull() || v.IsUnknown() {
			t.Fatalf("the fixture leaves %s unset: set every attribute, so that modelFromRaw is checked for it", fields.Type().Field(i).Name)
		}
	}
	var null, unknown longTermTokenModel
	nullFields, unknownFields := reflect.ValueOf(&null).Elem(), reflect.ValueOf(&unknown).Elem()
	for i := range fields.NumField() {
		typ := fields.Field(i).Interface().(attr.Value).Type(ctx)
		nullValue, err := typ.ValueFromTerraform(ctx, tftypes.NewValue(typ.TerraformType(ctx), nil))
		if err != nil {
			t.Fatal(err)
		}
		unknownValue, err := typ.ValueFromTerraform(ctx, tftypes.NewValue(typ.TerraformType(ctx), tftypes.UnknownValue))
		if err != nil {
			t.Fatal(err)
		}
		nullFields.Field(i).Set(reflect.ValueOf(nullValue))
		unknownFields.Field(i).Set(reflect.ValueOf(unknownValue))
	}
	for name, model := range map[string]longTermTokenModel{"every attribute set": full, "every attribute null": null, "every attribute unknown": unknown} {
		state := tfsdk.State{Schema: schemaResp.Schema}
		if diags := state.Set(ctx, &model); diags.HasError() {
			t.Fatalf("%s: %v", name, diags)
		}
		var viaGet longTermTokenModel
		if diags := state.Get(ctx, &viaGet); diags.HasError() {
			t.Fatalf("%s: %v", name, diags)
		}
		got, diags := modelFromRaw(ctx, state.Raw)
		if diags.HasError() {
			t.Fatalf("%s: %v", name, diags)
		}
		if !reflect.DeepEqual(got, viaGet) || !reflect.DeepEqual(got, model) {
			t.Errorf("%s: modelFromRaw = %+v,\nGet = %+v,\nset = %+v", name, got, viaGet, model)
		}
	}
	if _, diags := modelFromRaw(ctx, tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"ttl_days": tftypes.String}},
		map[string]tftypes.Value{"ttl_days": tftypes.NewValue(tftypes.String, "90")})); !diags.HasError() {
		t.Error("modelFromRaw read a string ttl_days without an error")
	}
}
