package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
)

// stream is what `go test -json` prints for a run with a pass, a skip with its reason, a
// failure inside a subtest, a subtest that skipped under a passing parent, and a parent all
// of whose subtests skipped.
const stream = `{"Action":"run","Test":"TestAccTokenClaims_errors"}
{"Action":"output","Test":"TestAccTokenClaims_errors","Output":"=== RUN   TestAccTokenClaims_errors\n"}
{"Action":"pass","Test":"TestAccTokenClaims_errors"}
{"Action":"run","Test":"TestAccShortTermToken_echo"}
{"Action":"output","Test":"TestAccShortTermToken_echo","Output":"    short_term_token_ephemeral_resource_test.go:40: ephemeral resources need Terraform 1.10.0 or later: skipping\n"}
{"Action":"output","Test":"TestAccShortTermToken_echo","Output":"--- SKIP: TestAccShortTermToken_echo (0.00s)\n"}
{"Action":"skip","Test":"TestAccShortTermToken_echo"}
{"Action":"run","Test":"TestAccLongTermToken_rotationTriggers/step"}
{"Action":"output","Test":"TestAccLongTermToken_rotationTriggers/step","Output":"    boom\n"}
{"Action":"fail","Test":"TestAccLongTermToken_rotationTriggers/step"}
{"Action":"fail","Test":"TestAccLongTermToken_rotationTriggers"}
{"Action":"skip","Test":"TestAccTokenClaims_matchesServer/optional"}
{"Action":"pass","Test":"TestAccTokenClaims_matchesServer/required"}
{"Action":"pass","Test":"TestAccTokenClaims_matchesServer"}
{"Action":"output","Test":"TestAccTokenClaims_unknownArgument/null","Output":"    token_claims_function_test.go:9: provider functions need Terraform 1.8.0 or later\n"}
{"Action":"skip","Test":"TestAccTokenClaims_unknownArgument/null"}
{"Action":"skip","Test":"TestAccTokenClaims_unknownArgument/empty"}
{"Action":"pass","Test":"TestAccTokenClaims_unknownArgument"}
{"Action":"pass","Test":"TestAccShortTermToken_feedsAliasedProvider"}
not json: a build line
{"Action":"fail"}
`

func TestParseEvents(t *testing.T) {
	t.Parallel()
	r, err := parseEvents(strings.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	if r.Passed() != 3 || r.Skipped() != 2 || r.Failed() != 1 || r.Outcome["TestAccTokenClaims_matchesServer"] != "pass" {
		t.Errorf("passed/skipped/failed = %d/%d/%d, want 3/2/1 (subtests are not counted)", r.Passed(), r.Skipped(), r.Failed())
	}
	if got, want := r.Reason["TestAccShortTermToken_echo"], "ephemeral resources need Terraform 1.10.0 or later: skipping"; got != want {
		t.Errorf("skip reason = %q, want %q", got, want)
	}
	if got, want := r.Reason["TestAccTokenClaims_unknownArgument"], "provider functions need Terraform 1.8.0 or later"; got != want {
		t.Errorf("a test whose every subtest skipped is skipped for its subtests' reason: got %q, want %q", got, want)
	}
	if r.BuildFailed {
		t.Error("a package that failed because a test did is not a build failure")
	}
	if out := strings.Join(r.Output["TestAccLongTermToken_rotationTriggers"], ""); !strings.Contains(out, "boom") {
		t.Errorf("a subtest's output belongs to its top-level test, got %q", out)
	}
}

func TestParseEvents_packageFailedOutsideTests(t *testing.T) {
	t.Parallel()
	r, err := parseEvents(strings.NewReader(`{"Action":"output","Output":"FATAL: no Terraform CLI\n"}` + "\n" + `{"Action":"fail"}` + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	r.CLI = cli{Product: "OpenTofu", Version: version.Must(version.NewVersion("1.12.6"))}
	if !r.BuildFailed || !strings.Contains(r.Summary(), "FATAL: no Terraform CLI") {
		t.Errorf("a package failing in TestMain must be reported with its output; got %q", r.Summary())
	}
}

func TestFeatureCells(t *testing.T) {
	t.Parallel()
	r, err := parseEvents(strings.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	r.CLI = cli{Product: "Terraform", Version: version.Must(version.NewVersion("1.9.0"))}
	table := featureTable([]run{r})
	for _, want := range []string{
		"| `auth_long_term_token` resource (issue, rotate, revoke) | FAIL |",
		"| `provider::auth::token_claims` function | partly (2 of 3 tests) |",
		"| `auth_short_term_token` ephemeral resource | no: ephemeral resources need Terraform 1.10.0 or later: skipping |",
		"| `auth_revoke_token` action | not tested |",
		"| provider configured from an ephemeral value | yes |",
		"| feature | Terraform 1.9.0 |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("feature table lacks %q:\n%s", want, table)
		}
	}
}

func TestRewriteBetweenMarkers(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "README.md")
	if err := os.WriteFile(path, []byte("# x\n"+beginMarker+"\nold\n"+endMarker+"\ntail\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := rewriteBetweenMarkers(path, "| new |\n"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if want := "# x\n" + beginMarker + "\n| new |\n" + endMarker + "\ntail\n"; string(got) != want {
		t.Errorf("rewritten file = %q, want %q", got, want)
	}
	if err := rewriteBetweenMarkers(path+".none", ""); err == nil {
		t.Error("a missing file must be an error")
	}
}
