package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// bodySecret is planted in every malformed answer: a diagnostic must never quote a body.
const bodySecret = "ltk_PLANTEDsecretINaMALFORMEDbody0123456789" //nolint:gosec // G101: a planted fake, searched for in diagnostics

// malformedAnswer is one way an Auth API answer can break the contract.
type malformedAnswer struct {
	name        string
	status      int
	contentType string
	body        string
	// cause is what the diagnostic must say about it.
	cause string
}

func malformedAnswers(valid map[string]any) []malformedAnswer {
	with := func(field string, value any) string {
		m := map[string]any{}
		for k, v := range valid {
			m[k] = v
		}
		if value == nil {
			delete(m, field)
		} else {
			m[field] = value
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	full := with("token", bodySecret)
	return []malformedAnswer{
		{"HTML error page", http.StatusBadGateway, "text/html", "<html><body><h1>502 Bad Gateway</h1>" + bodySecret + "</body></html>",
			`HTTP 502: response body is not a JSON Error object (Content-Type "text/html"`},
		{"empty body", http.StatusCreated, "application/json", "", `HTTP 201: invalid response: empty body`},
		{"truncated JSON", http.StatusCreated, "application/json", full[:len(full)/2], `HTTP 201: invalid response: body is not valid JSON`},
		{"missing required field", http.StatusCreated, "application/json", with("token_id", nil), `"token_id" is missing or null`},
		{"wrong type", http.StatusCreated, "application/json", with("token_id", 12345), `"token_id" has the wrong type: JSON number, want string`},
		{"unparsable timestamp", http.StatusCreated, "application/json", with("expires_at", "next Tuesday"), `"expires_at" is not an RFC 3339 date-time`},
		{"body over the size limit", http.StatusCreated, "application/json", with("token", bodySecret+strings.Repeat("x", 1<<20)), `response body exceeds 1 MiB`},
		{"unexpected status", http.StatusOK, "application/json", full, `HTTP 200: unexpected status (want 201)`},
		{"redirect", http.StatusFound, "text/html", "<a href=https://elsewhere.example/>" + bodySecret + "</a>", `HTTP 302: unexpected status (want 201)`},
	}
}

// fakeAuthAPI answers issue, exchange and revoke validly, except the operation it is told to
// break, until it is told to behave.
type fakeAuthAPI struct {
	mu      sync.Mutex
	breakOp string // "issue", "open" or "revoke"; "" answers everything validly
	answer  malformedAnswer
	next    int
}

func (f *fakeAuthAPI) behave() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.breakOp = ""
}

func (f *fakeAuthAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	op, answer := "", f.answer
	switch {
	case strings.HasSuffix(r.URL.Path, "/auth/tokens/long"):
		op = "issue"
	case strings.HasSuffix(r.URL.Path, "/auth/tokens/short"):
		op = "open"
	case strings.HasSuffix(r.URL.Path, "/revoke"):
		op = "revoke"
	}
	broken := op == f.breakOp
	f.next++
	n := f.next
	f.mu.Unlock()

	w.Header().Set("X-Request-Id", r.Header.Get("X-Request-Id"))
	if broken {
		if answer.status == http.StatusFound {
			w.Header().Set("Location", "https://elsewhere.example/")
		}
		w.Header().Set("Content-Type", answer.contentType)
		w.WriteHeader(answer.status)
		_, _ = w.Write([]byte(answer.body))
		return
	}
	now := time.Now().UTC().Truncate(time.Second)
	var body map[string]any
	switch op {
	case "issue":
		body = validLongAnswer(n, now)
	case "open":
		body = validShortAnswer(n, now)
	case "revoke":
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(body)
}

func validLongAnswer(n int, now time.Time) map[string]any {
	return map[string]any{
		"token_id": fmt.Sprintf("lt_FAKE%016d", n), "token": fmt.Sprintf("ltk_fake%d", n), "token_type": "Bearer",
		"client_id": testClientID, "scopes": []string{"deploy:read"},
		"issued_at": now.Format(time.RFC3339), "expires_at": now.Add(90 * 24 * time.Hour).Format(time.RFC3339),
	}
}

func validShortAnswer(n int, now time.Time) map[string]any {
	return map[string]any{
		"token_id": fmt.Sprintf("st_FAKE%016d", n), "token": fuzzJWT(`{"alg":"ES256"}`, `{"sub":"ci-pipeline"}`), "token_type": "Bearer",
		"expires_in": 900, "expires_at": now.Add(15 * time.Minute).Format(time.RFC3339), "scopes": []string{"deploy:read"},
		"parent_token_id": "lt_FAKE0000000000000000",
	}
}

// TestAccMalformedAnswers: each malformed answer of the Auth API, to a real terraform run,
// fails it with a diagnostic that names the operation, the HTTP status and what is wrong,
// quotes nothing from the body, and leaves the provider running.
func TestAccMalformedAnswers(t *testing.T) {
	t.Parallel()
	ops := []struct {
		op      string
		valid   map[string]any
		summary string
	}{
		{"issue", validLongAnswer(0, time.Now()), `Issue outcome unknown: auth_long_term_token`},
		{"open", validShortAnswer(0, time.Now()), `Cannot open auth_short_term_token`},
		{"revoke", validLongAnswer(0, time.Now()), `Cannot revoke auth_long_term_token lt_FAKE\d+ with the token itself`},
	}
	for _, o := range ops {
		for _, answer := range malformedAnswers(o.valid) {
			if o.op == "revoke" && answer.status == http.StatusCreated && answer.name != "empty body" {
				continue // revoke expects 204 and no body: one 201 stands for all
			}
			t.Run(o.op+"/"+answer.name, func(t *testing.T) {
				t.Parallel()
				if o.op == "revoke" {
					answer.cause = strings.ReplaceAll(answer.cause, "want 201", "want 204")
					if answer.status == http.StatusCreated {
						answer.cause = "HTTP 201: unexpected status (want 204)"
					}
				}
				runMalformed(t, o.op, answer, o.summary)
			})
		}
	}
}

func runMalformed(t *testing.T, op string, answer malformedAnswer, summary string) {
	api := &fakeAuthAPI{answer: answer}
	server := httptest.NewServer(api)
	t.Cleanup(server.Close)
	config := fmt.Sprintf(`provider "auth" {
  endpoint        = %q
  client_id       = %q
  client_secret   = %q
  long_term_token = "ltk_fake_parent"
  max_retries     = 0
}
`, server.URL+"/v1", testClientID, testClientSecret)
	if op == "open" {
		config += `
ephemeral "auth_short_term_token" "test" {}

provider "echo" {
  data = ephemeral.auth_short_term_token.test.token_id
}

resource "echo" "test" {}
`
	} else {
		config += `
resource "auth_long_term_token" "test" {}
`
	}
	var versions []tfversion.TerraformVersionCheck
	if op == "open" {
		versions = ephemeralVersions
	}
	var failure error
	breakOp := resource.TestStep{
		PreConfig: func() {
			api.mu.Lock()
			api.breakOp = op
			api.mu.Unlock()
		},
		Config:  config,
		Destroy: op == "revoke",
	}
	var steps []resource.TestStep
	if op == "revoke" {
		steps = append(steps, resource.TestStep{Config: config})
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){
			// No contract validation here: the answers break the contract on purpose.
			"auth": providerserver.NewProtocol6WithError(&authProvider{version: "test", now: time.Now}),
			"echo": echoprovider.NewProviderServer(),
		},
		TerraformVersionChecks: versions,
		ErrorCheck: func(err error) error {
			if failure != nil {
				return err // only the broken step may fail
			}
			failure = err
			api.behave() // the test's own destroy must be able to clean up
			return nil
		},
		Steps: append(steps, breakOp),
	})
	if t.Skipped() {
		return
	}
	if failure == nil {
		t.Fatal("the run succeeded on a malformed answer")
	}
	text := strings.Join(strings.Fields(failure.Error()), " ")
	for _, want := range []string{summary, regexp.QuoteMeta(answer.cause), `does not follow the Auth API contract`} {
		if !regexp.MustCompile(want).MatchString(text) {
			t.Errorf("the diagnostic does not say %q:\n%s", want, failure)
		}
	}
	for _, bad := range []string{bodySecret, "<html", "panic", "Plugin did not respond"} {
		if strings.Contains(text, bad) {
			t.Errorf("the diagnostic contains %q:\n%s", bad, failure)
		}
	}
}
