package provider

import (
	"testing"

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
