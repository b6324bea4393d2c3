package provider

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
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
