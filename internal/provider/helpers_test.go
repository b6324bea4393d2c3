package provider

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-version"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/example/terraform-provider-auth/internal/authclient"
	"github.com/example/terraform-provider-auth/internal/authserver"
	"github.com/example/terraform-provider-auth/internal/contracttest"
)

// The support that the test files of this package share: the in-process server and the
// providers wired to it (testEnv), checks of Terraform's state against the server's record,
// plan checks, matching of diagnostics, the CLI version a feature needs, and running the built
// provider binary under the real CLI. TestMain and the choice of CLI are in main_test.go.

const (
	testClientID     = "ci-pipeline"
	testClientSecret = "s3cr3t-client-secret-value-0123456789"
	otherClientID    = "other-team"
)

// testT0 is where every test's clock starts.
var testT0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// testEnv is one in-process Auth API server with a manual clock, and providers wired to it.
type testEnv struct {
	t      *testing.T
	server *authserver.Server
	clock  *authserver.ManualClock
	url    string // the endpoint, ending in /v1
	keys   map[string]crypto.Signer
	keyPEM map[string]string
	// validator checks every request and answer against api/openapi.yaml.
	validator *contracttest.Validator
}

// testKeySet is the assertion keys registered for testClientID, with their PEM forms.
type testKeySet struct {
	signers    map[string]crypto.Signer
	privatePEM map[string]string
	publicPEM  []string
}

// testKeys generates and encodes the keys once per process: RSA generation is slow.
var testKeys = sync.OnceValues(func() (*testKeySet, error) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	set := &testKeySet{
		signers:    map[string]crypto.Signer{"rsa": rsaKey, "ec": ecKey, "ed25519": edKey},
		privatePEM: map[string]string{},
	}
	for name, k := range set.signers {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return nil, err
		}
		set.privatePEM[name] = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
		pubDER, err := x509.MarshalPKIXPublicKey(k.Public())
		if err != nil {
			return nil, err
		}
		set.publicPEM = append(set.publicPEM, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})))
	}
	return set, nil
})

// loadTestKeys returns the signers, their private keys in PEM and their public keys in PEM.
func loadTestKeys(t *testing.T) (map[string]crypto.Signer, map[string]string, []string) {
	t.Helper()
	set, err := testKeys()
	if err != nil {
		t.Fatal(err)
	}
	return set.signers, set.privatePEM, set.publicPEM
}

// newTestEnv starts the server; options adjust its settings (rate limit, logger, state file).
func newTestEnv(t *testing.T, options ...func(*authserver.Options)) *testEnv {
	t.Helper()
	signers, pems, pubs := loadTestKeys(t)
	clock := authserver.NewManualClock(testT0)
	opts := authserver.Options{
		Clock: clock,
		Clients: []authserver.ClientConfig{
			{
				ID:            testClientID,
				Secret:        testClientSecret,
				AllowedScopes: []string{"tokens:write", "tokens:revoke", "deploy:read", "deploy:write", "metrics:read"},
				DefaultScopes: []string{"deploy:read"},
				OTPCodes:      []string{"123456", "234567", "345678"},
				PublicKeysPEM: pubs,
			},
			//nolint:gosec // G101: a made-up secret of the test server
			{
				ID:            otherClientID,
				Secret:        "other-team-secret-value",
				AllowedScopes: []string{"deploy:read"},
				DefaultScopes: []string{"deploy:read"},
			},
		},
	}
	for _, option := range options {
		option(&opts)
	}
	server, err := authserver.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	validator := contracttest.New(t)
	httpServer := httptest.NewServer(validator.Handler(server))
	t.Cleanup(httpServer.Close)
	return &testEnv{
		t: t, server: server, clock: clock, url: httpServer.URL + "/v1",
		keys: signers, keyPEM: pems, validator: validator,
	}
}

// factories serves this provider in-process (no registry, no plugin download), with the
// test's clock and a transport that validates the client's traffic against the contract.
func (e *testEnv) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return e.factoriesRecording(nil)
}

// factoriesRecording is factories with the record of unclosed ephemeral tokens that main
// keeps (nil: none).
func (e *testEnv) factoriesRecording(unclosed *UnclosedTokens) map[string]func() (tfprotov6.ProviderServer, error) {
	return e.factoriesWith(e.clock.Now, unclosed, nil)
}

