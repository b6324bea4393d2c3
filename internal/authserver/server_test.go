package authserver

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRequestID(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	cases := []struct {
		name, sent string
		echoed     bool
	}{
		{"echoed", "trace-123", true},
		{"max length", strings.Repeat("r", 128), true},
		{"too long", strings.Repeat("r", 129), false},
		{"none", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range []reply{
				h.issueLong(longBody("app", appSecret), "X-Request-Id", tc.sent),
				h.issueLong(longBody("app", "wrong"), "X-Request-Id", tc.sent),
			} {
				got := r.header.Get("X-Request-Id")
				if tc.echoed && got != tc.sent || !tc.echoed && (got == "" || got == tc.sent) {
					t.Errorf("%d: X-Request-Id %q", r.status, got)
				}
				if r.status == 401 && r.str("request_id") != got {
					t.Errorf("error body request_id %q", r.str("request_id"))
				}
			}
		})
	}
}

func TestManualClock(t *testing.T) {
	t.Parallel()
	c := NewManualClock(t0)
	c.Advance(time.Minute)
	if !c.Now().Equal(t0.Add(time.Minute)) {
		t.Errorf("Advance: %v", c.Now())
	}
	c.Set(t0)
	if !c.Now().Equal(t0) {
		t.Errorf("Set: %v", c.Now())
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { c.Advance(time.Second); _ = c.Now() })
	}
	wg.Wait()
	if !c.Now().Equal(t0.Add(8 * time.Second)) {
		t.Errorf("concurrent Advance: %v", c.Now())
	}
}

// TestConcurrentRequests runs many requests at once (meaningful under -race).
func TestConcurrentRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, secret := h.mustLong("app")
	var wg sync.WaitGroup
	ids := make(chan string, 64)
	for i := range 32 {
		wg.Go(func() {
			r := h.issueShort(secret, nil)
			if r.status != http.StatusCreated {
				t.Errorf("short: %d %s", r.status, r.raw)
				return
			}
			ids <- r.str("token_id")
			if i%2 == 0 {
				h.revoke(secret, r.str("token_id"))
			}
		})
		wg.Go(func() { h.issueLong(longBody("app", appSecret), "Idempotency-Key", "same") })
		wg.Go(func() { _ = h.srv.Tokens(); _ = h.srv.RequestCounts() })
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("id %s issued twice", id)
		}
		seen[id] = true
	}
	if n := len(h.srv.ActiveTokens(KindLong)); n != 2 {
		t.Errorf("%d long tokens, want 2 (one idempotent issue)", n)
	}
}

// TestLogsHoldNoSecrets exercises every path and checks the log for credentials.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	longR := h.issueLong(longBody("app", appSecret), "X-Request-Id", "rid-1")
	secret := longR.str("token")
	_, jwtToken := h.mustShort(secret, nil)
	if err := h.srv.AddOTPCode("app", "97531864"); err != nil {
		t.Fatal(err)
	}
	h.issueLong(map[string]any{"grant_type": "client_credentials", "client_id": "app", "otp_code": "97531864"})
	h.issueLong(longBody("app", "wrong-secret-guess"))
	h.srv.InjectFault(OpIssueShort, Fault{DropConnection: true})
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	_, _ = h.try(fresh, req{path: pathShort, headers: map[string]string{"Authorization": "Bearer " + secret}})
	h.revoke(jwtToken, longR.str("token_id"))
	h.revoke(secret, secret) // a token where its id belongs

	logs := h.logs.String()
	for _, s := range []string{appSecret, "97531864", "wrong-secret-guess", secret, jwtToken, "Bearer"} {
		if strings.Contains(logs, s) {
			t.Errorf("log contains %.12q...", s)
		}
	}
	for _, s := range []string{"request_id=rid-1", "client_id=app", "token_id=" + longR.str("token_id"), "outcome=dropped", "status=401"} {
		if !strings.Contains(logs, s) {
			t.Errorf("log lacks %q", s)
		}
	}
}
