package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"
)

// feature is a capability users rely on, and the tests that show it on a CLI.
type feature struct {
	Name  string
	Tests *regexp.Regexp
}

// features are the compatibility table's rows, each proven by the acceptance tests it names.
var features = []feature{
	{"`auth_long_term_token` resource (issue, rotate, revoke)", regexp.MustCompile(`^TestAccLongTermToken_(createWithEachMechanism|rotationTriggers|rotationWithGrace)$`)},
	{"`import` block", regexp.MustCompile(`^TestAccLongTermToken_importBlock`)},
	{"`provider::auth::token_claims` function", regexp.MustCompile(`^TestAccTokenClaims_`)},
	{"`auth_short_term_token` ephemeral resource", regexp.MustCompile(`^TestAccShortTermToken_(echo|keptOpen|errors)$`)},
	{"provider configured from an ephemeral value", regexp.MustCompile(`^TestAccShortTermToken_feedsAliasedProvider$`)},
	{"resource identity (`import` by `identity`)", regexp.MustCompile(`^TestAccLongTermToken_identity`)},
	{"`auth_revoke_token` action", regexp.MustCompile(`^TestAccRevokeTokenAction_`)},
}

// matrixTable is CLI × passed/skipped/failed, in Markdown.
func matrixTable(runs []run) string {
	var b strings.Builder
	b.WriteString("| CLI | passed | skipped | failed | time |\n| --- | ---: | ---: | ---: | ---: |\n")
	for _, r := range runs {
		failed := fmt.Sprint(r.Failed())
		if r.BuildFailed {
			failed = "package failed"
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %s |\n", r.CLI.Display(), r.Passed(), r.Skipped(), failed, r.Elapsed.Round(time.Second))
	}
	return b.String()
}

// featureTable is feature × CLI, in Markdown: each cell is what that CLI's run showed.
func featureTable(runs []run) string {
	var b strings.Builder
	b.WriteString("| feature |")
	for _, r := range runs {
		b.WriteString(" " + r.CLI.Display() + " |")
	}
	b.WriteString("\n| --- |" + strings.Repeat(" :---: |", len(runs)) + "\n")
	for _, f := range features {
		b.WriteString("| " + f.Name + " |")
		for _, r := range runs {
			b.WriteString(" " + r.cell(f) + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// cell is "yes" when every test of the feature passed, "no" with the skip's reason when they
// skipped, "FAIL" when any failed, and "not tested" when the suite has none.
func (r run) cell(f feature) string {
	var passed, skipped, failed int
	reason := ""
	for name, outcome := range r.Outcome {
		if !f.Tests.MatchString(name) {
			continue
		}
		switch outcome {
		case "pass":
			passed++
		case "skip":
			skipped++
			reason = r.Reason[name]
		case "fail":
			failed++
		}
	}
	switch {
	case failed > 0:
		return "FAIL"
	case passed > 0 && skipped == 0:
		return "yes"
	case skipped > 0 && passed == 0:
		return "no: " + strings.ReplaceAll(reason, "|", `\|`)
	case passed > 0:
		return fmt.Sprintf("partly (%d of %d tests)", passed, passed+skipped)
	}
	return "not tested"
}

const (
	beginMarker = "<!-- testmatrix:begin -->"
	endMarker   = "<!-- testmatrix:end -->"
)

// rewriteBetweenMarkers replaces what stands between the markers in path with table.
func rewriteBetweenMarkers(path, table string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	text := string(raw)
	before, rest, ok := strings.Cut(text, beginMarker+"\n")
	_, after, ok2 := strings.Cut(rest, endMarker)
	if !ok || !ok2 {
		return fmt.Errorf("%s has no %s … %s block to rewrite", path, beginMarker, endMarker)
	}
	return os.WriteFile(path, []byte(before+beginMarker+"\n"+table+endMarker+after), 0o644) //nolint:gosec // G306: a tracked, public document
}
