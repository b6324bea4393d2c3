package authserver

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestIdempotentReplayLong(t *testing.T) {
	t.Parallel()
	k := testKeys()
	cases := []struct {
		name string
		body func(h *harness) map[string]any
	}{
		{"client secret", func(h *harness) map[string]any { return longBody("app", appSecret) }},
		// The replay must not fail although the code was spent by the original.
		{"one-time code", func(h *harness) map[string]any {
			return map[string]any{"grant_type": "client_credentials", "client_id": "app", "otp_code": "123456"}
		}},
		// Likewise for the assertion's jti.
		{"assertion", func(h *harness) map[string]any {
			return assertionBody(h.assertion(jwt.SigningMethodEdDSA, k.ed, nil))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			body := tc.body(h)
			first := h.issueLong(body, "Idempotency-Key", "key-1")
			if first.status != 201 || first.header.Get("Idempotent-Replayed") != "" {
				t.Fatalf("first: %d %s %v", first.status, first.raw, first.header)
			}
			h.clock.Advance(23 * time.Hour)
			again := h.issueLong(body, "Idempotency-Key", "key-1")
			if again.status != 201 || again.header.Get("Idempotent-Replayed") != "true" || string(again.raw) != string(first.raw) {
				t.Fatalf("replay: %d %s %v", again.status, again.raw, again.header)
			}
			if again.header.Get("X-Request-Id") == first.header.Get("X-Request-Id") {
				t.Error("the replay reused the original request id header")
			}
			if n := len(h.srv.Tokens()); n != 1 {
				t.Errorf("%d tokens, want 1", n)
			}
			// Another key is another request: the credential is spent by now, except
			// for the reusable client secret.
			other := h.issueLong(body, "Idempotency-Key", "key-2")
			if tc.name == "client secret" {
				if other.status != 201 || other.str("token_id") == first.str("token_id") {
					t.Errorf("new key: %d %s", other.status, other.raw)
				}
			} else {
				wantError(t, other, 401, codeInvalidGrant)
			}
		})
	}
}

func TestIdempotentReplayShort(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, secret := h.mustLong("app")
	body := map[string]any{"ttl_seconds": 120, "scopes": []string{"data:read"}}
	first := h.issueShort(secret, body, "Idempotency-Key", "k")
	// The same body in another member order and formatting is the same body.
	again := h.do(req{path: pathShort, body: `{ "scopes": ["data:read"],  "ttl_seconds": 120 }`,
		headers: map[string]string{"Authorization": "Bearer " + secret, "Idempotency-Key": "k"}})
	if first.status != 201 || again.status != 201 || again.str("token") != first.str("token") ||
		again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("first %d %s, again %d %s", first.status, first.raw, again.status, again.raw)
	}
	if n := len(h.srv.ActiveTokens(KindShort)); n != 1 {
		t.Errorf("%d short tokens, want 1", n)
	}
	// No body and an empty object are the same request too.
	a := h.issueShort(secret, nil, "Idempotency-Key", "empty")
	b := h.issueShort(secret, map[string]any{}, "Idempotency-Key", "empty")
	if a.status != 201 || b.header.Get("Idempotent-Replayed") != "true" || a.str("token_id") != b.str("token_id") {
		t.Errorf("empty bodies: %s / %s", a.raw, b.raw)
	}
}

func TestIdempotencyKeyReusedWithAnotherBody(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if r := h.issueLong(longBody("app", appSecret, "name", "a"), "Idempotency-Key", "k"); r.status != 201 {
		t.Fatalf("first: %d %s", r.status, r.raw)
	}
	wantError(t, h.issueLong(longBody("app", appSecret, "name", "b"), "Idempotency-Key", "k"), 422, codeKeyReused)
	_, secret := h.mustLong("app")
	h.issueShort(secret, map[string]any{"ttl_seconds": 60}, "Idempotency-Key", "s")
	wantError(t, h.issueShort(secret, map[string]any{"ttl_seconds": 61}, "Idempotency-Key", "s"), 422, codeKeyReused)
}

