package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

func (r *longTermTokenResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	// Two raw attributes, not the whole model: Terraform validates every instance on every
	// plan, and reflecting into the model costs far more than this check (raw_values.go).
	attrs := rawAttributes(req.Config.Raw)
	config := longTermTokenModel{RotateBeforeDays: rawInt64(attrs["rotate_before_days"]), TTLDays: rawInt64(attrs["ttl_days"])}
	if config.RotateBeforeDays.IsNull() || config.RotateBeforeDays.IsUnknown() || config.TTLDays.IsUnknown() {
		return
	}
	ttl := int64(defaultTTLDays)
	if !config.TTLDays.IsNull() {
		ttl = config.TTLDays.ValueInt64()
	}
	if before := config.RotateBeforeDays.ValueInt64(); before >= ttl {
		resp.Diagnostics.AddAttributeError(path.Root("rotate_before_days"), "rotate_before_days is not less than ttl_days",
			fmt.Sprintf("rotate_before_days (%d) must be less than ttl_days (%d), or every apply would rotate the token. Lower it, or raise ttl_days.", before, ttl))
	}
}

// ModifyPlan decides whether an update rotates. A rotation shows the new secret, id and
// expiry as unknown; anything else keeps every computed value, so it calls no API.
func (r *longTermTokenResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	// Any change leaves the framework's plan with every computed value that configuration
	// does not set unknown already: the issued values, and the scopes when not configured.
	frameworkMarked := !req.Plan.Raw.Equal(req.State.Raw)
	if !frameworkMarked {
		// No argument changed (the common plan): only the clock, an unknown secret or a
		// refresh that found the token dead can call for a rotation, and three raw attributes
		// (raw_values.go) and the private state tell. Reflecting whole models into structs
		// was most of this provider's own time in a no-change plan.
		attrs := rawAttributes(req.State.Raw)
		token, expiresAt, rotateBeforeDays := rawString(attrs["token"]), rawString(attrs["expires_at"]), rawInt64(attrs["rotate_before_days"])
		if !secretUnknown(token) && rotationDueByClock(expiresAt, rotateBeforeDays, r.data.now()) == "" && !hasRevocation(ctx, req.Private) {
			resp.Diagnostics.Append(r.warnExpiry(ctx, req.State, expiresAt, rotateBeforeDays)...)
			return
		}
	}
	state, diags := modelFromRaw(ctx, req.State.Raw)
	resp.Diagnostics.Append(diags...)
	plan, diags := modelFromRaw(ctx, req.Plan.Raw)
	resp.Diagnostics.Append(diags...)
	config, diags := modelFromRaw(ctx, req.Config.Raw)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx = r.data.mask(ctx, state.Token.ValueString())

	reasons := rotationReasons(state, plan, config, r.data.now())
	if rec := readRevocation(ctx, req.Private, state.TokenID.ValueString()); rec != nil {
		reasons = append(reasons, "the token no longer works: "+rec.Reason)
	}
	if len(reasons) == 0 {
		resp.Diagnostics.Append(r.warnExpiry(ctx, req.State, state.ExpiresAt, plan.RotateBeforeDays)...)
		plan.keepIssued(state)
		if config.Scopes.IsNull() {
			plan.Scopes = state.Scopes
		}
		resp.Diagnostics.Append(writeModel(ctx, &resp.Plan.Raw, plan)...)
		return
	}
	tflog.Info(ctx, "auth_long_term_token will rotate", map[string]any{"token_id": state.TokenID.ValueString(), "reasons": reasons})
	if frameworkMarked {
		return // the plan shows the rotation as it is; setting it again was a third of a rotation's ModifyPlan
	}
	plan.setAllIssued(types.StringUnknown())
	if config.Scopes.IsNull() {
		plan.Scopes = types.SetUnknown(types.StringType)
	}
	resp.Diagnostics.Append(writeModel(ctx, &resp.Plan.Raw, plan)...)
}