// factoriesWith is factoriesRecording with the provider's own clock, calling answered (when
// not nil) after each answer of the server.
func (e *testEnv) factoriesWith(now func() time.Time, unclosed *UnclosedTokens, answered func(*http.Request, *http.Response)) map[string]func() (tfprotov6.ProviderServer, error) {
	transport := e.validator.Transport(http.DefaultTransport)
	if answered != nil {
		validated := transport
		transport = roundTripFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := validated.RoundTrip(req)
			if err == nil {
				answered(req, resp)
			}
			return resp, err
		})
	}
	return map[string]func() (tfprotov6.ProviderServer, error){
		"auth": providerserver.NewProtocol6WithError(&authProvider{
			version:   "test",
			now:       now,
			transport: transport,
			unclosed:  unclosed,
		}),
		"echo": echoprovider.NewProviderServer(),
	}
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// providerBlock is a provider "auth" block for this server, with extra lines inside it.
func (e *testEnv) providerBlock(lines ...string) string {
	return fmt.Sprintf("provider \"auth\" {\n  endpoint  = %q\n  client_id = %q\n  %s\n}\n", e.url, testClientID, strings.Join(lines, "\n  "))
}

// secretProvider is the usual provider block: client secret step-up.
func (e *testEnv) secretProvider() string {
	return e.providerBlock(fmt.Sprintf("client_secret = %q", testClientSecret))
}

