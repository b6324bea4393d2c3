package provider

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

// Configuration resolution: each argument is its configuration value, else its AUTH_*
// variable, else its default; the step-up mechanism follows the rules of resolveStepUp.

const (
	defaultEndpoint       = "https://api.example.com/v1"
	defaultMaxRetries     = 4
	defaultRequestTimeout = 30 * time.Second
	maxRetriesLimit       = 10
)

// stepUpAttributes are the provider arguments that each select a step-up mechanism.
var stepUpAttributes = []string{"client_secret", "otp_code", "assertion", "private_key_pem", "access_token"}

// setting resolves one argument: configuration beats the environment variable.
type setting struct {
	value   string
	known   bool
	fromEnv bool
}

func resolve(v types.String, env string) setting {
	switch {
	case v.IsUnknown():
		return setting{known: false}
	case !v.IsNull():
		return setting{value: v.ValueString(), known: true}
	}
	if env == "" {
		return setting{known: true}
	}
	value := os.Getenv(env)
	return setting{value: value, known: true, fromEnv: value != ""}
}

// source names where a value came from, for error messages.
func (s setting) source(attr, env string) string {
	if s.fromEnv {
		return "environment variable " + env
	}
	return "argument " + attr
}

func (p *authProvider) newProviderData(ctx context.Context, config providerModel) (*providerData, diag.Diagnostics) {
	var diags diag.Diagnostics
	data := &providerData{now: p.now, unclosed: p.unclosed}

	endpoint := resolve(config.Endpoint, "AUTH_ENDPOINT")
	timeout := resolve(config.RequestTimeout, "")
	caCert := resolve(config.CACertPEM, "AUTH_CA_CERT_PEM")
	clientID := resolve(config.ClientID, "AUTH_CLIENT_ID")
	longTerm := resolve(config.LongTermToken, "AUTH_LONG_TERM_TOKEN")

	for _, s := range []struct {
		name string
		setting
	}{{"endpoint", endpoint}, {"request_timeout", timeout}, {"ca_cert_pem", caCert}, {"client_id", clientID}, {"long_term_token", longTerm}} {
		if !s.known {
			data.unknown = append(data.unknown, s.name)
		}
	}
	data.longTermToken = longTerm.value
	data.clientID = clientID.value

	if endpoint.value == "" {
		endpoint.value = defaultEndpoint
	}
	if err := checkEndpoint(endpoint.value); endpoint.known && err != nil {
		diags.AddAttributeError(path.Root("endpoint"), "Invalid endpoint", "The "+endpoint.source("endpoint", "AUTH_ENDPOINT")+": "+err.Error())
	}
	requestTimeout := defaultRequestTimeout
	if timeout.known && timeout.value != "" {
		d, err := checkRequestTimeout(timeout.value)
		if err != nil {
			diags.AddAttributeError(path.Root("request_timeout"), "Invalid request_timeout", err.Error())
		}
		requestTimeout = d
	}
	if caCert.known && caCert.value != "" {
		if err := checkCACertPEM(caCert.value); err != nil {
			diags.AddAttributeError(path.Root("ca_cert_pem"), "Invalid ca_cert_pem", "The "+caCert.source("ca_cert_pem", "AUTH_CA_CERT_PEM")+": "+err.Error())
		}
	}
	maxRetries, retriesKnown := p.resolveMaxRetries(config.MaxRetries, &diags)
	if !retriesKnown {
		data.unknown = append(data.unknown, "max_retries")
	}

	stepUp, stepUpDiags := resolveStepUp(config)
	diags.Append(stepUpDiags...)
	data.stepUp = stepUp.StepUp
	data.unknown = append(data.unknown, stepUp.unknown...)
	data.secrets = append(stepUp.secrets, longTerm.value)

	if data.clientID == "" && stepUp.AccessToken != "" {
		data.clientID = stepUp.subject
	}
	if clientID.known && clientID.value != "" && stepUp.subject != "" && stepUp.subject != clientID.value {
		diags.AddAttributeError(path.Root("access_token"), "access_token belongs to another client",
			fmt.Sprintf("The access token's subject is %q but client_id is %q. Remove client_id, or use a token issued to that client.", stepUp.subject, clientID.value))
	}
	if diags.HasError() {
		return nil, diags
	}

	tflog.Debug(ctx, "auth provider configured", map[string]any{
		"endpoint": endpoint.value, "client_id": data.clientID, "mechanism": data.stepUp.Mechanism(), "unknown": data.unknown,
	})
	if endpoint.known && timeout.known && caCert.known && retriesKnown {
		client, err := authclient.New(authclient.Config{
			Endpoint:       endpoint.value,
			MaxRetries:     maxRetries,
			RequestTimeout: requestTimeout,
			CACertPEM:      caCert.value,
			UserAgent:      "terraform-provider-auth/" + p.version,
			Clock:          p.now,
			Transport:      p.transport,
		})
		if err != nil {
			diags.AddAttributeError(path.Root("endpoint"), "Cannot create the Auth API client", err.Error())
			return nil, diags
		}
		data.client = client
	}
	return data, diags
}

