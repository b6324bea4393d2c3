package authserver

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestStateFileRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.json")
	withState := func(o *Options) { o.StatePath = path }
	h := newHarness(t, withState)

	keptID, keptSecret := h.mustLong("app", "name", "kept")
	otpR := h.issueLong(map[string]any{"grant_type": "client_credentials", "client_id": "app", "otp_code": "123456"}, "Idempotency-Key", "k")
	revokedID, revokedSecret := h.mustLong("app")
	h.revoke(revokedSecret, revokedID)
	shortID, shortJWT := h.mustShort(keptSecret, nil)
	assertion := h.assertion(jwt.SigningMethodES256, testKeys().ec, nil)
	if r := h.issueLong(assertionBody(assertion)); r.status != 201 {
		t.Fatalf("assertion: %d %s", r.status, r.raw)
	}
	if err := h.srv.AddClient(ClientConfig{ID: "late", Secret: "late-secret-value", AllowedScopes: []string{"data:read"}, OTPCodes: []string{"24682468"}}); err != nil {
		t.Fatal(err)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{appSecret, otherSecret, readerSecret, "late-secret-value", "123456", "7654321", "24682468",
		keptSecret, revokedSecret, otpR.str("token"), shortJWT, assertion} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("state file contains the secret %.12q...", secret)
		}
	}
	if !bytes.Contains(data, []byte(keptID)) || !json.Valid(data) {
		t.Fatal("state file lacks the tokens or is not JSON")
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v (%v)", fi.Mode(), err)
	}
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp")); len(matches) != 0 {
		t.Errorf("temporary files left: %v", matches)
	}

	// Restart: same clients file, same state file, time moves on.
	h.ts.Close()
	h2 := newHarness(t, withState, func(o *Options) { o.Clock = h.clock })
	h2.clock = h.clock
	h.clock.Advance(time.Hour)
	if got, want := len(h2.srv.Tokens()), len(h.srv.Tokens()); got != want {
		t.Errorf("%d tokens after restart, want %d", got, want)
	}
	if r := h2.issueShort(keptSecret, nil); r.status != 201 {
		t.Errorf("long-term token after restart: %d %s", r.status, r.raw)
	}
	if rec, _ := h2.srv.Token(keptID); rec.Name != "kept" || rec.Mechanism != mechSecret {
		t.Errorf("record after restart %+v", rec)
	}
	wantError(t, h2.issueShort(revokedSecret, nil), 401, codeInvalidToken)
	// The signing key is new: short-term tokens did not survive.
	wantError(t, h2.revoke(shortJWT, shortID), 401, codeInvalidToken)
	if s := h2.state(shortID); s != StateRevoked {
		t.Errorf("short-term token after restart: %s", s)
	}
	// Spent one-time codes and jtis stay spent; unspent ones and runtime clients stay.
	wantError(t, h2.issueLong(map[string]any{"grant_type": "client_credentials", "client_id": "app", "otp_code": "123456"}), 401, codeInvalidGrant)
	wantError(t, h2.issueLong(assertionBody(assertion)), 401, codeInvalidGrant)
	if r := h2.issueLong(map[string]any{"grant_type": "client_credentials", "client_id": "app", "otp_code": "7654321"}); r.status != 201 {
		t.Errorf("unspent code: %d %s", r.status, r.raw)
	}
	if r := h2.issueLong(map[string]any{"grant_type": "client_credentials", "client_id": "late", "otp_code": "24682468"}); r.status != 201 {
		t.Errorf("runtime client: %d %s", r.status, r.raw)
	}
	if r := h2.issueLong(longBody("late", "late-secret-value")); r.status != 201 {
		t.Errorf("runtime client secret: %d %s", r.status, r.raw)
	}
	// Idempotent answers are memory only.
	r := h2.issueLong(map[string]any{"grant_type": "client_credentials", "client_id": "app", "otp_code": "123456"}, "Idempotency-Key", "k")
	wantError(t, r, 401, codeInvalidGrant)
}

func TestStateFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{StatePath: bad}); err == nil || strings.Contains(err.Error(), "not json") {
		t.Errorf("corrupt state: %v", err)
	}
	if _, err := New(Options{StatePath: filepath.Join(dir, "missing", "state.json")}); err == nil {
		t.Error("unwritable state path accepted")
	}
}

func TestClientConfigValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cfg  ClientConfig
	}{
		{"no id", ClientConfig{}},
		{"bad scope", ClientConfig{ID: "a", AllowedScopes: []string{"Bad"}}},
		{"default not allowed", ClientConfig{ID: "a", AllowedScopes: []string{"x"}, DefaultScopes: []string{"y"}}},
		{"bad otp", ClientConfig{ID: "a", OTPCodes: []string{"12345"}}},
		{"bad key", ClientConfig{ID: "a", PublicKeysPEM: []string{"not pem"}}},
		{"duplicate", ClientConfig{ID: "app"}},
	}
	h := newHarness(t)
	for _, tc := range cases {
		if err := h.srv.AddClient(tc.cfg); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	if _, err := New(Options{Clients: []ClientConfig{{ID: "a", AllowedScopes: []string{"Bad"}}}}); err == nil {
		t.Error("New accepted an invalid client")
	}
}