func TestIdempotencyScopedByCallerAndWindow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := h.issueLong(longBody("app", appSecret), "Idempotency-Key", "shared")
	b := h.issueLong(longBody("other", otherSecret), "Idempotency-Key", "shared")
	if a.status != 201 || b.status != 201 || b.header.Get("Idempotent-Replayed") != "" || a.str("token_id") == b.str("token_id") {
		t.Fatalf("two clients, one key: %s / %s", a.raw, b.raw)
	}
	// Two long-term tokens of one client are two callers for issueShortTermToken.
	_, s1 := h.mustLong("app")
	_, s2 := h.mustLong("app")
	x, y := h.issueShort(s1, nil, "Idempotency-Key", "k"), h.issueShort(s2, nil, "Idempotency-Key", "k")
	if x.str("token_id") == y.str("token_id") || y.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("two tokens, one key: %s / %s", x.raw, y.raw)
	}
	// After 24 hours the key is free again.
	h.clock.Advance(24 * time.Hour)
	c := h.issueLong(longBody("app", appSecret), "Idempotency-Key", "shared")
	if c.status != 201 || c.header.Get("Idempotent-Replayed") != "" || c.str("token_id") == a.str("token_id") {
		t.Errorf("after 24h: %d %s", c.status, c.raw)
	}
}

func TestIdempotentReplayOfAnError(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := map[string]any{"grant_type": "client_credentials", "client_id": "app", "otp_code": "999999"}
	first := h.issueLong(body, "Idempotency-Key", "k")
	wantError(t, first, 401, codeInvalidGrant)
	again := h.issueLong(body, "Idempotency-Key", "k")
	wantErrorReplay(t, again, first)
	// The original request id stays in the replayed body.
	if again.str("request_id") != first.str("request_id") {
		t.Errorf("replayed body changed: %s", again.raw)
	}
}

func wantErrorReplay(t *testing.T, again, first reply) {
	t.Helper()
	if again.status != first.status || string(again.raw) != string(first.raw) || again.header.Get("Idempotent-Replayed") != "true" ||
		again.header.Get("WWW-Authenticate") != first.header.Get("WWW-Authenticate") {
		t.Fatalf("replay %d %s %v of %d %s", again.status, again.raw, again.header, first.status, first.raw)
	}
}

func TestIdempotencyValidationErrorsAreNotStored(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	wantError(t, h.issueLong(longBody("app", appSecret, "ttl_days", 0), "Idempotency-Key", "k"), 400, codeInvalidRequest)
	if r := h.issueLong(longBody("app", appSecret), "Idempotency-Key", "k"); r.status != 201 {
		t.Fatalf("corrected request: %d %s", r.status, r.raw)
	}
}

func TestIdempotencyInProgress(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// Long enough for the two requests below to arrive while it is held, on a loaded machine.
	h.srv.InjectFault(OpIssueLong, Fault{Delay: 2 * time.Second})
	body := longBody("app", appSecret)
	var (
		wg    sync.WaitGroup
		first reply
	)
	wg.Go(func() { first = h.issueLong(body, "Idempotency-Key", "slow") })
	// Wait until the first request holds the key.
	deadline := time.Now().Add(5 * time.Second)
	for {
		h.srv.mu.Lock()
		n := len(h.srv.idem.entries)
		h.srv.mu.Unlock()
		if n == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	second := h.issueLong(body, "Idempotency-Key", "slow")
	wantError(t, second, 409, codeInProgress)
	wantError(t, h.issueLong(longBody("app", appSecret, "name", "x"), "Idempotency-Key", "slow"), 422, codeKeyReused)
	wg.Wait()
	if first.status != 201 {
		t.Fatalf("first: %d %s", first.status, first.raw)
	}
	third := h.issueLong(body, "Idempotency-Key", "slow")
	if third.header.Get("Idempotent-Replayed") != "true" || third.str("token_id") != first.str("token_id") {
		t.Errorf("after completion: %d %s", third.status, third.raw)
	}
	if n := len(h.srv.Tokens()); n != 1 {
		t.Errorf("%d tokens", n)
	}
	if got := h.srv.RequestCounts()[OpIssueLong]; got != 4 {
		t.Errorf("count %d, want 4", got)
	}
}

func TestIdempotencyFaultsAreNotStored(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.srv.InjectFault(OpIssueLong, Fault{Status: http.StatusServiceUnavailable})
	wantError(t, h.issueLong(longBody("app", appSecret), "Idempotency-Key", "k"), 503, codeUnavailable)
	r := h.issueLong(longBody("app", appSecret), "Idempotency-Key", "k")
	if r.status != 201 || r.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("retry after fault: %d %s", r.status, r.raw)
	}
}
