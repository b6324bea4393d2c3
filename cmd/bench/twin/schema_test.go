package main

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	authprovider "github.com/example/terraform-provider-auth/internal/provider"
)

// The twin is the auth provider's floor only while twin_long_term_token has the schema of
// auth_long_term_token (every attribute's type, flags, default, validators and the
// timeouts), the same identity, and a provider block with the same arguments.
func TestTwinSchemaMirrorsAuth(t *testing.T) {
	ctx := context.Background()
	authFactory, _ := authprovider.New("test")
	auth, twin := authFactory(), newProvider()

	authRes, twinRes := findResource(t, ctx, auth, "auth", "auth_long_term_token"), findResource(t, ctx, twin, "twin", "twin_long_term_token")
	for _, d := range compare(describeResource(ctx, authRes), describeResource(ctx, twinRes)) {
		t.Error("twin_long_term_token: " + d)
	}

	var authSchema, twinSchema provider.SchemaResponse
	auth.Schema(ctx, provider.SchemaRequest{}, &authSchema)
	twin.Schema(ctx, provider.SchemaRequest{}, &twinSchema)
	for _, d := range compare(describeAttributes(ctx, "", authSchema.Schema.Attributes, false), describeAttributes(ctx, "", twinSchema.Schema.Attributes, false)) {
		t.Error("twin provider block: " + d)
	}
}

// The twin has no logic of its own: none of the hooks through which a provider plans or
// validates beyond the framework.
func TestTwinHasNoPlanOrValidationHooks(t *testing.T) {
	r := newLongTermToken()
	for name, implements := range map[string]bool{
		"ModifyPlan":       is[resource.ResourceWithModifyPlan](r),
		"ValidateConfig":   is[resource.ResourceWithValidateConfig](r),
		"ConfigValidators": is[resource.ResourceWithConfigValidators](r),
		"UpgradeState":     is[resource.ResourceWithUpgradeState](r),
		"Configure":        is[resource.ResourceWithConfigure](r),
	} {
		if implements {
			t.Errorf("twin_long_term_token implements %s", name)
		}
	}
	p := newProvider()
	if is[provider.ProviderWithConfigValidators](p) || is[provider.ProviderWithValidateConfig](p) {
		t.Error("the twin provider validates its configuration")
	}
}

// The comparison fails when either side lacks an attribute, or has one the other lacks.
func TestCompareFindsAMissingAttribute(t *testing.T) {
	ctx := context.Background()
	full := describeResource(ctx, newLongTermToken())
	for key := range full {
		if !strings.HasPrefix(key, "attribute ttl_days ") {
			continue
		}
		less := maps.Clone(full)
		delete(less, key)
		if d := compare(full, less); len(d) != 1 || !strings.Contains(d[0], "ttl_days") {
			t.Errorf("without %s on the twin's side: %q", key, d)
		}
		if d := compare(less, full); len(d) != 1 || !strings.Contains(d[0], "ttl_days") {
			t.Errorf("without %s on the auth side: %q", key, d)
		}
	}
	if len(compare(full, full)) != 0 {
		t.Error("a schema differs from itself")
	}
}

func is[T any](v any) bool { _, ok := v.(T); return ok }

func findResource(t *testing.T, ctx context.Context, p provider.Provider, providerType, typeName string) resource.Resource {
	t.Helper()
	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var md resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: providerType}, &md)
		if md.TypeName == typeName {
			return r
		}
	}
	t.Fatalf("no resource %s", typeName)
	return nil
}

// describeResource flattens what Terraform and the framework see of a resource into
// "what → value" entries: every attribute property, the identity and its behaviour.
func describeResource(ctx context.Context, r resource.Resource) map[string]string {
	var md resource.MetadataResponse
	r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "x"}, &md)
	var s resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &s)
	out := describeAttributes(ctx, "", s.Schema.Attributes, true)
	for name := range s.Schema.Blocks {
		out["block "+name] = "present"
	}
	out["behaviour"] = fmt.Sprintf("%+v", md.ResourceBehavior)
	if ri, ok := r.(resource.ResourceWithIdentity); ok {
		var id resource.IdentitySchemaResponse
		ri.IdentitySchema(ctx, resource.IdentitySchemaRequest{}, &id)
		for name, a := range id.IdentitySchema.Attributes {
			out["identity "+name] = fmt.Sprintf("%s required=%t optional=%t", a.GetType(), a.IsRequiredForImport(), a.IsOptionalForImport())
		}
	}
	return out
}

// flagged is what every framework schema attribute tells.
type flagged interface {
	GetType() attr.Type
	IsRequired() bool
	IsOptional() bool
	IsComputed() bool
	IsSensitive() bool
	IsWriteOnly() bool
	GetDeprecationMessage() string
}

type describer interface{ Description(context.Context) string }

// describe is a default's, validator's or plan modifier's description (each has one).
func describe(ctx context.Context, v any) string {
	if d, ok := v.(describer); ok {
		return d.Description(ctx)
	}
	return fmt.Sprintf("%T without a description", v)
}

// describeAttributes describes attributes by type and flags, and with full, also by default,
// validators, plan modifiers and nested attributes (read by field name, which every
// framework attribute type uses).
func describeAttributes(ctx context.Context, prefix string, attributes any, full bool) map[string]string {
	out := map[string]string{}
	for it := reflect.ValueOf(attributes).MapRange(); it.Next(); {
		name, a := it.Key().String(), it.Value().Interface()
		key := "attribute " + prefix + name + " "
		f, ok := a.(flagged)
		if !ok {
			out[key+"kind"] = fmt.Sprintf("%T", a)
			continue
		}
		out[key+"type"] = f.GetType().String()
		out[key+"flags"] = fmt.Sprintf("required=%t optional=%t computed=%t sensitive=%t write_only=%t deprecated=%q",
			f.IsRequired(), f.IsOptional(), f.IsComputed(), f.IsSensitive(), f.IsWriteOnly(), f.GetDeprecationMessage())
		if !full {
			continue
		}
		v := reflect.ValueOf(a)
		if d := v.FieldByName("Default"); d.IsValid() && !d.IsNil() {
			out[key+"default"] = fmt.Sprintf("%#v: %s", d.Interface(), describe(ctx, d.Interface()))
		}
		for _, field := range []string{"Validators", "PlanModifiers"} {
			if list := v.FieldByName(field); list.IsValid() {
				var descriptions []string
				for i := range list.Len() {
					descriptions = append(descriptions, describe(ctx, list.Index(i).Interface()))
				}
				out[key+strings.ToLower(field)] = strings.Join(descriptions, "; ")
			}
		}
		if nested := v.FieldByName("Attributes"); nested.IsValid() {
			maps.Copy(out, describeAttributes(ctx, prefix+name+".", nested.Interface(), full))
		}
	}
	return out
}

// compare lists every entry that differs or that one side lacks, in order.
func compare(auth, twin map[string]string) []string {
	var diffs []string
	keys := maps.Clone(auth)
	maps.Copy(keys, twin)
	for _, key := range slices.Sorted(maps.Keys(keys)) {
		a, inAuth := auth[key]
		w, inTwin := twin[key]
		switch {
		case !inTwin:
			diffs = append(diffs, fmt.Sprintf("%s: auth has %q, the twin nothing", key, a))
		case !inAuth:
			diffs = append(diffs, fmt.Sprintf("%s: the twin has %q, auth nothing", key, w))
		case a != w:
			diffs = append(diffs, fmt.Sprintf("%s: auth %q, twin %q", key, a, w))
		}
	}
	return diffs
}