func (p *authProvider) resolveMaxRetries(v types.Int64, diags *diag.Diagnostics) (int, bool) {
	switch {
	case v.IsUnknown():
		return 0, false
	case !v.IsNull():
		return int(v.ValueInt64()), true
	}
	raw := os.Getenv("AUTH_MAX_RETRIES")
	if raw == "" {
		return defaultMaxRetries, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || n < 0 || n > maxRetriesLimit {
		diags.AddAttributeError(path.Root("max_retries"), "Invalid max_retries",
			fmt.Sprintf("The environment variable AUTH_MAX_RETRIES is %q; set a whole number from 0 to %d.", raw, maxRetriesLimit))
		return 0, true
	}
	return n, true
}

// resolvedStepUp is the chosen mechanism plus what Configure learnt about it.
type resolvedStepUp struct {
	authclient.StepUp
	unknown []string
	subject string   // the access token's sub claim
	secrets []string // the mechanism's secret text, for masking
}

// resolveStepUp picks the step-up mechanism. Mechanisms in configuration take precedence
// over all mechanism environment variables, so that an aliased provider configured with
// access_token works beside AUTH_CLIENT_SECRET set for the default one.
func resolveStepUp(config providerModel) (resolvedStepUp, diag.Diagnostics) {
	var diags diag.Diagnostics
	var out resolvedStepUp
	configured := map[string]types.String{
		"client_secret":   config.ClientSecret,
		"otp_code":        config.OTPCode,
		"assertion":       config.Assertion,
		"private_key_pem": config.PrivateKeyPEM,
		"access_token":    config.AccessToken,
	}
	envNames := map[string]string{ //nolint:gosec // G101: names of environment variables, not credentials
		"client_secret":   "AUTH_CLIENT_SECRET",
		"otp_code":        "AUTH_OTP_CODE",
		"assertion":       "AUTH_ASSERTION",
		"private_key_pem": "AUTH_PRIVATE_KEY_PEM",
		"access_token":    "AUTH_ACCESS_TOKEN",
	}
	values := map[string]string{}
	fromEnv := true
	for _, name := range stepUpAttributes {
		v := configured[name]
		if v.IsUnknown() {
			out.unknown = append(out.unknown, name)
			fromEnv = false
		} else if !v.IsNull() {
			values[name] = v.ValueString()
			fromEnv = false
		}
	}
	if fromEnv {
		for _, name := range stepUpAttributes {
			if v := os.Getenv(envNames[name]); v != "" {
				values[name] = v
			}
		}
	}
	if len(values) > 1 {
		var set []string
		for _, name := range stepUpAttributes {
			if _, ok := values[name]; ok {
				set = append(set, envNames[name])
			}
		}
		diags.AddError("Conflicting step-up mechanisms",
			"At most one step-up mechanism may be set, but the environment sets "+strings.Join(set, ", ")+". Unset all but one.")
		return out, diags
	}
	for _, name := range stepUpAttributes {
		if v, ok := values[name]; ok {
			out.secrets = append(out.secrets, v)
		}
	}

	// from names where a bad value came from: configuration shows itself, a variable does not.
	from := func(name string) string {
		if fromEnv {
			return "The environment variable " + envNames[name] + ": "
		}
		return ""
	}
	out.ClientSecret = values["client_secret"]
	out.OTPCode = values["otp_code"]
	if out.OTPCode != "" && !otpCodePattern.MatchString(out.OTPCode) {
		diags.AddAttributeError(path.Root("otp_code"), "Invalid otp_code", from("otp_code")+"The one-time code must be 6 to 8 digits.")
	}
	out.Assertion = values["assertion"]
	if pemText := values["private_key_pem"]; pemText != "" {
		key, err := authclient.ParsePrivateKeyPEM(pemText)
		if err != nil {
			diags.AddAttributeError(path.Root("private_key_pem"), "Invalid private_key_pem", from("private_key_pem")+err.Error())
		}
		out.PrivateKey = key
	}
	if token := values["access_token"]; token != "" {
		out.AccessToken = token
		claims := jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
			diags.AddAttributeError(path.Root("access_token"), "Invalid access_token", from("access_token")+
				"The access token is not a JWT short-term token; use the token of an auth_short_term_token with scope tokens:write.")
		} else {
			out.subject, _ = claims.GetSubject()
		}
	}
	return out, diags
}