// apiClient talks to the test server directly, for setting up and checking tokens.
func (e *testEnv) apiClient() *authclient.Client {
	c, err := authclient.New(authclient.Config{Endpoint: e.url, Clock: e.clock.Now, MaxRetries: 1, MinRetryWait: time.Millisecond})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// issueDirect issues a long-term token of 30 days outside Terraform.
func (e *testEnv) issueDirect(scopes ...string) *authclient.LongTermToken {
	e.t.Helper()
	return e.issueDirectTTL(30, scopes...)
}

// issueDirectTTL issues a long-term token of ttlDays outside Terraform.
func (e *testEnv) issueDirectTTL(ttlDays int, scopes ...string) *authclient.LongTermToken {
	e.t.Helper()
	tok, err := e.apiClient().IssueLongTermToken(context.Background(), authclient.IssueLongTermTokenInput{
		ClientID: testClientID, StepUp: authclient.StepUp{ClientSecret: testClientSecret}, Scopes: scopes, TTLDays: ttlDays,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// exchangeDirect exchanges a long-term token for a short-term one outside Terraform.
func (e *testEnv) exchangeDirect(longTerm string, scopes ...string) (*authclient.ShortTermToken, error) {
	return e.apiClient().IssueShortTermToken(context.Background(), authclient.IssueShortTermTokenInput{LongTermToken: longTerm, Scopes: scopes})
}

// activeTokens lists the server's active tokens of a kind.
func (e *testEnv) activeTokens(kind authserver.TokenKind) []authserver.TokenRecord {
	return e.server.ActiveTokens(kind)
}

// shortTokens counts the server's short-term tokens, all and active.
func (e *testEnv) shortTokens() (all, active int) { return e.exchangesOf("") }

// exchangesOf counts the short-term tokens the server minted for the long-term token
// parent ("": for any), all and active.
func (e *testEnv) exchangesOf(parent string) (all, active int) {
	for _, r := range e.server.Tokens() {
		if r.Kind == authserver.KindShort && (parent == "" || r.ParentTokenID == parent) {
			all++
			if r.State == authserver.StateActive {
				active++
			}
		}
	}
	return all, active
}

// serverLog renders the server's listing for failure messages.
func (e *testEnv) serverLog() string {
	var b bytes.Buffer
	for _, r := range e.server.Tokens() {
		fmt.Fprintf(&b, "%s %s %s parent=%s rotated_from=%s\n", r.ID, r.Kind, r.State, r.ParentTokenID, r.RotatedFrom)
	}
	return b.String()
}

// requestRecordLimit bounds the server's request records in a test: more than any test sends.
const requestRecordLimit = 10000

// withRequestRecords makes the server keep a record of each request (Server.Requests).
func withRequestRecords(o *authserver.Options) { o.RequestRecords = requestRecordLimit }

// echoSessionConfig opens a short-term token from parent with the defaults and hands its id
// to the echo provider.
func (e *testEnv) echoSessionConfig(parent string) string {
	return e.providerBlock(fmt.Sprintf("long_term_token = %q", parent)) + `
ephemeral "auth_short_term_token" "test" {}

provider "echo" {
  data = ephemeral.auth_short_term_token.test.token_id
}

resource "echo" "test" {}
`
}

// tokenAddr is the resource most configurations of the tests declare.
const tokenAddr = "auth_long_term_token.test" //nolint:gosec // G101: a resource address, not a credential

// serverCheck is a state check that compares Terraform's state with the server's record.
type serverCheck func(state *tfjson.State) error

func (c serverCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = c(req.State)
}

// stateAttr returns a string attribute of a resource (address such as auth_long_term_token.x
// or auth_long_term_token.x[3]) in Terraform's state.
func stateAttr(state *tfjson.State, address, attr string) (string, error) {
	if state == nil || state.Values == nil || state.Values.RootModule == nil {
		return "", fmt.Errorf("no state")
	}
	for _, r := range state.Values.RootModule.Resources {
		if r.Address == address {
			v, _ := r.AttributeValues[attr].(string)
			return v, nil
		}
	}
	return "", fmt.Errorf("%s not in state", address)
}

// stateTokenIDs returns the token_id of every auth_long_term_token in state.
func stateTokenIDs(state *tfjson.State) map[string]bool {
	ids := map[string]bool{}
	if state == nil || state.Values == nil || state.Values.RootModule == nil {
		return ids
	}
	for _, r := range state.Values.RootModule.Resources {
		if r.Type == "auth_long_term_token" {
			if id, ok := r.AttributeValues["token_id"].(string); ok {
				ids[id] = true
			}
		}
	}
	return ids
}

// capturedToken is a token of state remembered for a later step.
type capturedToken struct{ id, secret string }

// capture is a state check that remembers the token of tokenAddr in dst.
func capture(dst *capturedToken) serverCheck {
	return func(state *tfjson.State) (err error) {
		if dst.id, err = stateAttr(state, tokenAddr, "token_id"); err != nil {
			return err
		}
		dst.secret, err = stateAttr(state, tokenAddr, "token")
		return err
	}
}

// checkNoActiveTokens is a CheckDestroy: nothing the provider issued survives destroy.
func (e *testEnv) checkNoActiveTokens(s *terraform.State) error { return e.checkNoActiveTokensBut()(s) }

// checkNoActiveTokensBut is checkNoActiveTokens for a server that also holds credentials
// the test issued itself: those, and the short-term tokens exchanged for them, may stay.
func (e *testEnv) checkNoActiveTokensBut(keep ...string) func(*terraform.State) error {
	return func(*terraform.State) error {
		var left []string
		for _, r := range e.server.ActiveTokens("") {
			if !slices.Contains(keep, r.ID) && !slices.Contains(keep, r.ParentTokenID) {
				left = append(left, r.ID)
			}
		}
		if len(left) > 0 {
			return fmt.Errorf("%d tokens still active after destroy: %s\n%s", len(left), strings.Join(left, ", "), e.serverLog())
		}
		return nil
	}
}

// expectActiveLongTermTokensMatchState checks that the server's active long-term tokens are
// exactly those in state and the credentials the test issued itself: nothing orphaned,
// nothing missing.
func (e *testEnv) expectActiveLongTermTokensMatchState(credentials ...string) serverCheck {
	return func(state *tfjson.State) error {
		inState := stateTokenIDs(state)
		for _, id := range credentials {
			inState[id] = true
		}
		active := map[string]bool{}
		for _, r := range e.server.ActiveTokens(authserver.KindLong) {
			active[r.ID] = true
		}
		for id := range active {
			if !inState[id] {
				return fmt.Errorf("server token %s is active but not in state (orphaned)\n%s", id, e.serverLog())
			}
		}
		for id := range inState {
			if !active[id] {
				return fmt.Errorf("state token %s is not active on the server\n%s", id, e.serverLog())
			}
		}
		return nil
	}
}

// expectLongTermMinted checks how many long-term tokens the server ever issued.
func (e *testEnv) expectLongTermMinted(want int) serverCheck {
	return func(*tfjson.State) error {
		all := 0
		for _, r := range e.server.Tokens() {
			if r.Kind == authserver.KindLong {
				all++
			}
		}
		if all != want {
			return fmt.Errorf("server minted %d long-term tokens, want %d\n%s", all, want, e.serverLog())
		}
		return nil
	}
}

// tokenWorks checks that the server accepts the state's token of addr as a credential, by
// exchanging it for a short-term token that it then revokes.
func (e *testEnv) tokenWorks(addr string) serverCheck {
	return func(state *tfjson.State) error {
		secret, err := stateAttr(state, addr, "token")
		if err != nil {
			return err
		}
		short, err := e.exchangeDirect(secret)
		if err != nil {
			return fmt.Errorf("the token of %s does not work: %v", addr, err)
		}
		return e.apiClient().RevokeToken(context.Background(), short.TokenID, short.Token)
	}
}

// expectMechanism checks how the server says the token of addr was issued.
func (e *testEnv) expectMechanism(addr, mechanism string) serverCheck {
	return func(state *tfjson.State) error {
		id, err := stateAttr(state, addr, "token_id")
		if err != nil {
			return err
		}
		rec, _ := e.server.Token(id)
		if rec.Mechanism != mechanism {
			return fmt.Errorf("token %s was issued with %q, want %q", id, rec.Mechanism, mechanism)
		}
		return nil
	}
}

var expectRotationKey = []string{"token", "token_id", "expires_at"}

// expectServerTokenActive checks that the server holds the token of auth_long_term_token.test
// (tokenAddr) as active: state and server agree on which token is live.
func (e *testEnv) expectServerTokenActive() serverCheck {
	return func(state *tfjson.State) error {
		id, err := stateAttr(state, tokenAddr, "token_id")
		if err != nil {
			return err
		}
		rec, ok := e.server.Token(id)
		if !ok {
			return fmt.Errorf("server has no token %s (%s)", id, tokenAddr)
		}
		if rec.State != authserver.StateActive {
			return fmt.Errorf("server token %s is %s, want %s", id, rec.State, authserver.StateActive)
		}
		return nil
	}
}

// expectRotation is the plan of an in-place rotation: an update whose new secret, id and
// expiry are unknown.
func expectRotation(addr string) []plancheck.PlanCheck {
	checks := []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}
	for _, attr := range expectRotationKey {
		checks = append(checks, plancheck.ExpectUnknownValue(addr, tfjsonpath.New(attr)))
	}
	return append(checks, plancheck.ExpectSensitiveValue(addr, tfjsonpath.New("token")))
}

// attributeError matches an error diagnostic about attr: Terraform prints the attribute's
// own line of configuration under the summary (so the provider pointed at the attribute),
// then the detail. Each space in summary and detail matches any white space: Terraform
// wraps long lines.
func attributeError(attr, summary, detail string) string {
	return `(?s)Error: ` + words(summary) + `\n.*?\n\s*\d+:\s+` + regexp.QuoteMeta(attr) + `\s+=.*?` + words(detail)
}

// words quotes text for a regexp in which each space matches any run of white space.
func words(text string) string {
	parts := strings.Fields(text)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return strings.Join(parts, `\s+`)
}

// fuzzJWT builds an unsigned-looking compact JWT from a header and claims in JSON.
func fuzzJWT(header, claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(claims)) + ".c2lnbmF0dXJl"
}

// cliFeature skips a test on a CLI that lacks a feature, naming the feature and the version it
// needs (tfversion.SkipBelow names neither). Terraform and OpenTofu number their releases
// apart, so each has its own minimum; a nil openTofu minimum means OpenTofu has no such
// feature. Only a CLI accepted on purpose (TEST_TERRAFORM_MIN_VERSION, for cmd/testmatrix)
// can lack one that make test's CLI has.
type cliFeature struct {
	name                string
	terraform, openTofu *version.Version
}

var _ tfversion.TerraformVersionCheck = cliFeature{}

var (
	ephemeralResources = cliFeature{"ephemeral resources", tfversion.Version1_10_0, version.Must(version.NewVersion("1.11.0"))}
	ephemeralVersions  = []tfversion.TerraformVersionCheck{ephemeralResources}
	providerFunctions  = cliFeature{"provider functions", tfversion.Version1_8_0, version.Must(version.NewVersion("1.7.0"))}
	// identityFeature: import blocks with identity, and identity in state.
	identityFeature = cliFeature{"resource identity", tfversion.Version1_12_0, version.Must(version.NewVersion("1.12.0"))}
	// importBlockFeature: import blocks with an id; OpenTofu has had them since its first release.
	importBlockFeature = cliFeature{"import blocks", tfversion.Version1_5_0, version.Must(version.NewVersion("1.6.0"))}
	actionsFeature     = cliFeature{"actions", tfversion.Version1_14_0, nil}
)

// CheckTerraformVersion skips a resource.TestCase; TestMain has told which product the CLI is.
func (f cliFeature) CheckTerraformVersion(_ context.Context, req tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	resp.Skip = f.skip(testCLI.openTofu, req.TerraformVersion)
}

// skipBelow is the same check for a test that runs the CLI itself, on the CLI TestMain chose.
func (f cliFeature) skipBelow(t *testing.T) {
	t.Helper()
	if reason := f.skip(testCLI.openTofu, testCLI.version); reason != "" {
		t.Skip(reason)
	}
}

// skip says why a test cannot run on the CLI at version v, or "" when it can. A prerelease
// counts as its release, as tfversion.SkipBelow counts it.
func (f cliFeature) skip(openTofu bool, v *version.Version) string {
	cli, least := "Terraform", f.terraform
	if openTofu {
		cli, least = "OpenTofu", f.openTofu
	}
	switch {
	case least == nil:
		return fmt.Sprintf("%s: %s has none; the CLI under test is %s %s", f.name, cli, cli, v)
	case v.Core().LessThan(least):
		return fmt.Sprintf("%s: %s %s or later is needed; the CLI under test is %s %s", f.name, cli, least, cli, v)
	}
	return ""
}

func TestCLIFeatureSkip(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		feature  cliFeature
		openTofu bool
		version  string
		want     string
	}{
		"identity on Terraform 1.12":    {feature: identityFeature, version: "1.12.0"},
		"identity on a prerelease":      {feature: identityFeature, version: "1.12.0-beta1"},
		"identity on Terraform 1.11":    {feature: identityFeature, version: "1.11.4", want: "resource identity: Terraform 1.12.0 or later is needed; the CLI under test is Terraform 1.11.4"},
		"identity on OpenTofu 1.12":     {feature: identityFeature, openTofu: true, version: "1.12.6"},
		"identity on OpenTofu 1.11":     {feature: identityFeature, openTofu: true, version: "1.11.2", want: "resource identity: OpenTofu 1.12.0 or later is needed; the CLI under test is OpenTofu 1.11.2"},
		"import block on Terraform 1.5": {feature: importBlockFeature, version: "1.5.7"},
		"import block on OpenTofu 1.6":  {feature: importBlockFeature, openTofu: true, version: "1.6.0"},
		"ephemeral on Terraform 1.5":    {feature: ephemeralResources, version: "1.5.7", want: "ephemeral resources: Terraform 1.10.0 or later is needed; the CLI under test is Terraform 1.5.7"},
		"actions on Terraform 1.14":     {feature: actionsFeature, version: "1.14.0"},
		"actions on OpenTofu 1.15":      {feature: actionsFeature, openTofu: true, version: "1.15.0", want: "actions: OpenTofu has none; the CLI under test is OpenTofu 1.15.0"},
	}
	for name, tc := range tests {
		if got := tc.feature.skip(tc.openTofu, version.Must(version.NewVersion(tc.version))); got != tc.want {
			t.Errorf("%s: skip = %q, want %q", name, got, tc.want)
		}
	}
}

// builtProvider returns a CLI configuration whose dev_overrides serve the provider binary,
// and an empty working directory, both the test's own.
func builtProvider(t *testing.T) (cliConfig, workDir string) {
	t.Helper()
	pluginDir, err := providerPluginDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	workDir = filepath.Join(dir, "work")
	if err := os.Mkdir(workDir, 0o700); err != nil {
		t.Fatal(err)
	}
	cliConfig = filepath.Join(dir, "terraformrc")
	writeFile(t, cliConfig, fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"example/auth\" = %q\n  }\n  direct {}\n}\n", pluginDir))
	return cliConfig, workDir
}

