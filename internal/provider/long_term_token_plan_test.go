package provider

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/example/terraform-provider-auth/internal/authserver"
)

// TestRotationDueByClock: the check of a plan in which no argument changed asks only
// whether time has made a rotation due.
func TestRotationDueByClock(t *testing.T) {
	t.Parallel()
	expiry := time.Date(2030, 3, 31, 0, 0, 0, 0, time.UTC)
	expiresAt := types.StringValue(expiry.Format(time.RFC3339))
	tests := map[string]struct {
		expiresAt        types.String
		rotateBeforeDays types.Int64
		at               time.Time
		want             string // "" for not due
	}{
		"valid, no window":          {expiresAt: expiresAt, rotateBeforeDays: types.Int64Value(0), at: expiry.Add(-time.Second)},
		"expired":                   {expiresAt: expiresAt, rotateBeforeDays: types.Int64Value(0), at: expiry, want: "expired"},
		"before the window":         {expiresAt: expiresAt, rotateBeforeDays: types.Int64Value(10), at: expiry.Add(-10*24*time.Hour - time.Second)},
		"window open":               {expiresAt: expiresAt, rotateBeforeDays: types.Int64Value(10), at: expiry.Add(-10 * 24 * time.Hour), want: "within rotate_before_days (10)"},
		"rotate_before_days null":   {expiresAt: expiresAt, rotateBeforeDays: types.Int64Null(), at: expiry.Add(-time.Hour)},
		"expiry unreadable":         {expiresAt: types.StringValue("soon"), rotateBeforeDays: types.Int64Value(0), at: expiry.Add(-time.Hour), want: "expiry is unknown"},
		"expiry null (placeholder)": {expiresAt: types.StringNull(), rotateBeforeDays: types.Int64Value(0), at: expiry.Add(-time.Hour), want: "expiry is unknown"},
	}
	for name, tc := range tests {
		got := rotationDueByClock(tc.expiresAt, tc.rotateBeforeDays, tc.at)
		if (got == "") != (tc.want == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: rotationDueByClock = %q, want %q", name, got, tc.want)
		}
	}
}

// TestExpiresWithin: only a token that expires inside the window, and that no
// rotate_before_days rotates first, warns.
func TestExpiresWithin(t *testing.T) {
	t.Parallel()
	expiry := time.Date(2030, 3, 31, 0, 0, 0, 0, time.UTC)
	expiresAt := types.StringValue(expiry.Format(time.RFC3339))
	window := 14 * 24 * time.Hour
	off := types.Int64Value(0)
	tests := map[string]struct {
		expiresAt        types.String
		rotateBeforeDays types.Int64
		at               time.Time
		window           time.Duration
		want             bool
	}{
		"outside the window":           {expiresAt: expiresAt, rotateBeforeDays: off, at: expiry.Add(-window - time.Second), window: window},
		"window's first second":        {expiresAt: expiresAt, rotateBeforeDays: off, at: expiry.Add(-window), window: window, want: true},
		"a second before expiry":       {expiresAt: expiresAt, rotateBeforeDays: off, at: expiry.Add(-time.Second), window: window, want: true},
		"expired (it rotates)":         {expiresAt: expiresAt, rotateBeforeDays: off, at: expiry, window: window},
		"rotate_before_days rotates":   {expiresAt: expiresAt, rotateBeforeDays: types.Int64Value(1), at: expiry.Add(-2 * 24 * time.Hour), window: window},
		"rotate_before_days null":      {expiresAt: expiresAt, rotateBeforeDays: types.Int64Null(), at: expiry.Add(-time.Hour), window: window, want: true},
		"warnings off":                 {expiresAt: expiresAt, rotateBeforeDays: off, at: expiry.Add(-time.Hour)},
		"expiry unreadable (rotates)":  {expiresAt: types.StringValue("soon"), rotateBeforeDays: off, at: expiry.Add(-time.Hour), window: window},
		"expiry null (a placeholder)":  {expiresAt: types.StringNull(), rotateBeforeDays: off, at: expiry.Add(-time.Hour), window: window},
		"a window of a year, 300 days": {expiresAt: expiresAt, rotateBeforeDays: off, at: expiry.Add(-300 * 24 * time.Hour), window: 365 * 24 * time.Hour, want: true},
	}
	for name, tc := range tests {
		got, ok := expiresWithin(tc.expiresAt, tc.rotateBeforeDays, tc.at, tc.window)
		if ok != tc.want || (ok && !got.Equal(expiry)) {
			t.Errorf("%s: expiresWithin = %v, %v; want %v", name, got, ok, tc.want)
		}
	}
}