// rotationReasons lists why the planned update must rotate; none means it must not.
func rotationReasons(state, plan, config longTermTokenModel, now time.Time) []string {
	var reasons []string
	if secretUnknown(state.Token) {
		reasons = append(reasons, "the token's secret is unknown (imported)")
	}
	if !plan.Name.Equal(state.Name) {
		reasons = append(reasons, "name changed")
	}
	if !config.Scopes.IsNull() && !plan.Scopes.Equal(state.Scopes) {
		reasons = append(reasons, "scopes changed")
	}
	if !plan.TTLDays.Equal(state.TTLDays) {
		reasons = append(reasons, "ttl_days changed")
	}
	if !sameTriggers(plan.RotationTriggers, state.RotationTriggers) {
		reasons = append(reasons, "rotation_triggers changed")
	}
	if due := rotationDueByClock(state.ExpiresAt, plan.RotateBeforeDays, now); due != "" {
		reasons = append(reasons, due)
	}
	return reasons
}

// secretUnknown reports a token without its secret (imported): only a rotation learns it.
func secretUnknown(token types.String) bool {
	return token.IsNull() || token.ValueString() == ""
}

// rotationDueByClock says why time alone makes a rotation due, or "" when it does not: the
// token expired, it is within rotate_before_days of its expiry, or its expiry is unreadable.
func rotationDueByClock(expiresAt types.String, rotateBeforeDays types.Int64, now time.Time) string {
	expiry, err := time.Parse(time.RFC3339, expiresAt.ValueString())
	before := rotateBeforeDays.ValueInt64()
	switch {
	case err != nil:
		return "the token's expiry is unknown"
	case !now.Before(expiry):
		return "the token expired at " + expiresAt.ValueString()
	case before > 0 && !now.Before(expiry.Add(-time.Duration(before)*24*time.Hour)):
		return fmt.Sprintf("within rotate_before_days (%d) of its expiry", before)
	}
	return ""
}

// warnExpiry warns about a token that no rotation is planned for and that expires within
// the provider's expiry_warning_days, when rotate_before_days (as planned) does not rotate
// it first. It reads the token id from state only when it warns: this runs in every plan.
func (r *longTermTokenResource) warnExpiry(ctx context.Context, state tfsdk.State, expiresAt types.String, rotateBeforeDays types.Int64) diag.Diagnostics {
	var diags diag.Diagnostics
	now := r.data.now()
	expiry, ok := expiresWithin(expiresAt, rotateBeforeDays, now, r.data.expiryWarning)
	if !ok {
		return diags
	}
	var tokenID types.String
	diags.Append(state.GetAttribute(ctx, path.Root("token_id"), &tokenID)...)
	diags.AddWarning(fmt.Sprintf("Token %s expires on %s with no rotation due", tokenID.ValueString(), expiry.UTC().Format(time.DateOnly)),
		fmt.Sprintf("auth_long_term_token %s expires at %s (%s), within the provider's expiry_warning_days (%d), "+
			"and nothing rotates it before then: its rotate_before_days is 0. Set rotate_before_days (a number of days "+
			"below ttl_days) so that an apply inside that window rotates it, or change a value in rotation_triggers to "+
			"rotate it with the next apply. Set expiry_warning_days = 0 in the provider to turn these warnings off.",
			tokenID.ValueString(), expiresAt.ValueString(), inDays(expiry.Sub(now)), int64(r.data.expiryWarning/(24*time.Hour))))
	return diags
}

// expiresWithin returns the expiry of a token that expires within window (not yet
// expired: that rotates) and that rotate_before_days does not rotate first: any positive
// rotate_before_days comes due before the expiry. A zero window never warns.
func expiresWithin(expiresAt types.String, rotateBeforeDays types.Int64, now time.Time, window time.Duration) (time.Time, bool) {
	if window <= 0 || rotateBeforeDays.ValueInt64() > 0 {
		return time.Time{}, false
	}
	expiry, err := time.Parse(time.RFC3339, expiresAt.ValueString())
	left := expiry.Sub(now)
	return expiry, err == nil && left > 0 && left <= window
}

// inDays renders the time a token has left, in whole days rounded down.
func inDays(d time.Duration) string {
	switch days := int(d / (24 * time.Hour)); days {
	case 0:
		return "in less than a day"
	case 1:
		return "in 1 day"
	default:
		return fmt.Sprintf("in %d days", days)
	}
}

// sameTriggers treats an absent map and an empty one alike, and an unknown one as a change.
func sameTriggers(a, b types.Map) bool {
	if a.IsUnknown() || b.IsUnknown() {
		return false
	}
	if len(a.Elements()) == 0 && len(b.Elements()) == 0 {
		return true
	}
	return a.Equal(b)
}
