package provider

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/example/terraform-provider-auth/internal/authserver"
)

// secretsOTP is a one-time code distinctive enough to search for.
const secretsOTP = "90817263"

// TestSecretsNeverLeak builds the provider, and runs the real Terraform CLI through create,
// rotate, ephemeral open/close and destroy with TF_LOG=TRACE, with every kind of secret in
// play: a client secret, a one-time code, a pre-signed assertion, a private key, a
// short-term access token from an ephemeral resource, and the long-term tokens. No secret
// may appear in any byte Terraform prints or logs (its own, and the provider's, which it
// relays), nor in the local server's log or state file; plans show them as sensitive.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	ephemeralResources.skipBelow(t)
	cliConfig, workDir := builtProvider(t)

	serverLog := &lockedBuffer{}
	statePath := filepath.Join(t.TempDir(), "auth-server-state.json")
	e := newTestEnv(t, withServerLog(serverLog), func(o *authserver.Options) {
		o.Clock = nil // the provider binary signs assertions by the real clock
		o.StatePath = statePath
	})
	if err := e.server.AddOTPCode(testClientID, secretsOTP); err != nil {
		t.Fatal(err)
	}
	seen := &secretCollector{}
	api := httptest.NewServer(seen.wrap(e.validator.Handler(e.server)))
	t.Cleanup(api.Close)
	endpoint := api.URL + authserver.APIPrefix

	_, pems, _ := loadTestKeys(t)
	assertion := realTimeAssertion(t, endpoint)
	needles := secretNeedles{}
	needles.add("client secret", testClientSecret)
	needles.add("one-time code", secretsOTP)
	needles.add("assertion", assertion)
	needles.addPEM("private key", pems["ec"])

	writeFile(t, filepath.Join(workDir, "main.tf"), secretsConfig(endpoint, assertion, pems["ec"]))
	run := terraformRunner{t: t, tf: testCLI.path, dir: workDir, env: []string{
		"TF_CLI_CONFIG_FILE=" + cliConfig, "TF_LOG=TRACE", "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		"TF_VAR_client_secret=" + testClientSecret,
	}}
	// The server rewrites its state file after every change: keep each version.
	var serverStates []string
	terraformStep := func(args ...string) string {
		out := run.cmd(args...)
		data, err := os.ReadFile(statePath)
		if err != nil {
			t.Fatal(err)
		}
		serverStates = append(serverStates, string(data))
		return out
	}

	plan := terraformStep("plan", "-no-color", "-var", "release=1")
	expectSensitiveInPlan(t, plan, "auth_long_term_token.bootstrap", "auth_long_term_token.otp",
		"auth_long_term_token.assertion", "auth_long_term_token.key", "auth_long_term_token.exchanged")
	applied := terraformStep("apply", "-no-color", "-auto-approve", "-var", "release=1")
	// The state holds the long-term secrets (that is its job, and why it is sensitive):
	// they must all have been seen on the wire, so that the search below looks for them.
	inState := longTermSecretsInState(t, filepath.Join(workDir, "terraform.tfstate"), 5)
	rotation := terraformStep("plan", "-no-color", "-var", "release=2")
	expectSensitiveInPlan(t, rotation, "auth_long_term_token.bootstrap", "auth_long_term_token.key", "auth_long_term_token.exchanged")
	applied += terraformStep("apply", "-no-color", "-auto-approve", "-var", "release=2")
	inState = append(inState, longTermSecretsInState(t, filepath.Join(workDir, "terraform.tfstate"), 5)...)
	terraformStep("destroy", "-no-color", "-auto-approve", "-var", "release=2")

	if err := e.checkNoActiveTokens(nil); err != nil {
		t.Error(err)
	}
	wire := seen.values()
	for _, s := range inState {
		if !slices.Contains(wire, s) {
			t.Errorf("a long-term secret in state was never seen on the wire: the search would miss it")
		}
	}
	counts := map[string]int{}
	for _, s := range wire {
		kind := secretKind(s)
		counts[kind]++
		needles.add(kind, s)
	}
	// Every kind must have been in play, or the test proves less than it claims.
	for kind, least := range map[string]int{"long-term token": 8, "short-term token": 2, "assertion": 3, "client secret": 1, "one-time code": 1} {
		if counts[kind] < least {
			t.Errorf("saw %d values of kind %q on the wire, want at least %d: %v", counts[kind], kind, least, counts)
		}
	}

	corpora := map[string]string{"the server's log": serverLog.String()}
	for i, state := range serverStates {
		corpora[fmt.Sprintf("the server's state file after terraform %s", run.outputs[i].name)] = state
	}
	for i, out := range run.outputs {
		corpora[fmt.Sprintf("terraform %s (stdout and stderr)", out.name)] = out.text
		if i == 0 && !strings.Contains(out.text, "[TRACE]") {
			t.Errorf("terraform %s logged no TRACE line: TF_LOG did not take effect", out.name)
		}
		if !strings.Contains(out.text, "provider.terraform-provider-auth") {
			t.Errorf("terraform %s relayed no provider log line", out.name)
		}
	}
	// The provider's own log lines name the tokens it issued by id: seeing the ids proves
	// that its logs are part of what was searched.
	for _, r := range e.server.Tokens() {
		if r.Kind == authserver.KindLong && !strings.Contains(applied, r.ID) {
			t.Errorf("no Terraform output mentions token %s: the provider's logs were not captured", r.ID)
		}
	}
	for name, text := range corpora {
		for _, n := range needles {
			if strings.Contains(text, n.value) {
				t.Errorf("%s contains a %s (%d bytes searched)", name, n.kind, len(text))
			}
		}
	}
	t.Logf("searched %d bytes in %d outputs for %d secret values (%v)", totalLen(corpora), len(corpora), len(needles), counts)
}

