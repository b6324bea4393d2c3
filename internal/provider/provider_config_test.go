package provider

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccProvider_invalidConfiguration: every bad argument of the provider and of
// auth_long_term_token fails at plan time, minting nothing, with an error that Terraform
// shows against the argument's own line and that says what is wrong.
func TestAccProvider_invalidConfiguration(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, pems, _ := loadTestKeys(t)
	tlsServer := httptest.NewTLSServer(http.NotFoundHandler())
	tlsServer.Close()
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsServer.Certificate().Raw}))
	provider := func(lines ...string) string {
		return "provider \"auth\" {\n  " + strings.Join(lines, "\n  ") + "\n}\n" + `resource "auth_long_term_token" "test" {}`
	}
	token := func(lines ...string) string {
		return e.secretProvider() + "resource \"auth_long_term_token\" \"test\" {\n  " + strings.Join(lines, "\n  ") + "\n}\n"
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384DER, err := x509.MarshalPKCS8PrivateKey(p384)
	if err != nil {
		t.Fatal(err)
	}
	p384PEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p384DER}))
	otherClientsJWT := fuzzJWT(`{"alg":"ES256"}`, `{"sub":"`+otherClientID+`"}`)
	const length = "Invalid Attribute Value Length"
	cases := map[string]struct {
		config string
		want   string
	}{
		// Provider arguments.
		"endpoint: http to a remote host": {provider(`endpoint = "http://auth.example.com/v1"`),
			attributeError("endpoint", "Invalid endpoint", "uses http:// to a host that is not loopback; use https://")},
		"endpoint: http to a look-alike of localhost": {provider(`endpoint = "http://localhost.attacker.example/v1"`),
			attributeError("endpoint", "Invalid endpoint", "uses http:// to a host that is not loopback")},
		"endpoint: not a URL": {provider(`endpoint = "auth.example.com"`),
			attributeError("endpoint", "Invalid endpoint", "is not an absolute http(s) URL")},
		"endpoint: another scheme": {provider(`endpoint = "ftp://auth.example.com/v1"`),
			attributeError("endpoint", "Invalid endpoint", "is not an absolute http(s) URL")},
		"endpoint: credentials": {provider(`endpoint = "https://user:pw@auth.example.com/v1"`),
			attributeError("endpoint", "Invalid endpoint", "must not carry user info, a query or a fragment")},
		"endpoint: query": {provider(`endpoint = "https://auth.example.com/v1?tenant=x"`),
			attributeError("endpoint", "Invalid endpoint", "must not carry user info, a query or a fragment")},
		"endpoint: empty query": {provider(`endpoint = "https://auth.example.com/v1?"`),
			attributeError("endpoint", "Invalid endpoint", "must not carry user info, a query or a fragment")},
		"client_id: empty": {provider(`client_id = ""`),
			attributeError("client_id", length, "string length must be between 1 and 128")},
		"client_id: too long": {provider(fmt.Sprintf("client_id = %q", strings.Repeat("c", 129))),
			attributeError("client_id", length, "string length must be between 1 and 128")},
		"client_secret: empty": {provider(`client_secret = ""`),
			attributeError("client_secret", length, "string length must be between 1 and 512")},
		"otp_code: not digits": {provider(`otp_code = "12ab56"`),
			attributeError("otp_code", "Invalid otp_code", "The value must be a one-time code of 6 to 8 digits.")},
		"otp_code: too short": {provider(`otp_code = "12345"`),
			attributeError("otp_code", "Invalid otp_code", "The value must be a one-time code of 6 to 8 digits.")},
		"assertion: empty": {provider(`assertion = ""`),
			attributeError("assertion", length, "string length must be between 1 and 8192")},
		"private_key_pem: garbage": {provider(`private_key_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"`),
			attributeError("private_key_pem", "Invalid private_key_pem", "private key:")},
		"private_key_pem: unsupported curve": {provider(fmt.Sprintf("private_key_pem = %q", p384PEM)),
			attributeError("private_key_pem", "Invalid private_key_pem", "ECDSA key must be on curve P-256 (ES256)")},
		"private_key_pem: a public key": {provider(fmt.Sprintf("private_key_pem = %q", publicKeyPEM(t, &p384.PublicKey))),
			attributeError("private_key_pem", "Invalid private_key_pem", "PEM block is a PUBLIC KEY, not a private key")},
		"access_token: empty": {provider(`access_token = ""`),
			attributeError("access_token", length, "string length must be at least 1")},
		"access_token: not a JWT": {provider(`access_token = "ltk_not-a-short-term-token"`),
			attributeError("access_token", "Invalid access_token", "is not a JWT short-term token")},
		"access_token: another client's": {provider(fmt.Sprintf("client_id = %q", testClientID), fmt.Sprintf("access_token = %q", otherClientsJWT)),
			attributeError("access_token", "access_token belongs to another client", `The access token's subject is "`+otherClientID+`" but client_id is "`+testClientID+`"`)},
		"long_term_token: empty": {provider(`long_term_token = ""`),
			attributeError("long_term_token", length, "string length must be at least 1")},
		"max_retries: too many": {provider(`max_retries = 11`),
			attributeError("max_retries", "Invalid Attribute Value", "value must be between 0 and 10")},
		"max_retries: negative": {provider(`max_retries = -1`),
			attributeError("max_retries", "Invalid Attribute Value", "value must be between 0 and 10")},
		"expiry_warning_days: negative": {provider(`expiry_warning_days = -1`),
			attributeError("expiry_warning_days", "Invalid Attribute Value", "value must be between 0 and 365")},
		"expiry_warning_days: over a year": {provider(`expiry_warning_days = 366`),
			attributeError("expiry_warning_days", "Invalid Attribute Value", "value must be between 0 and 365")},
		"request_timeout: not a duration": {provider(`request_timeout = "soon"`),
			attributeError("request_timeout", "Invalid request_timeout", `"soon" is not a duration; use a value such as "30s"`)},
		"request_timeout: negative": {provider(`request_timeout = "-5s"`),
			attributeError("request_timeout", "Invalid request_timeout", "must be greater than 0 and at most 10m")},
		"request_timeout: too long": {provider(`request_timeout = "11m"`),
			attributeError("request_timeout", "Invalid request_timeout", "must be greater than 0 and at most 10m")},
		"ca_cert_pem: garbage": {provider(`ca_cert_pem = "not a certificate"`),
			attributeError("ca_cert_pem", "Invalid ca_cert_pem", "no PEM certificate found")},
		"ca_cert_pem: a private key": {provider(fmt.Sprintf("ca_cert_pem = %q", pems["ec"])),
			attributeError("ca_cert_pem", "Invalid ca_cert_pem", "no PEM certificate found")},
		// The client refuses anything but certificates; so must validation, or the error
		// would come at configure time against another attribute.
		"ca_cert_pem: a certificate and a private key": {provider(fmt.Sprintf("ca_cert_pem = %q", certPEM+pems["ec"])),
			attributeError("ca_cert_pem", "Invalid ca_cert_pem", "block 2 is a")},
		"conflicting mechanisms": {provider(fmt.Sprintf("client_secret = %q", testClientSecret), fmt.Sprintf("private_key_pem = %q", pems["ec"])),
			attributeError("private_key_pem", "Conflicting step-up mechanisms", "client_secret and private_key_pem are both set, but at most one step-up mechanism may be configured")},
		"three mechanisms": {provider(fmt.Sprintf("client_secret = %q", testClientSecret), `otp_code = "123456"`, fmt.Sprintf("access_token = %q", otherClientsJWT)),
			attributeError("otp_code", "Conflicting step-up mechanisms", "client_secret, otp_code and access_token are all set")},

		// auth_long_term_token arguments.
		"name: empty": {token(`name = ""`), attributeError("name", length, "string length must be between 1 and 128")},
		"name: too long": {token(fmt.Sprintf("name = %q", strings.Repeat("n", 129))),
			attributeError("name", length, "string length must be between 1 and 128")},
		"scopes: syntax": {token(`scopes = ["Deploy Read"]`),
			attributeError("scopes", "Invalid Attribute Value Match", `must be a scope such as "tokens:write"`)},
		"scopes: too long": {token(fmt.Sprintf("scopes = [%q]", "a"+strings.Repeat(":b", 32))),
			attributeError("scopes", length, "string length must be between 1 and 64")},
		"scopes: empty":      {token(`scopes = []`), attributeError("scopes", "Invalid Attribute Value", "set must contain at least 1 elements")},
		"ttl_days: zero":     {token(`ttl_days = 0`), attributeError("ttl_days", "Invalid Attribute Value", "value must be between 1 and 365")},
		"ttl_days: too many": {token(`ttl_days = 366`), attributeError("ttl_days", "Invalid Attribute Value", "value must be between 1 and 365")},
		"rotate_before_days: negative": {token(`rotate_before_days = -1`),
			attributeError("rotate_before_days", "Invalid Attribute Value", "value must be at least 0")},
		"rotate_before_days: not below ttl_days": {token(`ttl_days = 30`, `rotate_before_days = 30`),
			attributeError("rotate_before_days", "rotate_before_days is not less than ttl_days", "rotate_before_days (30) must be less than ttl_days (30)")},
		"rotate_before_days: not below the default ttl_days": {token(`rotate_before_days = 90`),
			attributeError("rotate_before_days", "rotate_before_days is not less than ttl_days", "must be less than ttl_days (90)")},
		"grace_period_seconds: negative": {token(`grace_period_seconds = -1`),
			attributeError("grace_period_seconds", "Invalid Attribute Value", "value must be between 0 and 604800")},
		"grace_period_seconds: too long": {token(`grace_period_seconds = 604801`),
			attributeError("grace_period_seconds", "Invalid Attribute Value", "value must be between 0 and 604800")},
		"rotation_triggers: not strings": {token(`rotation_triggers = { release = ["1"] }`),
			`(?s)Error: Incorrect attribute value type.*\d+:\s+rotation_triggers\s+=.*Inappropriate value for attribute\s+"rotation_triggers"`},
		// The timeouts library's own check: Terraform cannot point inside the object.
		"timeouts: not a duration": {token(`timeouts = { create = "soon" }`),
			`(?s)Error: Invalid Attribute Value Time Duration.*with auth_long_term_token.test.*"soon" must be a string containing a sequence of decimal numbers`},
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

// TestAccProvider_invalidEnvironment: a bad value in an AUTH_* variable is refused like the
// argument it stands for, and the error names the variable.
func TestAccProvider_invalidEnvironment(t *testing.T) {
	e := newTestEnv(t)
	cases := map[string]struct {
		env  map[string]string
		want string
	}{
		"AUTH_ENDPOINT":        {map[string]string{"AUTH_ENDPOINT": "http://auth.example.com/v1"}, `(?s)Invalid endpoint.*The\s+environment\s+variable\s+AUTH_ENDPOINT:.*not\s+loopback`},
		"AUTH_MAX_RETRIES":     {map[string]string{"AUTH_MAX_RETRIES": "many"}, `(?s)Invalid max_retries.*The\s+environment\s+variable\s+AUTH_MAX_RETRIES\s+is\s+"many"`},
		"AUTH_CA_CERT_PEM":     {map[string]string{"AUTH_CA_CERT_PEM": "not a certificate"}, `(?s)Invalid ca_cert_pem.*The\s+environment\s+variable\s+AUTH_CA_CERT_PEM:\s+no\s+PEM\s+certificate`},
		"AUTH_OTP_CODE":        {map[string]string{"AUTH_OTP_CODE": "12ab56"}, `(?s)Invalid otp_code.*The\s+environment\s+variable\s+AUTH_OTP_CODE:.*6\s+to\s+8\s+digits`},
		"AUTH_PRIVATE_KEY_PEM": {map[string]string{"AUTH_PRIVATE_KEY_PEM": "not a key"}, `(?s)Invalid private_key_pem.*The\s+environment\s+variable\s+AUTH_PRIVATE_KEY_PEM:\s+private\s+key:`},
		"AUTH_ACCESS_TOKEN": {map[string]string{"AUTH_ACCESS_TOKEN": "ltk_not-a-jwt"}, //nolint:gosec // G101: a malformed fake token
			`(?s)Invalid access_token.*The\s+environment\s+variable\s+AUTH_ACCESS_TOKEN:.*not\s+a\s+JWT`},
		"two mechanisms": {map[string]string{"AUTH_CLIENT_SECRET": testClientSecret, "AUTH_ASSERTION": "x.y.z"}, `(?s)Conflicting step-up mechanisms.*AUTH_CLIENT_SECRET,\s+AUTH_ASSERTION`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Setenv("AUTH_CLIENT_ID", testClientID)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: e.factories(),
				Steps: []resource.TestStep{{
					Config:      `resource "auth_long_term_token" "test" {}`,
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
	if n := len(e.server.Tokens()); n != 0 {
		t.Fatalf("invalid environments minted %d tokens", n)
	}
}

// publicKeyPEM encodes a public key, which is not what private_key_pem wants.
func publicKeyPEM(t *testing.T, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
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
				Config: fmt.Sprintf("provider \"auth\" {\n  client_secret = %q\n}\n", testClientSecret) + `resource "auth_long_term_token" "test" {}`,
				ConfigStateChecks: []statecheck.StateCheck{
					e.expectMechanism(tokenAddr, "client_secret"),
					e.tokenWorks(tokenAddr),
					e.expectActiveLongTermTokensMatchState(),
				},
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
		CheckDestroy:             func(*terraform.State) error { return e.expectLongTermMinted(0)(nil) },
		Steps: []resource.TestStep{{
			Config:      e.providerBlock() + `resource "auth_long_term_token" "test" {}`,
			ExpectError: regexp.MustCompile(`(?s)No step-up mechanism configured.*client_secret, otp_code, assertion`),
		}},
	})
}

// TestExpiryWarning: expiry_warning_days defaults to 14, 0 turns the warnings off, and an
// unknown value (known only at apply) warns about nothing rather than guess.
func TestExpiryWarning(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	for name, tc := range map[string]struct {
		v    types.Int64
		want time.Duration
	}{
		"default": {v: types.Int64Null(), want: 14 * day},
		"set":     {v: types.Int64Value(30), want: 30 * day},
		"off":     {v: types.Int64Value(0)},
		"unknown": {v: types.Int64Unknown()},
	} {
		if got := expiryWarning(tc.v); got != tc.want {
			t.Errorf("%s: expiryWarning = %v, want %v", name, got, tc.want)
		}
	}
}
