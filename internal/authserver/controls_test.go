package authserver

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestControls(t *testing.T) {
	h := newHarness(t)
	get := func(path string) reply { return h.do(req{method: http.MethodGet, path: path}) }
	post := func(path string, body any) reply { return h.do(req{path: path, body: body}) }

	if r := get("/_test/health"); r.status != 200 || r.str("status") != "ok" {
		t.Errorf("health: %d %s", r.status, r.raw)
	}

	_, secret := h.mustLong("app")
	h.mustShort(secret, nil)
	r := get("/_test/tokens")
	if list, _ := r.body["tokens"].([]any); r.status != 200 || len(list) != 2 {
		t.Fatalf("tokens: %d %s", r.status, r.raw)
	}
	r = get("/_test/counts")
	if r.body["issueLongTermToken"] != float64(1) || r.body["issueShortTermToken"] != float64(1) || r.body["revokeToken"] != float64(0) {
		t.Errorf("counts: %s", r.raw)
	}
	if r := post("/_test/counts/reset", nil); r.status != 204 || h.srv.RequestCounts()[OpIssueLong] != 0 {
		t.Errorf("reset: %d", r.status)
	}

	// Clock.
	if r := post("/_test/clock", map[string]any{"advance": "1h"}); r.status != 200 || r.str("now") != "2030-01-02T04:04:05Z" {
		t.Errorf("advance: %d %s", r.status, r.raw)
	}
	if r := post("/_test/clock", map[string]any{"now": "2031-01-01T00:00:00Z"}); r.status != 200 || !h.clock.Now().Equal(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("set: %d %s", r.status, r.raw)
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

func TestClockControlNeedsManualClock(t *testing.T) {
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
	srv, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	h := &harness{t: t, srv: srv, ts: ts}
	wantError(t, h.do(req{method: http.MethodGet, path: "/_test/health"}), 404, codeNotFound)
}