// secretsConfig uses every step-up mechanism, an ephemeral short-term token fed to an
// aliased provider, and a sensitive output. release rotates the tokens whose mechanism
// can issue again (a one-time code and a pre-signed assertion work once).
func secretsConfig(endpoint, assertion, keyPEM string) string {
	return fmt.Sprintf(`
terraform {
  required_providers {
    auth = {
      source = "example/auth"
    }
  }
}

variable "client_secret" {
  type      = string
  sensitive = true
}

variable "release" {
  type = string
}

locals {
  endpoint = %[1]q
}

provider "auth" {
  endpoint      = local.endpoint
  client_id     = %[2]q
  client_secret = var.client_secret
}

provider "auth" {
  alias     = "otp"
  endpoint  = local.endpoint
  client_id = %[2]q
  otp_code  = %[3]q
}

provider "auth" {
  alias     = "assertion"
  endpoint  = local.endpoint
  client_id = %[2]q
  assertion = %[4]q
}

provider "auth" {
  alias           = "key"
  endpoint        = local.endpoint
  client_id       = %[2]q
  private_key_pem = <<-EOT
%[5]s
EOT
}

resource "auth_long_term_token" "bootstrap" {
  name              = "bootstrap"
  scopes            = ["tokens:write", "deploy:read"]
  rotation_triggers = { release = var.release }
}

resource "auth_long_term_token" "otp" {
  provider = auth.otp
  name     = "otp"
  # Every refresh probes it: the probe tokens are searched for too.
  detect_revocation = true
}

resource "auth_long_term_token" "assertion" {
  provider = auth.assertion
  name     = "assertion"
}

resource "auth_long_term_token" "key" {
  provider          = auth.key
  name              = "key"
  rotation_triggers = { release = var.release }
}

ephemeral "auth_short_term_token" "writer" {
  long_term_token = auth_long_term_token.bootstrap.token
  scopes          = ["tokens:write", "deploy:read"]
}

provider "auth" {
  alias        = "scoped"
  endpoint     = local.endpoint
  access_token = ephemeral.auth_short_term_token.writer.token
}

resource "auth_long_term_token" "exchanged" {
  provider          = auth.scoped
  name              = "exchanged"
  scopes            = ["deploy:read"]
  rotation_triggers = { release = var.release }
}

output "bootstrap_token" {
  value     = auth_long_term_token.bootstrap.token
  sensitive = true
}
`, endpoint, testClientID, secretsOTP, assertion, strings.TrimSpace(keyPEM))
}

// expectSensitiveInPlan checks that the plan shows each resource's token as
// "(sensitive value)" and the sensitive output likewise.
func expectSensitiveInPlan(t *testing.T, plan string, addrs ...string) {
	t.Helper()
	for _, addr := range addrs {
		block := resourceBlock(plan, addr)
		if block == "" {
			t.Errorf("the plan shows no change for %s", addr)
			continue
		}
		if !sensitiveToken.MatchString(block) {
			t.Errorf("the plan of %s does not show its token as (sensitive value):\n%s", addr, block)
		}
	}
	if !sensitiveOutput.MatchString(plan) {
		t.Errorf("the plan does not show the output bootstrap_token as (sensitive value):\n%s", plan)
	}
}

var (
	sensitiveToken  = regexp.MustCompile(`(?m)^\s+[+~]?\s*token\s+= \(sensitive value\)$`)
	sensitiveOutput = regexp.MustCompile(`(?m)^\s+[+~]?\s*bootstrap_token\s+= \(sensitive value\)$`)
)

// resourceBlock returns the plan's block for addr, from its "# addr will be" line to the
// closing brace.
func resourceBlock(plan, addr string) string {
	start := strings.Index(plan, "# "+addr+" will be")
	if start < 0 {
		return ""
	}
	end := strings.Index(plan[start:], "\n    }")
	if end < 0 {
		return plan[start:]
	}
	return plan[start : start+end]
}