// TestAccLongTermToken_expiryWarning: a plan warns about a token that expires within
// expiry_warning_days (default 14) with nothing rotating it first, once per plan, naming the
// token, the date and the fix; it is silent while the token has longer to live, when
// rotate_before_days will rotate the token first, with expiry_warning_days = 0, and when a
// rotation is planned. Only the issuance and that rotation call the API.
func TestAccLongTermToken_expiryWarning(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	var record warningRecord
	config := func(providerLine, resourceLines string) string {
		return e.providerBlock(fmt.Sprintf("client_secret = %q", testClientSecret), providerLine) + `
resource "auth_long_term_token" "test" {
  ttl_days = 30
  ` + resourceLines + `
}`
	}
	var token capturedToken
	var expiryDate string
	silent := record.none
	// warned: the plans warned about the token, once per plan, with its id, its expiry date
	// and both fixes; reads did not.
	warned := func() error {
		warnings := record.take()
		if len(warnings) == 0 {
			return errors.New("no expiry warning")
		}
		perCall := map[int]int{}
		for _, w := range warnings {
			perCall[w.call]++
			if w.rpc != "PlanResourceChange" || perCall[w.call] > 1 {
				return fmt.Errorf("want one warning per plan, got %+v", warnings)
			}
			if want := "Token " + token.id + " expires on " + expiryDate + " with no rotation due"; w.summary != want {
				return fmt.Errorf("warning summary %q, want %q", w.summary, want)
			}
			for _, part := range []string{"auth_long_term_token " + token.id, expiryDate, "(in 12 days)", "expiry_warning_days (14)", "rotate_before_days", "rotation_triggers"} {
				if !strings.Contains(w.detail, part) {
					return fmt.Errorf("warning detail lacks %q: %s", part, w.detail)
				}
			}
		}
		return nil
	}
	steps := &stepWarnings{t: t} // each step's warnings are checked when the next starts
	then := steps.then
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factoriesRecordingWarnings(&record),
		CheckDestroy: func(s *terraform.State) error {
			return errors.Join(steps.last(), e.checkNoActiveTokens(s))
		},
		Steps: []resource.TestStep{
			{
				PreConfig: then(silent),
				Config:    config("", ""),
				ConfigStateChecks: []statecheck.StateCheck{capture(&token), serverCheck(func(s *tfjson.State) error {
					expiresAt, err := stateAttr(s, tokenAddr, "expires_at")
					expiryDate = expiresAt[:len(time.DateOnly)]
					return err
				})},
			},
			{
				// 15 days left: silent.
				PreConfig: then(silent, func() { e.clock.Advance(15 * 24 * time.Hour) }),
				Config:    config("", ""),
				PlanOnly:  true,
			},
			{
				// 12 and a half days left: every plan warns, and plans nothing.
				PreConfig: then(warned, func() { e.clock.Advance(2*24*time.Hour + 12*time.Hour) }),
				Config:    config("", ""),
				PlanOnly:  true,
			},
			{
				// A grace period change is an update without rotation: its plans warn too.
				PreConfig:        then(warned),
				Config:           config("", "grace_period_seconds = 60"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate)}},
			},
			{
				// rotate_before_days will rotate the token first (in 7 and a half days): silent.
				PreConfig:        then(silent),
				Config:           config("", "grace_period_seconds = 60\n  rotate_before_days = 5"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate)}},
			},
			{
				// Warnings turned off: silent, with rotate_before_days off again.
				PreConfig: then(silent),
				Config:    config("expiry_warning_days = 0", "grace_period_seconds = 60"),
			},
			{
				// A rotation planned now (with no grace): silent, and the new token has 30 days.
				PreConfig:        then(silent),
				Config:           config("", "rotation_triggers = { v = \"2\" }"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: expectRotation(tokenAddr)},
				ConfigStateChecks: []statecheck.StateCheck{
					e.expectActiveLongTermTokensMatchState(),
					e.expectRequests(map[authserver.Operation]int{authserver.OpIssueLong: 2, authserver.OpIssueShort: 0, authserver.OpRevoke: 0}),
				},
			},
		},
	})
}

// must fails the test with err, if any: for checks in a PreConfig, of the step before (a
// plan-only step runs no state checks).
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
