package main

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

var _ provider.Provider = (*twinProvider)(nil)

type twinProvider struct{}

func newProvider() provider.Provider { return &twinProvider{} }

func (*twinProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "twin"
	resp.Version = "bench"
}

// Schema has the auth provider's arguments (names, types, optional, sensitive): the same
// provider block costs Terraform the same. Their validators are the auth provider's own
// checks, so they are not copied.
func (*twinProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	optional := func(sensitive bool) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: "Ignored.", Optional: true, Sensitive: sensitive}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The bench's zero-work twin of the auth provider.",
		Attributes: map[string]schema.Attribute{
			"endpoint":            optional(false),
			"client_id":           optional(false),
			"long_term_token":     optional(true),
			"max_retries":         schema.Int64Attribute{MarkdownDescription: "Ignored.", Optional: true},
			"request_timeout":     optional(false),
			"ca_cert_pem":         optional(false),
			"expiry_warning_days": schema.Int64Attribute{MarkdownDescription: "Ignored.", Optional: true},
			"client_secret":       optional(true),
			"otp_code":            optional(true),
			"assertion":           optional(true),
			"private_key_pem":     optional(true),
			"access_token":        optional(true),
		},
	}
}

// Configure ignores the block: the twin reaches nothing.
func (*twinProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (*twinProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{newLongTermToken}
}

func (*twinProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }
