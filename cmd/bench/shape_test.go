//go:build linux

package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"

	"github.com/example/terraform-provider-auth/internal/provider"
)

// The auth shape control stands for an auth_long_term_token instance only while it has
// the same attributes, and the same sensitive ones, as the resource's schema.
func TestAuthShapeMirrorsTheSchema(t *testing.T) {
	ctx := context.Background()
	s := longTermTokenSchema(t, ctx)
	var wantNames, wantSensitive, gotNames, gotSensitive []string
	for name, a := range s.Attributes {
		wantNames = append(wantNames, name)
		if a.IsSensitive() {
			wantSensitive = append(wantSensitive, name)
		}
	}
	for name := range s.Blocks {
		wantNames = append(wantNames, name)
	}
	for _, a := range authShape {
		gotNames = append(gotNames, a.name)
		if strings.HasPrefix(a.expression, "sensitive(") {
			gotSensitive = append(gotSensitive, a.name)
		}
	}
	for _, l := range [][]string{wantNames, wantSensitive, gotNames, gotSensitive} {
		slices.Sort(l)
	}
	if !slices.Equal(gotNames, wantNames) {
		t.Errorf("authShape has attributes %v; the schema has %v", gotNames, wantNames)
	}
	if !slices.Equal(gotSensitive, wantSensitive) {
		t.Errorf("authShape marks %v sensitive; the schema marks %v", gotSensitive, wantSensitive)
	}
}

func TestShapeKindConfig(t *testing.T) {
	config := shapeKind("shape-test", shape{{"a", `"x"`}, {"b", `sensitive("y")`}}).config(3)
	for _, want := range []string{"count = 3\n", `    a = "x"` + "\n", `    b = sensitive("y")` + "\n", `variable "generation"`} {
		if !strings.Contains(config, want) {
			t.Errorf("config lacks %q:\n%s", want, config)
		}
	}
}

func longTermTokenSchema(t *testing.T, ctx context.Context) schema.Schema {
	t.Helper()
	factory, _ := provider.New("test")
	p := factory()
	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var md resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "auth"}, &md)
		if md.TypeName != "auth_long_term_token" {
			continue
		}
		var resp resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &resp)
		if resp.Diagnostics.HasError() {
			t.Fatalf("schema: %v", resp.Diagnostics)
		}
		return resp.Schema
	}
	t.Fatal("the provider has no auth_long_term_token resource")
	return schema.Schema{}
}
