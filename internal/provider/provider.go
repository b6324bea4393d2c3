// Package provider implements the auth Terraform provider: long-term tokens as a resource,
// short-term tokens as an ephemeral resource, and the token_claims function.
package provider

import (
	"context"
	"net/http"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ provider.Provider                       = (*authProvider)(nil)
	_ provider.ProviderWithConfigValidators   = (*authProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*authProvider)(nil)
	_ provider.ProviderWithFunctions          = (*authProvider)(nil)
)

// authProvider is the provider implementation. Its fields are the seams that tests control.
type authProvider struct {
	version string
	// now is the clock every rotation decision reads.
	now func() time.Time
	// unclosed records the ephemeral tokens opened and not yet closed; nil records none.
	unclosed *UnclosedTokens
	// transport, when set, carries every API request (tests wrap it to check the contract).
	transport http.RoundTripper
}

// providerModel maps the provider block.
type providerModel struct {
	Endpoint       types.String `tfsdk:"endpoint"`
	ClientID       types.String `tfsdk:"client_id"`
	ClientSecret   types.String `tfsdk:"client_secret"`
	OTPCode        types.String `tfsdk:"otp_code"`
	Assertion      types.String `tfsdk:"assertion"`
	PrivateKeyPEM  types.String `tfsdk:"private_key_pem"`
	AccessToken    types.String `tfsdk:"access_token"`
	LongTermToken  types.String `tfsdk:"long_term_token"`
	MaxRetries     types.Int64  `tfsdk:"max_retries"`
	RequestTimeout types.String `tfsdk:"request_timeout"`
	CACertPEM      types.String `tfsdk:"ca_cert_pem"`
}

// New returns the provider factory that main serves, and the record of the short-term
// tokens that Terraform opens and does not close, which main revokes when serving ends.
func New(version string) (func() provider.Provider, *UnclosedTokens) {
	unclosed := NewUnclosedTokens()
	return func() provider.Provider {
		return &authProvider{version: version, now: time.Now, unclosed: unclosed}
	}, unclosed
}

func (p *authProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "auth"
	resp.Version = p.version
}

func (p *authProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	stepUp := " Step-up mechanism for issuing and rotating long-term tokens; at most one may be set."
	resp.Schema = schema.Schema{
		MarkdownDescription: "Issues, rotates and revokes the API tokens of the Auth API. " +
			"Every argument is optional and falls back to the environment variable named in its description; " +
			"an argument set in configuration beats its environment variable.",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "Base URL of the Auth API (env `AUTH_ENDPOINT`), default `" + defaultEndpoint + "`. " +
					"`http://` is refused except for loopback hosts.",
				Optional:   true,
				Validators: []validator.String{endpointValidator{}},
			},
			"client_id": schema.StringAttribute{
				MarkdownDescription: "The client that tokens are issued to (env `AUTH_CLIENT_ID`). " +
					"With `access_token` it may be omitted: the token's `sub` claim is used.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthBetween(1, 128)},
			},
			"client_secret": schema.StringAttribute{
				MarkdownDescription: "The client's secret (env `AUTH_CLIENT_SECRET`), grant `client_credentials`." + stepUp,
				Optional:            true,
				Sensitive:           true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 512)},
			},
			"otp_code": schema.StringAttribute{
				MarkdownDescription: "A one-time code of 6 to 8 digits (env `AUTH_OTP_CODE`), grant `client_credentials`. " +
					"It works for a single issuance." + stepUp,
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{otpCodeValidator()},
			},
			"assertion": schema.StringAttribute{
				MarkdownDescription: "A pre-signed JWT assertion (env `AUTH_ASSERTION`), grant `assertion`." + stepUp,
				Optional:            true,
				Sensitive:           true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 8192)},
			},
			"private_key_pem": schema.StringAttribute{
				MarkdownDescription: "A PEM private key registered for the client (env `AUTH_PRIVATE_KEY_PEM`): " +
					"the provider signs a fresh assertion for every issuance (RSA → RS256, EC P-256 → ES256, Ed25519 → EdDSA)." + stepUp,
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{privateKeyValidator{}},
			},
			"access_token": schema.StringAttribute{
				MarkdownDescription: "A short-term token with scope `tokens:write` (env `AUTH_ACCESS_TOKEN`), grant `token_exchange`, " +
					"typically `ephemeral.auth_short_term_token.<name>.token`." + stepUp,
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"long_term_token": schema.StringAttribute{
				MarkdownDescription: "Default long-term token for `auth_short_term_token` (env `AUTH_LONG_TERM_TOKEN`), " +
					"also used to revoke imported tokens whose secret is unknown.",
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: "Retries of a failed request (env `AUTH_MAX_RETRIES`), default `4`, from 0 to 10. " +
					"Token issuance is retried only with the same `Idempotency-Key`.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, maxRetriesLimit)},
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: "Timeout of one HTTP attempt, a Go duration such as `\"30s\"` (default).",
				Optional:            true,
				Validators:          []validator.String{durationValidator{}},
			},
			"ca_cert_pem": schema.StringAttribute{
				MarkdownDescription: "Extra trusted CA certificate(s) in PEM for private endpoints (env `AUTH_CA_CERT_PEM`).",
				Optional:            true,
				Validators:          []validator.String{caCertValidator{}},
			},
		},
	}
}

func (p *authProvider) ConfigValidators(context.Context) []provider.ConfigValidator {
	return []provider.ConfigValidator{oneStepUpValidator{}}
}

func (p *authProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx = maskSecrets(ctx, config.ClientSecret.ValueString(), config.OTPCode.ValueString(), config.Assertion.ValueString(),
		config.PrivateKeyPEM.ValueString(), config.AccessToken.ValueString(), config.LongTermToken.ValueString())
	data, diags := p.newProviderData(ctx, config)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.ResourceData = data
	resp.EphemeralResourceData = data
}

func (p *authProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewLongTermTokenResource,
	}
}

func (p *authProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewShortTermTokenEphemeralResource,
	}
}

func (p *authProvider) Functions(context.Context) []func() function.Function {
	return []func() function.Function{
		NewTokenClaimsFunction,
	}
}

func (p *authProvider) DataSources(context.Context) []func() datasource.DataSource {
	return nil
}
