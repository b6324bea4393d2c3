package provider

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ function.Function = (*tokenClaimsFunction)(nil)

// NewTokenClaimsFunction is provider::auth::token_claims.
func NewTokenClaimsFunction() function.Function {
	return &tokenClaimsFunction{}
}

type tokenClaimsFunction struct{}

var tokenClaimsAttrTypes = map[string]attr.Type{
	"issuer":          types.StringType,
	"subject":         types.StringType,
	"audience":        types.StringType,
	"scopes":          types.ListType{ElemType: types.StringType},
	"token_id":        types.StringType,
	"parent_token_id": types.StringType,
	"issued_at":       types.StringType,
	"expires_at":      types.StringType,
}

func (f *tokenClaimsFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "token_claims"
}

func (f *tokenClaimsFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Decode the claims of a short-term token",
		MarkdownDescription: "Decodes a short-term token's claims **without verifying its signature**: use it to read " +
			"`scopes`, `expires_at` and the like, never to decide whether to trust a token. " +
			"Returns an object with `issuer`, `subject`, `audience`, `scopes` (list), `token_id`, `parent_token_id`, " +
			"`issued_at` and `expires_at` (RFC 3339). A value that is not a JWT is an error.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "token",
				MarkdownDescription: "A short-term token (a JWT), such as `ephemeral.auth_short_term_token.x.token`.",
			},
		},
		Return: function.ObjectReturn{AttributeTypes: tokenClaimsAttrTypes},
	}
}

func (f *tokenClaimsFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var token string
	resp.Error = function.ConcatFuncErrors(resp.Error, req.Arguments.Get(ctx, &token))
	if resp.Error != nil {
		return
	}
	claims, err := decodeTokenClaims(token)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, err.Error())
		return
	}
	scopes, diags := types.ListValueFrom(ctx, types.StringType, claims.scopes)
	if diags.HasError() {
		resp.Error = function.FuncErrorFromDiags(ctx, diags)
		return
	}
	result, diags := types.ObjectValue(tokenClaimsAttrTypes, map[string]attr.Value{
		"issuer":          types.StringValue(claims.Issuer),
		"subject":         types.StringValue(claims.Subject),
		"audience":        types.StringValue(strings.Join(claims.Audience, " ")),
		"scopes":          scopes,
		"token_id":        types.StringValue(claims.ID),
		"parent_token_id": types.StringValue(claims.ParentTokenID),
		"issued_at":       rfc3339Claim(claims.IssuedAt),
		"expires_at":      rfc3339Claim(claims.ExpiresAt),
	})
	if diags.HasError() {
		resp.Error = function.FuncErrorFromDiags(ctx, diags)
		return
	}
	resp.Error = function.ConcatFuncErrors(resp.Error, resp.Result.Set(ctx, result))
}

// shortTermClaims are the claims the contract puts in a short-term token.
type shortTermClaims struct {
	jwt.RegisteredClaims
	Scope         string `json:"scope"`
	ParentTokenID string `json:"ptid"`
	scopes        []string
}

// decodeTokenClaims reads a JWT's claims without verifying it. Its errors never quote the token.
func decodeTokenClaims(token string) (*shortTermClaims, error) {
	token = strings.TrimSpace(token)
	switch {
	case token == "":
		return nil, errors.New("the token is empty; pass a short-term token (a JWT), such as ephemeral.auth_short_term_token.x.token")
	case strings.Count(token, ".") != 2:
		return nil, errors.New("the value is not a JWT (a short-term token has three dot-separated parts); " +
			"a long-term token is opaque and has no claims to decode")
	}
	claims := &shortTermClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		return nil, errors.New("the value is not a decodable JWT: its header or claims are not valid base64url JSON")
	}
	claims.scopes = strings.Fields(claims.Scope)
	if claims.scopes == nil {
		claims.scopes = []string{}
	}
	return claims, nil
}

func rfc3339Claim(t *jwt.NumericDate) types.String {
	if t == nil {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}
