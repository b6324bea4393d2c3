package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

// providerData is what Configure hands to resources and ephemeral resources.
type providerData struct {
	// client is nil when a connection argument was unknown at plan time; apply always has it.
	client *authclient.Client
	// unknown lists the arguments that were unknown when the provider was configured.
	unknown []string

	clientID      string
	stepUp        authclient.StepUp
	longTermToken string
	// accessTokenExpiry is the exp claim of a configured access_token (zero: none).
	accessTokenExpiry time.Time
	// exchange steps up with longTermToken when no mechanism is configured (see issuance).
	exchange *justInTimeExchange
	now      func() time.Time
	// expiryWarning is how close to its expiry a token warns in a plan (0: never).
	expiryWarning time.Duration
	unclosed      *UnclosedTokens
	// secrets are masked in every log line of every entry point (see mask).
	secrets []string
}

// providerDataFrom is the Configure guard of every resource and ephemeral resource: nil
// before the provider is configured, an error for data of another type.
func providerDataFrom(raw any, diags *diag.Diagnostics) *providerData {
	if raw == nil {
		return nil
	}
	data, ok := raw.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. Please report this issue to the provider developers.", raw))
	}
	return data
}

// requireClient returns the API client, or explains which provider arguments were still
// unknown (Terraform configures the provider again with known values before applying).
func (d *providerData) requireClient() (*authclient.Client, diag.Diagnostics) {
	var diags diag.Diagnostics
	if d == nil {
		diags.AddError("Provider not configured", "The auth provider was not configured. Please report this issue to the provider developers.")
		return nil, diags
	}
	if d.client == nil {
		diags.AddError("Provider configuration not yet known",
			"The auth provider arguments "+strings.Join(d.unknown, ", ")+" depend on values known only after apply, "+
				"so the provider cannot reach the Auth API yet. Apply the resources they depend on first (terraform apply -target=...).")
		return nil, diags
	}
	return d.client, diags
}

// requireStepUp explains how to configure a step-up mechanism and a client id, when the
// provider has no credential to issue with (issuance returned nil).
func (d *providerData) requireStepUp(action string) diag.Diagnostics {
	var diags diag.Diagnostics
	if len(d.unknown) > 0 {
		diags.AddError("Provider configuration not yet known",
			"To "+action+", the auth provider needs "+strings.Join(d.unknown, ", ")+", which are not known yet.")
		return diags
	}
	if d.stepUp.Mechanism() == nil {
		lacks := ""
		if d.exchange != nil {
			lacks = " The provider's long_term_token does not hold scope tokens:write, so it cannot step up."
		}
		diags.AddError("No step-up mechanism configured",
			"To "+action+", configure exactly one of the provider arguments "+oneOf(stepUpArguments())+
				" (or the environment variables "+strings.Join(stepUpVariables(), ", ")+"), or a long_term_token "+
				"with scope tokens:write, which the provider exchanges for a short-term token just in time."+lacks)
		return diags
	}
	if d.clientID == "" {
		diags.AddError("No client_id configured",
			"To "+action+", set the provider argument client_id or the environment variable AUTH_CLIENT_ID.")
	}
	return diags
}

// mask returns ctx with the provider's secrets, and extra ones, masked in tflog output.
func (d *providerData) mask(ctx context.Context, extra ...string) context.Context {
	return maskSecrets(ctx, append(extra, d.secrets...)...)
}

// maskSecrets keeps secrets out of every provider log line from here on.
func maskSecrets(ctx context.Context, secrets ...string) context.Context {
	nonEmpty := slices.DeleteFunc(slices.Clone(secrets), func(s string) bool { return s == "" }) // masking "" would mangle every line
	if len(nonEmpty) == 0 {
		return ctx
	}
	ctx = tflog.MaskAllFieldValuesStrings(ctx, nonEmpty...)
	return tflog.MaskMessageStrings(ctx, nonEmpty...)
}

// revokeCredential is the provider's credential for revoking a token by id: its
// long_term_token, else its access_token; the name says which, for error messages.
func (d *providerData) revokeCredential() (bearer, name string) {
	if d.longTermToken != "" {
		return d.longTermToken, "the provider's long_term_token"
	}
	if d.stepUp.AccessToken != "" {
		return d.stepUp.AccessToken, "the provider's access_token"
	}
	return "", ""
}

// cleanupBudget bounds the retries of a cleanup revocation (cleanupContext); each attempt is
// bounded by request_timeout.
const cleanupBudget = 5 * time.Second

// cleanupContext is for a revocation that only ends a token this operation obtained: it
// still runs after Terraform stopped the provider or the operation's timeout passed, since
// it mints nothing and the token would otherwise stay active until it expires.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), cleanupBudget)
}
