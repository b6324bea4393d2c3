package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

// The checks below are plain functions so that Configure applies them to environment
// variables too; the validator types apply them to configuration at plan time.

// checkEndpoint accepts an absolute https URL, or http for loopback hosts only: a token
// must never cross a network in clear text.
func checkEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%q is not an absolute http(s) URL such as %s", raw, defaultEndpoint)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return fmt.Errorf("%q must not carry user info, a query or a fragment", raw)
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("%q uses http:// to a host that is not loopback; use https:// (http is allowed only for localhost, 127.0.0.0/8 and ::1)", raw)
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkRequestTimeout accepts a positive Go duration of at most ten minutes.
func checkRequestTimeout(raw string) (time.Duration, error) {
	d, err := time.ParseDuration(raw)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration; use a value such as \"30s\" or \"2m\"", raw)
	}
	if d <= 0 || d > 10*time.Minute {
		return 0, fmt.Errorf("%q must be greater than 0 and at most 10m", raw)
	}
	return d, nil
}

// checkCACertPEM accepts one or more PEM certificates and nothing else, by the client's
// own rule, so that what passes here is what the client accepts.
func checkCACertPEM(raw string) error {
	_, err := authclient.ParseCACertPEM(raw)
	switch {
	case errors.Is(err, authclient.ErrNoCertificate):
		return fmt.Errorf("%w; paste one or more -----BEGIN CERTIFICATE----- blocks", err)
	case err != nil:
		return fmt.Errorf("%w; paste only -----BEGIN CERTIFICATE----- blocks", err)
	}
	return nil
}

// checkStepUpValue applies a mechanism's rule in the contract, which its validators apply at
// plan time, to a value that validation did not see: from the environment, or unknown then.
func checkStepUpValue(m *authclient.Mechanism, value string) error {
	if m.MaxLength > 0 && len(value) > m.MaxLength { // in bytes, as stringvalidator counts
		return fmt.Errorf("string length must be between 1 and %d", m.MaxLength)
	}
	if m.Pattern != nil && !m.Pattern.MatchString(value) {
		return errors.New("value must be " + m.PatternRule)
	}
	return nil
}

type endpointValidator struct{}

func (endpointValidator) Description(context.Context) string {
	return "an absolute https URL (http only for loopback hosts)"
}

func (v endpointValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (endpointValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := checkEndpoint(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid endpoint", err.Error())
	}
}

type durationValidator struct{}

func (durationValidator) Description(context.Context) string {
	return "a positive Go duration such as \"30s\", at most 10m"
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := checkRequestTimeout(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid request_timeout", err.Error())
	}
}

type caCertValidator struct{}

func (caCertValidator) Description(context.Context) string { return "one or more PEM certificates" }

func (v caCertValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (caCertValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := checkCACertPEM(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid ca_cert_pem", err.Error())
	}
}

// stepUpValidators check a mechanism's argument at plan time: the contract's rule for its
// value, then that the value converts (a private key must decode).
func stepUpValidators(m *authclient.Mechanism) []validator.String {
	var v []validator.String
	if m.MaxLength > 0 {
		v = append(v, stringvalidator.LengthBetween(1, m.MaxLength))
	}
	if len(v) == 0 && m.Pattern == nil {
		v = append(v, stringvalidator.LengthAtLeast(1))
	}
	return append(v, stepUpValueValidator{m})
}

// stepUpValueValidator refuses a value that its mechanism cannot turn into a credential.
type stepUpValueValidator struct{ mechanism *authclient.Mechanism }

func (v stepUpValueValidator) Description(context.Context) string {
	return "a value that " + v.mechanism.Name + " can use"
}

func (v stepUpValueValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v stepUpValueValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.ConfigValue.ValueString() == "" { // "": the length rule says it
		return
	}
	// The pattern is checked here, not by stringvalidator.RegexMatches: that one quotes the
	// value it refuses, and a mistyped one-time code is still a secret.
	if m := v.mechanism; m.Pattern != nil && !m.Pattern.MatchString(req.ConfigValue.ValueString()) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+m.Name, "The value must be "+m.PatternRule+".")
		return
	}
	if _, err := v.mechanism.StepUp(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+v.mechanism.Name, err.Error())
	}
}

// scopePattern is the contract's Scope schema.
var scopePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$`)

func scopeValidators() []validator.String {
	return []validator.String{
		stringvalidator.LengthBetween(1, 64),
		stringvalidator.RegexMatches(scopePattern, "must be a scope such as \"tokens:write\": lower-case words of letters, digits and _ joined by ':'"),
	}
}

// oneStepUpValidator refuses more than one step-up mechanism in configuration and names the
// ones set (the framework's Conflicting validator lists every candidate instead).
type oneStepUpValidator struct{}

func (oneStepUpValidator) Description(context.Context) string {
	return "at most one of " + strings.Join(stepUpArguments(), ", ") + " may be set"
}

func (v oneStepUpValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (oneStepUpValidator) ValidateProvider(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var set []string
	for _, name := range stepUpArguments() {
		var v types.String
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(name), &v)...)
		if !v.IsNull() { // unknown counts: it will be set
			set = append(set, name)
		}
	}
	if len(set) < 2 {
		return
	}
	names, quantity := strings.Join(set[:len(set)-1], ", ")+" and "+set[len(set)-1], "all"
	if len(set) == 2 {
		quantity = "both"
	}
	resp.Diagnostics.AddAttributeError(path.Root(set[1]), "Conflicting step-up mechanisms",
		fmt.Sprintf("%s are %s set, but at most one step-up mechanism may be configured: keep one of them.", names, quantity))
}