// providerPluginDir builds the provider binary once per test process, into TestMain's
// scratch directory: the tests that run it only read it.
var providerPluginDir = sync.OnceValues(func() (string, error) {
	dir := filepath.Join(testScratch, "plugins")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", err
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-auth"), ".") //nolint:gosec // G204: builds this repository into the test process's directory
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return dir, nil
})

// terraformRunner runs the CLI in one working directory and keeps everything it printed.
type terraformRunner struct {
	t       *testing.T
	tf, dir string
	env     []string
	outputs []terraformOutput
}

type terraformOutput struct{ name, text string }

// cmd runs terraform and fails the test unless it succeeds.
func (r *terraformRunner) cmd(args ...string) string {
	r.t.Helper()
	out, err := r.run(args...)
	if err != nil {
		r.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, lastLines(out, 60))
	}
	return out
}

// run runs terraform and returns what it printed and how it ended.
func (r *terraformRunner) run(args ...string) (string, error) {
	cmd := exec.Command(r.tf, args...) //nolint:gosec // G204: the Terraform CLI that TestMain chose, with the test's arguments
	cmd.Dir = r.dir
	cmd.Env = append(filterEnv(os.Environ(), "TF_LOG", "TF_LOG_PATH", "TF_LOG_CORE", "TF_LOG_PROVIDER", "TF_CLI_CONFIG_FILE"), r.env...)
	var out bytes.Buffer // stdout and stderr interleaved, as a terminal shows them
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	r.outputs = append(r.outputs, terraformOutput{name: strings.Join(args, " "), text: out.String()})
	return out.String(), err
}

