package authserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestControls(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	get := func(path string) reply { return h.do(req{method: http.MethodGet, path: path}) }
	post := func(path string, body any) reply { return h.do(req{path: path, body: body}) }

	// Each answer is pinned twice: its bytes on the wire, which curl users and the README
	// rely on, and a strict decoding into its type, which the bench and demo-tokens use.
	r := get("/_test/health")
	if r.status != 200 || string(r.raw) != `{"status":"ok"}` {
		t.Errorf("health: %d %s", r.status, r.raw)
	}
	if health := decodeStrictly[HealthResponse](t, r); health.Status != "ok" {
		t.Errorf("health decoded as %+v", health)
	}

	longID, secret := h.mustLong("app")
	shortID, _ := h.mustShort(secret, nil)
	r = get("/_test/tokens")
	if r.status != 200 || !strings.HasPrefix(string(r.raw), `{"tokens":[{"id":"`+longID+`","kind":"long",`) {
		t.Fatalf("tokens: %d %s", r.status, r.raw)
	}
	listing := decodeStrictly[TokensResponse](t, r)
	if len(listing.Tokens) != 2 {
		t.Fatalf("tokens: %d listed, want 2: %s", len(listing.Tokens), r.raw)
	}
	if long, short := listing.Tokens[0], listing.Tokens[1]; long.ID != longID || long.Kind != KindLong || long.State != StateActive ||
		long.Mechanism != "client_secret" || short.ID != shortID || short.ParentTokenID != longID {
		t.Errorf("tokens decoded as %+v", listing.Tokens)
	}
	r = get("/_test/counts")
	if r.status != 200 || string(r.raw) != `{"issueLongTermToken":1,"issueShortTermToken":1,"revokeToken":0}` {
		t.Errorf("counts: %d %s", r.status, r.raw)
	}
	if counts := decodeStrictly[CountsResponse](t, r); counts[OpIssueLong] != 1 || counts[OpIssueShort] != 1 || counts[OpRevoke] != 0 {
		t.Errorf("counts decoded as %v", counts)
	}
	if r := post("/_test/counts/reset", nil); r.status != 204 || h.srv.RequestCounts()[OpIssueLong] != 0 {
		t.Errorf("reset: %d", r.status)
	}

	// Clock: the JSON a curl user writes, and the typed request the clients send.
	r = post("/_test/clock", map[string]any{"advance": "1h"})
	if r.status != 200 || string(r.raw) != `{"now":"2030-01-02T04:04:05Z"}` {
		t.Errorf("advance: %d %s", r.status, r.raw)
	}
	if now := decodeStrictly[ClockResponse](t, r).Now; !now.Equal(t0.Add(time.Hour)) {
		t.Errorf("advance decoded as %v", now)
	}
	if r := post("/_test/clock", ClockRequest{Advance: "30m"}); r.status != 200 || !h.clock.Now().Equal(t0.Add(90*time.Minute)) {
		t.Errorf("typed advance: %d %s", r.status, r.raw)
	}
	if r := post("/_test/clock", map[string]any{"now": "2031-01-01T00:00:00Z"}); r.status != 200 || !h.clock.Now().Equal(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("set: %d %s", r.status, r.raw)
	}
	back := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	if r := post("/_test/clock", ClockRequest{Now: &back}); r.status != 200 || !h.clock.Now().Equal(back) {
		t.Errorf("typed set: %d %s", r.status, r.raw)
	}
	wantError(t, post("/_test/clock", map[string]any{}), 400, codeInvalidRequest)
	wantError(t, post("/_test/clock", map[string]any{"advance": "soon"}), 400, codeInvalidRequest)
	wantError(t, post("/_test/clock", map[string]any{"now": "2031-01-01T00:00:00Z", "advance": "1h"}), 400, codeInvalidRequest)

	// Faults.
	if r := post("/_test/faults", map[string]any{"operation": "issueLongTermToken", "status": 503, "retry_after": 3, "times": 2}); r.status != 204 {
		t.Fatalf("inject: %d %s", r.status, r.raw)
	}
	for range 2 {
		r := h.issueLong(longBody("app", appSecret))
		wantError(t, r, 503, codeUnavailable)
		if r.header.Get("Retry-After") != "3" {
			t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
		}
	}
	if r := post("/_test/faults", FaultRequest{Operation: OpIssueLong, Status: 429, RetryAfter: 7}); r.status != 204 {
		t.Fatalf("typed inject: %d %s", r.status, r.raw)
	}
	r = h.issueLong(longBody("app", appSecret))
	wantError(t, r, 429, codeRateLimited)
	if r.header.Get("Retry-After") != "7" {
		t.Errorf("typed fault: Retry-After %q", r.header.Get("Retry-After"))
	}
	post("/_test/faults", map[string]any{"operation": "issueShortTermToken", "status": 500, "delay": "1ms"})
	if r := h.do(req{method: http.MethodDelete, path: "/_test/faults"}); r.status != 204 {
		t.Errorf("clear: %d", r.status)
	}
	_, secret = h.mustLong("app") // the first one expired when the clock moved to 2031
	if r := h.issueShort(secret, nil); r.status != 201 {
		t.Errorf("after clear: %d", r.status)
	}
	for _, bad := range []map[string]any{
		{"operation": "nope"},
		{"operation": "revokeToken", "status": 404},
		{"operation": "revokeToken", "delay": "forever"},
		{"operation": "revokeToken", "hold": "-1s"},
		{"operation": "revokeToken", "after_processing": true},
		{"operation": "revokeToken", "colour": "red"},
	} {
		wantError(t, post("/_test/faults", bad), 400, codeInvalidRequest)
	}

	// Clients.
	if r := post("/_test/clients", ClientConfig{ID: "new", Secret: "new-secret-value", AllowedScopes: []string{"data:read"}}); r.status != 201 {
		t.Fatalf("add client: %d %s", r.status, r.raw)
	}
	if r := h.issueLong(longBody("new", "new-secret-value")); r.status != 201 {
		t.Errorf("new client: %d %s", r.status, r.raw)
	}
	wantError(t, post("/_test/clients", ClientConfig{ID: "new", Secret: "another-secret"}), 409, codeInvalidRequest)
	wantError(t, post("/_test/clients", ClientConfig{ID: "bad", AllowedScopes: []string{"Bad"}}), 400, codeInvalidRequest)
	wantError(t, get("/_test/nothing"), 404, codeNotFound)
}

// decodeStrictly decodes an answer into its control type, refusing any field the type
// lacks, as demo-tokens does.
func decodeStrictly[T any](t *testing.T, r reply) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(bytes.NewReader(r.raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Errorf("%s does not decode into %T: %v", r.raw, v, err)
	}
	return v
}

func TestClockControlNeedsManualClock(t *testing.T) {
	t.Parallel()
	srv, err := New(Options{TestControls: true})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	h := &harness{t: t, srv: srv, ts: ts}
	wantError(t, h.do(req{path: "/_test/clock", body: map[string]any{"advance": "1h"}}), 409, codeInvalidRequest)
}

func TestControlsOffByDefault(t *testing.T) {
	t.Parallel()
	srv, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	h := &harness{t: t, srv: srv, ts: ts}
	wantError(t, h.do(req{method: http.MethodGet, path: "/_test/health"}), 404, codeNotFound)
}
