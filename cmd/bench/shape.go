//go:build linux

package main

import (
	"fmt"
	"strings"
)

// A shape is the attributes of one resource instance, as HCL expressions of about the
// values that provider stores (count.index keeps each instance's values distinct, and
// var.generation is the trigger that the rotate step changes).
type shape []shapeAttribute

type shapeAttribute struct{ name, expression string }

// authShape is an auth_long_term_token instance as the local server issues it: ids of 29
// characters, a 47-character secret (sensitive), RFC 3339 times, the defaults, and the
// attributes that are null until a rotation or without a timeouts block.
var authShape = shape{
	{"id", `format("lt_%026d", count.index)`},
	{"token_id", `format("lt_%026d", count.index)`},
	{"token", `sensitive(format("ltk_%043d", count.index))`},
	{"token_type", `"Bearer"`},
	{"client_id", `"bench"`},
	{"name", `"bench-${count.index}"`},
	{"scopes", `["bench:read"]`},
	{"ttl_days", `90`},
	{"rotate_before_days", `0`},
	{"grace_period_seconds", `0`},
	{"rotation_triggers", `{ generation = var.generation }`},
	{"detect_revocation", `null`},
	{"issued_at", `"2026-11-28T22:40:28Z"`},
	{"expires_at", `"2027-02-26T22:40:28Z"`},
	{"rotated_from", `null`},
	{"previous_token_expires_at", `null`},
	{"timeouts", `null`},
}

// peerShape is a time_static instance.
var peerShape = shape{
	{"id", `"2026-11-28T22:40:28Z"`},
	{"rfc3339", `"2026-11-28T22:40:28Z"`},
	{"triggers", `{ generation = var.generation }`},
	{"unix", `1795905628`},
	{"year", `2026`},
	{"month", `11`},
	{"day", `28`},
	{"hour", `22`},
	{"minute", `40`},
	{"second", `28`},
}

// shapeKind measures Terraform alone on N terraform_data instances of a shape. A change
// of var.generation changes the input: an in-place update.
func shapeKind(name string, attributes shape) kind {
	return kind{
		name: name, provider: "",
		rotate: [3]int{0, 1, 0},
		config: func(n int) string {
			var input strings.Builder
			for _, a := range attributes {
				fmt.Fprintf(&input, "    %s = %s\n", a.name, a.expression)
			}
			return fmt.Sprintf(`variable "generation" { type = string }

resource "terraform_data" "bench" {
  count = %d
  input = {
%s  }
}
`, n, input.String())
		},
	}
}