// longTermSecretsInState reads the tokens of the auth_long_term_token resources in a
// local state file.
func longTermSecretsInState(t *testing.T, path string, want int) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Type      string `json:"type"`
			Instances []struct {
				Attributes map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range st.Resources {
		for _, in := range r.Instances {
			if s, _ := in.Attributes["token"].(string); r.Type == "auth_long_term_token" && s != "" {
				out = append(out, s)
			}
		}
	}
	if len(out) != want {
		t.Fatalf("state holds %d long-term secrets, want %d", len(out), want)
	}
	return out
}

// realTimeAssertion signs an assertion for endpoint by the real clock, valid 5 minutes.
func realTimeAssertion(t *testing.T, endpoint string) string {
	t.Helper()
	signers, _, _ := loadTestKeys(t)
	key, ok := signers["ec"].(*ecdsa.PrivateKey)
	if !ok {
		t.Fatalf("the ec test key is a %T", signers["ec"])
	}
	now := time.Now()
	signed, err := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.RegisteredClaims{
		Issuer: testClientID, Subject: testClientID, Audience: jwt.ClaimStrings{endpoint + "/auth/tokens/long"},
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(5 * time.Minute)),
		ID: fmt.Sprintf("secrets-%d", now.UnixNano()),
	}).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

func totalLen(m map[string]string) int {
	n := 0
	for _, s := range m {
		n += len(s)
	}
	return n
}

// secretNeedle is a value to search for, and what kind of secret it is.
type secretNeedle struct{ kind, value string }

type secretNeedles []secretNeedle

// add adds a secret, and for a JWT its signature too: a token cut short must not leak
// either.
func (n *secretNeedles) add(kind, value string) {
	if value == "" || slices.Contains(*n, secretNeedle{kind, value}) {
		return
	}
	*n = append(*n, secretNeedle{kind, value})
	if parts := strings.Split(value, "."); len(parts) == 3 {
		*n = append(*n, secretNeedle{kind + " (signature)", parts[2]})
	}
	if body, ok := strings.CutPrefix(value, "ltk_"); ok {
		*n = append(*n, secretNeedle{kind + " (without prefix)", body})
	}
}

// addPEM adds a PEM private key, each line of its body, and its DER in one line of
// base64: any part of the key would be a leak.
func (n *secretNeedles) addPEM(kind, text string) {
	n.add(kind, strings.TrimSpace(text))
	block, _ := pem.Decode([]byte(text))
	n.add(kind+" (DER)", base64.StdEncoding.EncodeToString(block.Bytes))
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "-----") && len(line) >= 16 {
			n.add(kind+" (PEM line)", line)
		}
	}
	if key, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		if ec, ok := key.(*ecdsa.PrivateKey); ok {
			if d, err := ec.Bytes(); err == nil {
				n.add(kind+" (scalar, hex)", fmt.Sprintf("%x", d))
				n.add(kind+" (scalar, base64url)", base64.RawURLEncoding.EncodeToString(d))
			}
		}
	}
}

// secretKind names what a value seen on the wire is.
func secretKind(s string) string {
	switch {
	case s == testClientSecret:
		return "client secret"
	case s == secretsOTP:
		return "one-time code"
	case strings.HasPrefix(s, "ltk_"):
		return "long-term token"
	case strings.Count(s, ".") == 2:
		var claims jwt.MapClaims
		if _, _, err := jwt.NewParser().ParseUnverified(s, &claims); err == nil {
			if _, ok := claims["ptid"]; ok {
				return "short-term token"
			}
		}
		return "assertion"
	}
	return "other credential"
}

// secretCollector sees every credential that crosses the wire: step-up secrets in request
// bodies, bearer tokens, and the tokens the server answers with.
type secretCollector struct {
	mu   sync.Mutex
	seen []string
}

func (c *secretCollector) note(values ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range values {
		if v != "" && !slices.Contains(c.seen, v) {
			c.seen = append(c.seen, v)
		}
	}
}

func (c *secretCollector) values() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.seen)
}

func (c *secretCollector) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var req struct {
			ClientSecret string `json:"client_secret"`
			OTPCode      string `json:"otp_code"`
			Assertion    string `json:"assertion"`
		}
		_ = json.Unmarshal(body, &req)
		bearer, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		c.note(req.ClientSecret, req.OTPCode, req.Assertion, bearer)

		rec := &bodyRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		var resp struct {
			Token string `json:"token"`
		}
		_ = json.Unmarshal(rec.body.Bytes(), &resp)
		c.note(resp.Token)
	})
}

// bodyRecorder copies what a handler writes.
type bodyRecorder struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *bodyRecorder) Write(p []byte) (int, error) {
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

// lockedBuffer collects a server's log lines from concurrent handlers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// withServerLog sends everything the server logs to w as text.
func withServerLog(w *lockedBuffer) func(*authserver.Options) {
	return func(o *authserver.Options) {
		o.Logger = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
}
