package provider

import (
	"math/big"

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
