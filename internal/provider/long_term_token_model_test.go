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

// The codec decodes what tfsdk's Get decodes and encodes what its Set encodes: a model with
// every attribute set, one with every attribute null and one with every attribute unknown
// survive writeModel and modelFromRaw unchanged, and writeModel writes what Set writes. An
// attribute added to the model but not to its attributes() fails the first.
func TestModelCodecMatchesGetAndSet(t *testing.T) {
	ctx := context.Background()
	var schemaResp resource.SchemaResponse
	NewLongTermTokenResource().Schema(ctx, resource.SchemaRequest{}, &schemaResp)
	timeoutsType := longTermTokenTypes().attributes["timeouts"]
	timeoutsSet, err := timeoutsType.ValueFromTerraform(ctx, tftypes.NewValue(timeoutsType.TerraformType(ctx), map[string]tftypes.Value{
		"create": tftypes.NewValue(tftypes.String, "1m"), "update": tftypes.NewValue(tftypes.String, nil), "delete": tftypes.NewValue(tftypes.String, "3m"),
	}))
	timeoutsValue, ok := timeoutsSet.(timeouts.Value)
	if err != nil || !ok {
		t.Fatalf("timeouts decode as %T: %v", timeoutsSet, err)
	}
	str := types.StringValue
	full := longTermTokenModel{
		ID: str("lt_1"), TokenID: str("lt_1"), Token: str("ltk_secret"), TokenType: str("Bearer"), ClientID: str("ci"),
		Name: str("deploy"), Scopes: types.SetValueMust(types.StringType, []attr.Value{str("a:read"), str("b:write")}),
		TTLDays: types.Int64Value(30), RotateBeforeDays: types.Int64Value(7), GracePeriodSeconds: types.Int64Value(60),
		RotationTriggers: types.MapValueMust(types.StringType, map[string]attr.Value{"v": str("1")}), DetectRevocation: types.BoolValue(true),
		IssuedAt: str("2026-01-01T00:00:00Z"), ExpiresAt: str("2026-01-31T00:00:00Z"), RotatedFrom: str("lt_0"),
		PreviousTokenExpiresAt: str("2026-01-01T00:01:00Z"), Timeouts: timeoutsValue,
	}
	fields := reflect.ValueOf(full)
	field := func(i int) attr.Value {
		v, ok := fields.Field(i).Interface().(attr.Value)
		if !ok {
			t.Fatalf("field %s is no attr.Value", fields.Type().Field(i).Name)
		}
		return v
	}
	for i := range fields.NumField() {
		if v := field(i); v.IsNull() || v.IsUnknown() {
			t.Fatalf("the fixture leaves %s unset: set every attribute, so that modelFromRaw is checked for it", fields.Type().Field(i).Name)
		}
	}
	var null, unknown longTermTokenModel
	nullFields, unknownFields := reflect.ValueOf(&null).Elem(), reflect.ValueOf(&unknown).Elem()
	for i := range fields.NumField() {
		typ := field(i).Type(ctx)
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
		written := tfsdk.State{Schema: schemaResp.Schema}
		if diags := writeModel(ctx, &written.Raw, model); diags.HasError() {
			t.Fatalf("%s: %v", name, diags)
		}
		if !written.Raw.Equal(state.Raw) {
			t.Errorf("%s: writeModel wrote %s, Set wrote %s", name, written.Raw, state.Raw)
		}
		var viaGet longTermTokenModel
		if diags := state.Get(ctx, &viaGet); diags.HasError() {
			t.Fatalf("%s: %v", name, diags)
		}
		got, diags := modelFromRaw(ctx, written.Raw)
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

// A zero model (no field set, so no collection has an element type, which tfsdk's Set
// refuses) encodes as every attribute null; a value of the wrong type is an error, not a
// panic.
func TestWriteModelZeroAndWrongTypes(t *testing.T) {
	ctx := context.Background()
	var schemaResp resource.SchemaResponse
	NewLongTermTokenResource().Schema(ctx, resource.SchemaRequest{}, &schemaResp)
	written := tfsdk.State{Schema: schemaResp.Schema}
	if diags := writeModel(ctx, &written.Raw, longTermTokenModel{}); diags.HasError() {
		t.Fatal(diags)
	}
	object, ok := schemaResp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("the schema's type is no object")
	}
	nulls := map[string]tftypes.Value{}
	for name, typ := range object.AttributeTypes {
		nulls[name] = tftypes.NewValue(typ, nil)
	}
	if want := tftypes.NewValue(object, nulls); !written.Raw.Equal(want) {
		t.Errorf("writeModel wrote %s, want every attribute null", written.Raw)
	}
	wrong := longTermTokenModel{Scopes: types.SetValueMust(types.Int64Type, []attr.Value{types.Int64Value(1)})}
	if diags := writeModel(ctx, &written.Raw, wrong); !diags.HasError() {
		t.Error("writeModel wrote a set of numbers as scopes without an error")
	}
}
