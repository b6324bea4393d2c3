package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// TestAccProvider_invalidConfiguration: every bad argument fails at plan time with an error
// that names the attribute and says what to do.
func TestAccProvider_invalidConfiguration(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, pems, _ := loadTestKeys(t)
	token := `resource "auth_long_term_token" "test" {}`
	provider := func(lines string) string {
		return fmt.Sprintf("provider \"auth\" {\n%s\n}\n", lines) + token
	}
	cases := map[string]struct {
		config string
		want   string
	}{
		"two mechanisms": {
			config: provider(fmt.Sprintf("client_secret = %q\nprivate_key_pem = %q", testClientSecret, pems["ec"])),
			want:   `(?s)client_secret.*private_key_pem.*cannot be configured together|(?s)These attributes cannot be configured together`,
		},
		"http to a remote host": {
			config: provider(`endpoint = "http://auth.example.com/v1"`),
			want:   `(?s)Invalid endpoint.*http:// to a host that is not loopback`,
		},
		"malformed endpoint": {
			config: provider(`endpoint = "auth.example.com"`),
			want:   `(?s)Invalid endpoint.*not an absolute http\(s\) URL`,
		},
		"endpoint with credentials": {
			config: provider(`endpoint = "https://user:pw@auth.example.com/v1"`),
			want:   `(?s)Invalid endpoint.*user info`,
		},
		"request_timeout not a duration": {
			config: provider(`request_timeout = "soon"`),
			want:   `(?s)Invalid request_timeout.*"soon" is not a duration`,
		},
		"request_timeout negative": {
			config: provider(`request_timeout = "-5s"`),
			want:   `(?s)Invalid request_timeout.*greater than 0`,
		},
		"ca_cert_pem garbage": {
			config: provider(`ca_cert_pem = "not a certificate"`),
			want:   `(?s)Invalid ca_cert_pem.*no PEM certificate`,
		},
		"private_key_pem garbage": {
			config: provider(`private_key_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"`),
			want:   `(?s)Invalid private_key_pem`,
		},
		"max_retries out of range": {
			config: provider(`max_retries = 99`),
			want:   `(?s)max_retries.*between 0 and 10`,
		},
		"otp_code not digits": {
			config: provider(`otp_code = "12ab"`),
			want:   `(?s)otp_code.*6 to 8 digits`,
		},
		"ttl_days too small": {
			config: e.secretProvider() + `resource "auth_long_term_token" "test" { ttl_days = 0 }`,
			want:   `(?s)ttl_days.*between 1 and 365`,
		},
		"ttl_days too large": {
			config: e.secretProvider() + `resource "auth_long_term_token" "test" { ttl_days = 400 }`,
			want:   `(?s)ttl_days.*between 1 and 365`,
		},
		"rotate_before_days not below ttl_days": {
			config: e.secretProvider() + `resource "auth_long_term_token" "test" {
  ttl_days           = 30
  rotate_before_days = 30
}`,
			want: `(?s)rotate_before_days.*must be less than ttl_days \(30\)`,
		},
		"rotate_before_days negative": {
			config: e.secretProvider() + `resource "auth_long_term_token" "test" { rotate_before_days = -1 }`,
			want:   `(?s)rotate_before_days.*at least 0`,
		},
		"grace_period_seconds too large": {
			config: e.secretProvider() + `resource "auth_long_term_token" "test" { grace_period_seconds = 604801 }`,
			want:   `(?s)grace_period_seconds.*between 0 and 604800`,
		},
		"scope syntax": {
			config: e.secretProvider() + `resource "auth_long_term_token" "test" { scopes = ["Deploy Read"] }`,
			want:   `(?s)scopes.*must be a scope such as\s+"tokens:write"`,
		},
		"name empty": {
			config: e.secretProvider() + `resource "auth_long_term_token" "test" { name = "" }`,
			want:   `(?s)name.*length must be between 1 and 128`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				Steps: []resource.TestStep{{
					Config:      tc.config,
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
	if n := len(e.server.Tokens()); n != 0 {
		t.Fatalf("invalid configurations minted %d tokens", n)
	}
}

// TestAccProvider_environment: every argument falls back to its AUTH_* variable, and an
// argument set in configuration beats its variable.
func TestAccProvider_environment(t *testing.T) {
	e := newTestEnv(t)
	t.Setenv("AUTH_ENDPOINT", e.url)
	t.Setenv("AUTH_CLIENT_ID", testClientID)
	t.Setenv("AUTH_CLIENT_SECRET", "wrong-secret-from-environment")
	t.Setenv("AUTH_MAX_RETRIES", "2")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoActiveTokens,
		Steps: []resource.TestStep{
			{
				// The wrong secret comes from the environment alone: the server refuses it.
				Config:      `resource "auth_long_term_token" "test" {}`,
				ExpectError: regexp.MustCompile(`(?s)HTTP 401 invalid_client.*Step-up mechanism: client_secret.*Check client_id`),
			},
			{
				// The configured secret beats the environment's.
				Config:            fmt.Sprintf("provider \"auth\" {\n  client_secret = %q\n}\n", testClientSecret) + `resource "auth_long_term_token" "test" {}`,
				ConfigStateChecks: []statecheck.StateCheck{e.tokenWorks(tokenAddr), e.expectActiveLongTermTokensMatchState()},
			},
		},
	})
}

// TestAccProvider_conflictingEnvironment: two mechanisms from the environment are a clear
// error; a mechanism in configuration takes precedence over the environment's.
func TestAccProvider_conflictingEnvironment(t *testing.T) {
	e := newTestEnv(t)
	t.Setenv("AUTH_ENDPOINT", e.url)
	t.Setenv("AUTH_CLIENT_ID", testClientID)
	t.Setenv("AUTH_CLIENT_SECRET", testClientSecret)
	t.Setenv("AUTH_OTP_CODE", "123456")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoActiveTokens,
		Steps: []resource.TestStep{
			{
				Config:      `resource "auth_long_term_token" "test" {}`,
				ExpectError: regexp.MustCompile(`(?s)Conflicting step-up mechanisms.*AUTH_CLIENT_SECRET, AUTH_OTP_CODE`),
			},
			{
				Config:            fmt.Sprintf("provider \"auth\" {\n  client_secret = %q\n}\n", testClientSecret) + `resource "auth_long_term_token" "test" {}`,
				ConfigStateChecks: []statecheck.StateCheck{e.expectMechanism(tokenAddr, "client_secret")},
			},
		},
	})
}

// TestAccProvider_noStepUp: issuing without a mechanism says how to configure one.
func TestAccProvider_noStepUp(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		Steps: []resource.TestStep{{
			Config:      e.providerBlock() + `resource "auth_long_term_token" "test" {}`,
			ExpectError: regexp.MustCompile(`(?s)No step-up mechanism configured.*client_secret, otp_code, assertion`),
		}},
	})
}
