//go:build linux

package main

import (
	"testing"
	"time"

	"github.com/example/terraform-provider-auth/internal/authserver"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{7}, 7},
		{[]time.Duration{9, 1, 5}, 5},
		{[]time.Duration{4, 1, 3, 2}, 2}, // (2+3)/2 in integer nanoseconds
		{[]time.Duration{10, 30, 20, 1000, 0}, 20},
	} {
		in := append([]time.Duration(nil), tc.in...)
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
		for i := range in {
			if in[i] != tc.in[i] {
				t.Fatalf("median reordered its input: %v", tc.in)
			}
		}
	}
}

func TestExpectedRequests(t *testing.T) {
	for step, want := range map[string][3]int{
		"create":  {400, 0, 0},
		"plan":    {0, 0, 0},
		"rotate":  {400, 0, 0},
		"destroy": {0, 0, 400},
	} {
		got := expectedRequests(step, 400)
		if got[authserver.OpIssueLong] != want[0] || got[authserver.OpIssueShort] != want[1] || got[authserver.OpRevoke] != want[2] {
			t.Errorf("expectedRequests(%s, 400) = %v, want issue %d, exchange %d, revoke %d", step, got, want[0], want[1], want[2])
		}
	}
}

func TestCheckOutcome(t *testing.T) {
	auth := &workspace{kind: kinds[0], n: 3}
	peer := &workspace{kind: kinds[1], n: 3}
	ok := []struct {
		w    *workspace
		step string
		out  string
	}{
		{auth, "create", "Apply complete! Resources: 3 added, 0 changed, 0 destroyed."},
		{auth, "rotate", "Apply complete! Resources: 0 added, 3 changed, 0 destroyed."},
		{peer, "rotate", "Apply complete! Resources: 3 added, 0 changed, 3 destroyed."},
		{auth, "destroy", "Destroy complete! Resources: 3 destroyed."},
	}
	for _, tc := range ok {
		if err := tc.w.checkOutcome(tc.step, []byte(tc.out)); err != nil {
			t.Errorf("%s %s: %v", tc.w.kind.name, tc.step, err)
		}
	}
	bad := []struct {
		w    *workspace
		step string
		out  string
	}{
		{auth, "create", "Apply complete! Resources: 2 added, 0 changed, 0 destroyed."},
		{auth, "rotate", "Apply complete! Resources: 3 added, 0 changed, 3 destroyed."}, // replaced, not rotated in place
		{auth, "destroy", "Destroy complete! Resources: 2 destroyed."},
		{auth, "create", "Error: something"},
	}
	for _, tc := range bad {
		if err := tc.w.checkOutcome(tc.step, []byte(tc.out)); err == nil {
			t.Errorf("%s %s accepted %q", tc.w.kind.name, tc.step, tc.out)
		}
	}
}
