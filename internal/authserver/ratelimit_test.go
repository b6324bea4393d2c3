package authserver

import (
	"net/http"
	"testing"
	"time"
)

func TestRateLimitPerClient(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.RateLimit = RateLimit{PerSecond: 0.5, Burst: 2} })
	for i := range 2 {
		if r := h.issueLong(longBody("app", appSecret)); r.status != 201 {
			t.Fatalf("request %d: %d %s", i, r.status, r.raw)
		}
	}
	r := h.issueLong(longBody("app", appSecret))
	wantError(t, r, http.StatusTooManyRequests, codeRateLimited)
	if got := r.header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After %q, want 2 (one token at 0.5/s)", got)
	}
	// Other clients have their own bucket.
	if r := h.issueLong(longBody("other", otherSecret)); r.status != 201 {
		t.Errorf("other client: %d", r.status)
	}
	// Bearer requests count against the token's client.
	_, otherSecretToken := h.mustLong("other")
	wantError(t, h.issueShort(otherSecretToken, nil), http.StatusTooManyRequests, codeRateLimited)

	h.clock.Advance(2 * time.Second)
	if r := h.issueLong(longBody("app", appSecret)); r.status != 201 {
		t.Errorf("after refill: %d", r.status)
	}
	wantError(t, h.issueLong(longBody("app", appSecret)), http.StatusTooManyRequests, codeRateLimited)
	if got := h.srv.RequestCounts()[OpIssueLong]; got != 7 {
		t.Errorf("count %d, want 7 (rate-limited requests count)", got)
	}
}

func TestRateLimiterDefaults(t *testing.T) {
	cases := []struct {
		cfg         RateLimit
		rate, burst float64
		disabled    bool
	}{
		{RateLimit{}, 200, 400, false},
		{RateLimit{PerSecond: 10}, 10, 20, false},
		{RateLimit{PerSecond: 10, Burst: 3}, 10, 3, false},
		{RateLimit{Burst: 5}, 200, 5, false},
		{RateLimit{PerSecond: -1}, 0, 0, true},
	}
	for _, tc := range cases {
		l := newRateLimiter(tc.cfg)
		if l.rate != tc.rate || l.burst != tc.burst || l.disabled != tc.disabled {
			t.Errorf("%+v: rate %v burst %v disabled %v", tc.cfg, l.rate, l.burst, l.disabled)
		}
	}
	l := newRateLimiter(RateLimit{PerSecond: 1, Burst: 1})
	if ok, _ := l.allow("a", t0); !ok {
		t.Fatal("first request refused")
	}
	if ok, retry := l.allow("a", t0.Add(-time.Hour)); ok || retry != 1 {
		t.Errorf("clock set back: ok %v retry %d", ok, retry)
	}
}
