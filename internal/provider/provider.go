// Package provider implements the auth Terraform provider: long-term tokens as a resource,
// short-term tokens as an ephemeral resource, and the token_claims function.
package provider

import (
	"context"
	"net/http"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

var (
	_ provider.Provider                       = (*authProvider)(nil)
	_ provider.ProviderWithConfigValidators   = (*authProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*authProvider)(nil)
	_ provider.ProviderWithFunctions          = (*authProvider)(nil)
	_ provider.ProviderWithActions            = (*authProvider)(nil)
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

// providerModel is the provider block. Its step-up arguments are read by the names in
// authclient.Mechanisms, so that a new mechanism adds no field here.
type providerModel struct {
	Endpoint       types.String
	ClientID       types.String
	LongTermToken  types.String
	MaxRetries     types.Int64
	RequestTimeout types.String
	CACertPEM      types.String
	// ExpiryWarningDays is how close to its expiry a token that nothing rotates first warns.
	ExpiryWarningDays types.Int64
	// StepUp holds the argument of every mechanism.
	StepUp map[*authclient.Mechanism]types.String
}

// readProviderModel reads the provider block attribute by attribute: a struct would have to
// name every step-up argument.
func readProviderModel(ctx context.Context, config tfsdk.Config) (providerModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	m := providerModel{StepUp: map[*authclient.Mechanism]types.String{}}
	for name, target := range map[string]any{
		"endpoint": &m.Endpoint, "client_id": &m.ClientID, "long_term_token": &m.LongTermToken,
		"max_retries": &m.MaxRetries, "request_timeout": &m.RequestTimeout, "ca_cert_pem": &m.CACertPEM,
		"expiry_warning_days": &m.ExpiryWarningDays,
	} {
		diags.Append(config.GetAttribute(ctx, path.Root(name), target)...)
	}
	for _, mechanism := range authclient.Mechanisms {
		var v types.String
		diags.Append(config.GetAttribute(ctx, path.Root(mechanism.Name), &v)...)
		m.StepUp[mechanism] = v
	}
	return m, diags
}

// secrets are the block's secret values, for masking.
func (m providerModel) secrets() []string {
	secrets := []string{m.LongTermToken.ValueString()}
	for _, v := range m.StepUp {
		secrets = append(secrets, v.ValueString())
	}
	return secrets
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
	attributes := map[string]schema.Attribute{
		"endpoint": schema.StringAttribute{
			MarkdownDescription: "Base URL of the Auth API (env `AUTH_ENDPOINT`), default `" + defaultEndpoint + "`. " +
				"`http://` is refused except for loopback hosts.",
			Optional:   true,
			Validators: []validator.String{endpointValidator{}},
		},
		"client_id": schema.StringAttribute{
			MarkdownDescription: "The client that tokens are issued to (env `AUTH_CLIENT_ID`). " +
				"With `access_token`, or `long_term_token` as the step-up, it may be omitted: the token's `sub` claim is used.",
			Optional:   true,
			Validators: []validator.String{stringvalidator.LengthBetween(1, 128)},
		},
		"long_term_token": schema.StringAttribute{
			MarkdownDescription: "Default long-term token for `auth_short_term_token` (env `AUTH_LONG_TERM_TOKEN`), " +
				"also used to revoke imported tokens whose secret is unknown. With no step-up mechanism set and scope " +
				"`tokens:write`, it is the step-up: the provider exchanges it for a short-term token just before it issues " +
				"or rotates a long-term token.",
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
		"expiry_warning_days": schema.Int64Attribute{
			MarkdownDescription: "A plan warns about an `auth_long_term_token` that expires within this many days, 0 to 365 " +
				"(default `14`), unless its `rotate_before_days` rotates it first; `0` turns the warnings off. " +
				"The warning names the token, its expiry and the fix.",
			Optional:   true,
			Validators: []validator.Int64{int64validator.Between(0, maxExpiryWarningDays)},
		},
	}
	for _, m := range authclient.Mechanisms {
		attributes[m.Name] = schema.StringAttribute{
			MarkdownDescription: m.Description + " Step-up mechanism for issuing and rotating long-term tokens; at most one may be set.",
			Optional:            true,
			Sensitive:           true,
			Validators:          stepUpValidators(m),
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Issues, rotates and revokes the API tokens of the Auth API. " +
			"Every argument is optional and falls back to the environment variable named in its description; " +
			"an argument set in configuration beats its environment variable.",
		Attributes: attributes,
	}
}

func (p *authProvider) ConfigValidators(context.Context) []provider.ConfigValidator {
	return []provider.ConfigValidator{oneStepUpValidator{}}
}

func (p *authProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	config, diags := readProviderModel(ctx, req.Config)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx = maskSecrets(ctx, config.secrets()...)
	data, diags := p.newProviderData(ctx, config)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.ResourceData = data
	resp.EphemeralResourceData = data
	resp.ActionData = data
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

// Actions need Terraform 1.14; older CLIs never ask for them.
func (p *authProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{
		NewRevokeTokenAction,
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
