package authserver

import (
	"maps"
	"net/http"
	"testing"
	"time"
)

// fakeMonotonic replaces the limiter's real time with one that moves only when told to.
type fakeMonotonic struct{ now time.Time }

func (f *fakeMonotonic) install(h *harness) {
	h.srv.mu.Lock()
	defer h.srv.mu.Unlock()
	h.srv.limiter.now = func() time.Time { return f.now }
}

func TestRateLimitPerClient(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *Options) { o.RateLimit = RateLimit{PerSecond: 0.5, Burst: 2} })
	mono := &fakeMonotonic{now: time.Unix(0, 0)}
	mono.install(h)
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

	// The server's clock does not refill buckets: rate limits are about real time.
	h.clock.Advance(time.Hour)
	wantError(t, h.issueLong(longBody("app", appSecret)), http.StatusTooManyRequests, codeRateLimited)

	mono.now = mono.now.Add(2 * time.Second)
	if r := h.issueLong(longBody("app", appSecret)); r.status != 201 {
		t.Errorf("after refill: %d", r.status)
	}
	wantError(t, h.issueLong(longBody("app", appSecret)), http.StatusTooManyRequests, codeRateLimited)
	if got := h.srv.RequestCounts()[OpIssueLong]; got != 8 {
		t.Errorf("count %d, want 8 (rate-limited requests count)", got)
	}
	want := map[Operation]int{OpIssueLong: 3, OpIssueShort: 1, OpRevoke: 0}
	if got := h.srv.RateLimitedCounts(); !maps.Equal(got, want) {
		t.Errorf("rate-limited counts %v, want %v", got, want)
	}
	h.srv.ResetCounts()
	if got := h.srv.RateLimitedCounts()[OpIssueLong]; got != 0 {
		t.Errorf("rate-limited count %d after reset, want 0", got)
	}
}

// TestRateLimitRealTime: with the limiter's real clock, a bucket refills as real time
// passes while the server's manual clock stands still.
func TestRateLimitRealTime(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *Options) { o.RateLimit = RateLimit{PerSecond: 20, Burst: 1} })
	if r := h.issueLong(longBody("app", appSecret)); r.status != 201 {
		t.Fatalf("first request: %d %s", r.status, r.raw)
	}
	// 20 per second: one token back within 50 ms of real time.
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := h.issueLong(longBody("app", appSecret))
		if r.status == 201 {
			break
		}
		wantError(t, r, http.StatusTooManyRequests, codeRateLimited)
		if time.Now().After(deadline) {
			t.Fatal("the bucket never refilled in real time")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !h.clock.Now().Equal(t0) {
		t.Fatal("the manual clock moved")
	}
}

func TestRateLimiterDefaults(t *testing.T) {
	t.Parallel()
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
		if l.rate != tc.rate || l.burst != tc.burst {
			t.Errorf("%+v: rate %v burst %v", tc.cfg, l.rate, l.burst)
		}
		refused := 0
		for range 1000 {
			if ok, _ := l.allow("a"); !ok {
				refused++
			}
		}
		if disabled := refused == 0; disabled != tc.disabled {
			t.Errorf("%+v: %d of 1000 requests refused at once; want disabled %v", tc.cfg, refused, tc.disabled)
		}
	}
	l := newRateLimiter(RateLimit{PerSecond: 1, Burst: 1})
	now := t0
	l.now = func() time.Time { return now }
	if ok, _ := l.allow("a"); !ok {
		t.Fatal("first request refused")
	}
	now = t0.Add(-time.Hour)
	if ok, retry := l.allow("a"); ok || retry != 1 {
		t.Errorf("time going back: ok %v retry %d", ok, retry)
	}
}
