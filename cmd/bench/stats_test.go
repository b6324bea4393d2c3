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
	auth := &workspace{kind: kindNamed(t, "auth"), n: 3}
	twin := &workspace{kind: kindNamed(t, "twin"), n: 3}
	peer := &workspace{kind: kindNamed(t, "time"), n: 3}
	ok := []struct {
		w    *workspace
		step string
		out  string
	}{
		{auth, "create", "Apply complete! Resources: 3 added, 0 changed, 0 destroyed."},
		{auth, "rotate", "Apply complete! Resources: 0 added, 3 changed, 0 destroyed."},
		{twin, "rotate", "Apply complete! Resources: 0 added, 3 changed, 0 destroyed."},
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

func kindNamed(t *testing.T, name string) kind {
	t.Helper()
	for _, k := range kinds {
		if k.name == name {
			return k
		}
	}
	t.Fatalf("no kind %s", name)
	return kind{}
}

func TestParseHTTPCost(t *testing.T) {
	out := "pkg: github.com/example/terraform-provider-auth/internal/authclient\n" +
		"BenchmarkIssueLongTermToken-2   	    3300	    338508 ns/op	    206616 cpu-ns/op	   14088 B/op	     198 allocs/op\n" +
		"BenchmarkRevokeToken-2          	    4598	    230024 ns/op	    154937 cpu-ns/op	   10263 B/op	     126 allocs/op\n" +
		"BenchmarkServerIssueLong-2      	   10000	    100000 ns/op"
	c, err := parseHTTPCost(out)
	if err != nil || c.issue != 206616 || c.revoke != 154937 {
		t.Fatalf("parseHTTPCost = %+v, %v", c, err)
	}
	if got := c.of("create", 400); got != 400*206616 {
		t.Errorf("create at 400 costs %v", got)
	}
	if got := c.of("destroy", 400); got != 400*154937 {
		t.Errorf("destroy at 400 costs %v", got)
	}
	if got := c.of("plan", 400); got != 0 {
		t.Errorf("plan costs %v", got)
	}
	if _, err := parseHTTPCost("BenchmarkIssueLongTermToken-2 10 5 ns/op"); err == nil {
		t.Error("accepted benchmarks without cpu-ns/op")
	}
}

func TestTargetsFromMedians(t *testing.T) {
	r := results{}
	add := func(kind, step string, n int, wall, cpu time.Duration) {
		k := resultKey{kind, step, n}
		r[k] = append(r[k], sample{Kind: kind, Step: step, N: n, Wall: wall, ProviderCPU: cpu, ProviderRSSKiB: 1000})
	}
	for _, step := range steps {
		add("auth", step, 100, 1040*time.Millisecond, 1100*time.Millisecond)
		add("twin", step, 100, time.Second, time.Second)
		add("auth", step, 400, 4200*time.Millisecond, 4500*time.Millisecond)
		add("twin", step, 400, 4*time.Second, 4*time.Second)
	}
	got := map[string]bool{}
	for _, tg := range targets(options{sizes: []int{100, 400}}, r, nil, httpCost{issue: time.Millisecond, revoke: time.Millisecond}) {
		got[tg.name] = tg.met
	}
	for name, want := range map[string]bool{
		"create: wall ≤ 1.05×, issue 400, exchange 0, revoke 0": true,  // 1.05
		"plan: wall ≤ 1.02×, issue 0, exchange 0, revoke 0":     false, // 1.05
		"create: provider CPU ≤ 1.10× twin + HTTP cost":         true,  // 4.5 ≤ 4.4 + 0.4
		"plan: provider CPU ≤ 1.10× twin + HTTP cost":           false, // 4.5 > 4.4
		"create: auth ÷ twin at N=400 within 3% of N=100":       true,  // 1.04 → 1.05
	} {
		if met, ok := got[name]; !ok || met != want {
			t.Errorf("target %q: met %t (present %t), want %t", name, met, ok, want)
		}
	}
}
