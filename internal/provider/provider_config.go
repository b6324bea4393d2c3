package provider

import (
	"context"
	"errors"
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
	// defaultExpiryWarningDays and maxExpiryWarningDays bound expiry_warning_days; the
	// longest token lives 365 days.
	defaultExpiryWarningDays = 14
	maxExpiryWarningDays     = 365
)

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

// newProviderData resolves the provider block into what resources and ephemeral resources
// use; secrets are masked in ctx already.
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
	data.expiryWarning = expiryWarning(config.ExpiryWarningDays)

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
	maxRetries, retriesKnown := resolveMaxRetries(config.MaxRetries, &diags)
	if !retriesKnown {
		data.unknown = append(data.unknown, "max_retries")
	}

	stepUp, stepUpDiags := resolveStepUp(config.StepUp)
	diags.Append(stepUpDiags...)
	data.stepUp = stepUp.StepUp
	data.unknown = append(data.unknown, stepUp.unknown...)
	data.secrets = append(stepUp.secrets, longTerm.value)

	if data.clientID == "" && stepUp.AccessToken != "" {
		data.clientID = stepUp.subject
	}
	data.accessTokenExpiry = stepUp.expiry
	if data.stepUp.Mechanism() == nil && len(stepUp.unknown) == 0 && data.longTermToken != "" {
		data.exchange = &justInTimeExchange{longTermToken: data.longTermToken, clientID: data.clientID, now: p.now, unclosed: p.unclosed}
	}
	if clientID.known && clientID.value != "" && stepUp.subject != "" && stepUp.subject != clientID.value {
		diags.AddAttributeError(path.Root("access_token"), "access_token belongs to another client",
			fmt.Sprintf("The access token's subject is %q but client_id is %q. Remove client_id, or use a token issued to that client.", stepUp.subject, clientID.value))
	}
	if diags.HasError() {
		return nil, diags
	}

	tflog.Debug(ctx, "auth provider configured", map[string]any{
		"endpoint": endpoint.value, "client_id": data.clientID, "mechanism": data.stepUp.Mechanism().String(), "unknown": data.unknown,
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

func resolveMaxRetries(v types.Int64, diags *diag.Diagnostics) (int, bool) {
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

// expiryWarning is the window of expiry warnings: expiry_warning_days, default 14. An
// unknown value (known only at apply) turns them off for this plan rather than guess.
func expiryWarning(v types.Int64) time.Duration {
	days := int64(defaultExpiryWarningDays)
	switch {
	case v.IsUnknown():
		days = 0
	case !v.IsNull():
		days = v.ValueInt64()
	}
	return time.Duration(days) * 24 * time.Hour
}

// resolvedStepUp is the chosen mechanism plus what Configure learnt about it.
type resolvedStepUp struct {
	authclient.StepUp
	unknown []string
	subject string    // the access token's sub claim
	expiry  time.Time // and its exp claim (zero: none)
	secrets []string  // the mechanism's secret text, for masking
}

// resolveStepUp picks the step-up mechanism from the arguments of authclient.Mechanisms.
// A mechanism argument in configuration, even an unknown one, beats every mechanism
// variable, so that an aliased provider configured with access_token works beside
// AUTH_CLIENT_SECRET set for the default one. Two mechanisms in configuration are refused
// at validation (oneStepUpValidator); two in the environment here.
func resolveStepUp(args map[*authclient.Mechanism]types.String) (resolvedStepUp, diag.Diagnostics) {
	var diags diag.Diagnostics
	var out resolvedStepUp
	fromEnv := true
	for _, m := range authclient.Mechanisms {
		if v := args[m]; v.IsUnknown() {
			out.unknown = append(out.unknown, m.Name)
			fromEnv = false
		} else if !v.IsNull() {
			fromEnv = false
		}
	}
	type chosen struct {
		*authclient.Mechanism
		setting
	}
	var set []chosen
	for _, m := range authclient.Mechanisms {
		env := ""
		if fromEnv {
			env = m.EnvVar
		}
		if s := resolve(args[m], env); s.value != "" {
			set = append(set, chosen{m, s})
		}
	}
	switch len(set) {
	case 0:
		return out, diags
	case 1:
	default:
		var names []string
		for _, c := range set {
			names = append(names, c.EnvVar)
		}
		diags.AddError("Conflicting step-up mechanisms",
			"At most one step-up mechanism may be set, but the environment sets "+strings.Join(names, ", ")+". Unset all but one.")
		return out, diags
	}

	m, s := set[0].Mechanism, set[0].setting
	out.secrets = []string{s.value}
	invalid := func(err error) {
		diags.AddAttributeError(path.Root(m.Name), "Invalid "+m.Name, "The "+s.source(m.Name, m.EnvVar)+": "+err.Error())
	}
	if err := checkStepUpValue(m, s.value); err != nil {
		invalid(err)
		return out, diags
	}
	stepUp, err := m.StepUp(s.value)
	if err != nil {
		invalid(err)
		return out, diags
	}
	out.StepUp = stepUp
	if out.AccessToken != "" {
		out.subject, err = accessTokenSubject(out.AccessToken)
		if err != nil {
			invalid(err)
		}
		out.expiry = accessTokenExpiry(out.AccessToken)
	}
	return out, diags
}

// accessTokenSubject reads the sub claim of an access token: the client it belongs to.
func accessTokenSubject(token string) (string, error) {
	claims, err := accessTokenClaims(token)
	if err != nil {
		return "", err
	}
	subject, _ := claims.GetSubject()
	return subject, nil
}

// accessTokenExpiry reads the exp claim of an access token; zero when it has none.
func accessTokenExpiry(token string) time.Time {
	claims, err := accessTokenClaims(token)
	if err != nil {
		return time.Time{}
	}
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		return exp.Time
	}
	return time.Time{}
}

// accessTokenClaims reads a short-term token's claims without verifying it: the server
// verifies it, and the provider only learns whose it is and how long it lives.
func accessTokenClaims(token string) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		return nil, errors.New("the value is not a JWT short-term token; use the token of an auth_short_term_token with scope tokens:write")
	}
	return claims, nil
}

// stepUpArguments are the mechanisms' provider arguments, in the table's order.
func stepUpArguments() []string {
	return mechanismList(func(m *authclient.Mechanism) string { return m.Name })
}

// stepUpVariables are the mechanisms' environment variables, in the table's order.
func stepUpVariables() []string {
	return mechanismList(func(m *authclient.Mechanism) string { return m.EnvVar })
}

func mechanismList(field func(*authclient.Mechanism) string) []string {
	names := make([]string, 0, len(authclient.Mechanisms))
	for _, m := range authclient.Mechanisms {
		names = append(names, field(m))
	}
	return names
}

// oneOf joins names as "a, b or c".
func oneOf(names []string) string {
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