// filterEnv drops the named variables (and TF_LOG_* ones) from env.
func filterEnv(env []string, names ...string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return slices.Contains(names, name) || strings.HasPrefix(name, "TF_LOG_")
	})
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// warningRecord keeps the warnings that the provider hands to Terraform when it reads and
// plans resources: terraform-plugin-testing shows none of them, and Terraform prints each.
type warningRecord struct {
	mu       sync.Mutex
	warnings []recordedWarning
	calls    map[string]int // per RPC, across the provider servers of every command
}

// recordedWarning is one warning and the call that returned it (ReadResource or
// PlanResourceChange); call numbers the calls of that kind, so that a test can tell the
// warnings of one call from another's.
type recordedWarning struct {
	rpc             string
	call            int
	summary, detail string
}

// take returns the warnings recorded since the last take.
func (w *warningRecord) take() []recordedWarning {
	w.mu.Lock()
	defer w.mu.Unlock()
	taken := w.warnings
	w.warnings = nil
	return taken
}

func (w *warningRecord) add(rpc string, diags []*tfprotov6.Diagnostic) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.calls == nil {
		w.calls = map[string]int{}
	}
	w.calls[rpc]++
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityWarning {
			w.warnings = append(w.warnings, recordedWarning{rpc: rpc, call: w.calls[rpc], summary: d.Summary, detail: d.Detail})
		}
	}
}

