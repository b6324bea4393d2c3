package provider

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// FuzzTokenClaims runs provider::auth::token_claims on any string: it never panics, a
// value it cannot decode is an argument error that never quotes the value, and a decoded
// token yields an object whose scopes are the scope claim's words.
func FuzzTokenClaims(f *testing.F) {
	header := `{"alg":"ES256","typ":"JWT"}`
	for _, s := range []string{
		fuzzJWT(header, `{"iss":"auth-local","sub":"ci","aud":"api.example.com","scope":"tokens:write deploy:read","jti":"st_ABCDEFGHIJKLMNOP","ptid":"lt_ABCDEFGHIJKLMNOP","iat":1767268800,"exp":1767269700}`),
		fuzzJWT(header, `{"aud":["a","b"],"scope":"","iat":1.5}`),
		fuzzJWT(header, `{"aud":7}`),
		fuzzJWT(header, `{"scope":["x"]}`),
		fuzzJWT(header, `{"exp":"tomorrow"}`),
		fuzzJWT(header, `{"exp":1e300,"iat":-1e300}`),
		fuzzJWT(header, `null`),
		fuzzJWT(`{"alg":"none"}`, `{}`),
		fuzzJWT(`[]`, `{}`),
		"", " ", "a.b.c", "..", "ltk_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG", "eyJ.eyJ.", "a.b.c.d", "\xff.\xfe.\xfd",
	} {
		f.Add(s)
	}
	fn := &tokenClaimsFunction{}
	f.Fuzz(func(t *testing.T, token string) {
		ctx := context.Background()
		resp := &function.RunResponse{Result: function.NewResultData(types.ObjectUnknown(tokenClaimsAttrTypes))}
		fn.Run(ctx, function.RunRequest{Arguments: function.NewArgumentsData([]attr.Value{types.StringValue(token)})}, resp)

		claims, err := decodeTokenClaims(token)
		if err != nil {
			if resp.Error == nil {
				t.Fatalf("decodeTokenClaims failed (%v) but the function returned a value", err)
			}
			if resp.Error.FunctionArgument == nil || *resp.Error.FunctionArgument != 0 {
				t.Fatalf("error %q does not name the token argument", resp.Error.Text)
			}
			if !slices.Contains(tokenClaimsErrors, err.Error()) {
				t.Fatalf("unexpected error text %q: every error is one of a fixed few, so none can quote the value", err)
			}
			return
		}
		if resp.Error != nil {
			t.Fatalf("decoded claims, but the function failed: %s", resp.Error.Text)
		}
		result, ok := resp.Result.Value().(types.Object)
		if !ok || result.IsUnknown() || result.IsNull() {
			t.Fatalf("result is %v", resp.Result.Value())
		}
		scopes, ok := result.Attributes()["scopes"].(types.List)
		if !ok {
			t.Fatalf("scopes is %T", result.Attributes()["scopes"])
		}
		var got []string
		if diags := scopes.ElementsAs(ctx, &got, false); diags.HasError() {
			t.Fatal(diags)
		}
		if want := strings.Fields(claims.Scope); !slices.Equal(got, want) {
			t.Fatalf("scopes %q, want %q", got, want)
		}
		if claims.ExpiresAt != nil {
			exp, ok := result.Attributes()["expires_at"].(types.String)
			if want := claims.ExpiresAt.UTC().Format(time.RFC3339); !ok || exp.ValueString() != want {
				t.Fatalf("expires_at %q, want %q", exp, want)
			}
		}
	})
}

// tokenClaimsErrors are every message decodeTokenClaims can return.
var tokenClaimsErrors = func() []string {
	var out []string
	for _, bad := range []string{"", "x", "a.b.c"} {
		_, err := decodeTokenClaims(bad)
		out = append(out, err.Error())
	}
	return out
}()