// none is a step's expectation of no warning at all.
func (r *warningRecord) none() error {
	if w := r.take(); len(w) > 0 {
		return fmt.Errorf("%d warnings, want none: %+v", len(w), w)
	}
	return nil
}

// stepWarnings checks each step's warnings when the next step starts (the last ones at
// CheckDestroy): a step's final plans run after its state checks, and a plan-only step
// runs none.
type stepWarnings struct {
	t      *testing.T
	expect func() error
}

// then is a step's PreConfig: it checks the previous step's warnings, expects next of this
// step's, and runs before.
func (w *stepWarnings) then(next func() error, before ...func()) func() {
	return func() {
		if w.expect != nil {
			must(w.t, w.expect())
		}
		w.expect = next
		for _, f := range before {
			f()
		}
	}
}

// last checks the last step's warnings.
func (w *stepWarnings) last() error {
	if w.expect == nil {
		return nil
	}
	return w.expect()
}

// warningRecorder wraps a provider server and records its read and plan warnings. It hides
// the optional action RPCs: the tests that record warnings invoke no action.
type warningRecorder struct {
	tfprotov6.ProviderServer
	record *warningRecord
}

func (s *warningRecorder) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	resp, err := s.ProviderServer.ReadResource(ctx, req)
	if resp != nil {
		s.record.add("ReadResource", resp.Diagnostics)
	}
	return resp, err
}

func (s *warningRecorder) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	resp, err := s.ProviderServer.PlanResourceChange(ctx, req)
	if resp != nil {
		s.record.add("PlanResourceChange", resp.Diagnostics)
	}
	return resp, err
}

// factoriesRecordingWarnings is factories with the provider's read and plan warnings kept
// in record.
func (e *testEnv) factoriesRecordingWarnings(record *warningRecord) map[string]func() (tfprotov6.ProviderServer, error) {
	factories := e.factories()
	auth := factories["auth"]
	factories["auth"] = func() (tfprotov6.ProviderServer, error) {
		server, err := auth()
		if err != nil {
			return nil, err
		}
		return &warningRecorder{ProviderServer: server, record: record}, nil
	}
	return factories
}
