package authserver

import (
	"net/http"
	"testing"
	"time"
)

func TestRevokeCascadesToShortTokens(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	longID, secret := h.mustLong("app")
	s1, jwt1 := h.mustShort(secret, nil)
	s2, _ := h.mustShort(secret, nil)
	otherLong, _ := h.mustLong("app")

	if r := h.revoke(jwt1, longID); r.status != http.StatusNoContent || len(r.raw) != 0 {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	for _, id := range []string{longID, s1, s2} {
		if s := h.state(id); s != StateRevoked {
			t.Errorf("%s: %s", id, s)
		}
	}
	if s := h.state(otherLong); s != StateActive {
		t.Errorf("unrelated token: %s", s)
	}
	if rec, _ := h.srv.Token(s2); rec.RevokedAt == nil || !rec.RevokedAt.Equal(t0) {
		t.Errorf("child record %+v", rec)
	}
	// Neither the long-term token nor its children authenticate any more.
	wantError(t, h.issueShort(secret, nil), 401, codeInvalidToken)
	wantError(t, h.revoke(jwt1, otherLong), 401, codeInvalidToken)
}

func TestRevokeCascadesToReplacedTokenInGrace(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	oldID, oldSecret := h.mustLong("app")
	oldChild, _ := h.mustShort(oldSecret, nil)
	r := h.issueLong(longBody("app", appSecret, "rotate_token_id", oldID, "grace_period_seconds", 3600))
	if r.status != 201 {
		t.Fatalf("rotate: %d %s", r.status, r.raw)
	}
	newID, newSecret := r.str("token_id"), r.str("token")
	h.clock.Advance(time.Minute)
	if r := h.revoke(newSecret, newID); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	for _, id := range []string{newID, oldID, oldChild} {
		if s := h.state(id); s != StateRevoked {
			t.Errorf("%s: %s", id, s)
		}
	}
	if rec, _ := h.srv.Token(oldID); !rec.RevokedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("old revoked at %v, want the revocation time", rec.RevokedAt)
	}
	wantError(t, h.issueShort(oldSecret, nil), 401, codeInvalidToken)
}

func TestRevokeDoesNotTouchReplacedTokenAfterGrace(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	oldID, _ := h.mustLong("app")
	r := h.issueLong(longBody("app", appSecret, "rotate_token_id", oldID, "grace_period_seconds", 60))
	newID, newSecret := r.str("token_id"), r.str("token")
	h.clock.Advance(2 * time.Minute)
	h.revoke(newSecret, newID)
	if rec, _ := h.srv.Token(oldID); rec.State != StateRevoked || !rec.RevokedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("old %+v: its grace end should stand", rec)
	}
}

func TestRevokeSelfAlways(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	longID, secret := h.mustLong("app", "ttl_days", 1)
	shortID, jwtToken := h.mustShort(secret, map[string]any{"ttl_seconds": 60})
	readerID, readerSecret := h.mustLong("reader") // no token-management scope

	for range 2 { // the second time the token is already revoked
		if r := h.revoke(readerSecret, readerID); r.status != 204 {
			t.Fatalf("reader self-revoke: %d %s", r.status, r.raw)
		}
	}
	h.clock.Advance(2 * time.Minute) // the short-term token has expired
	if r := h.revoke(jwtToken, shortID); r.status != 204 {
		t.Fatalf("expired short self-revoke: %d %s", r.status, r.raw)
	}
	if s := h.state(shortID); s != StateExpired {
		t.Errorf("expired token became %s", s)
	}
	h.clock.Advance(48 * time.Hour)
	if r := h.revoke(secret, longID); r.status != 204 {
		t.Fatalf("expired long self-revoke: %d %s", r.status, r.raw)
	}
}

func TestRevokeAuthorization(t *testing.T) {
	t.Parallel()
	type setup struct {
		h                      *harness
		appLong, appLongSecret string // scopes tokens:write data:read
		narrowLong, narrowSec  string // scopes data:read only
		narrowChild            string // a short token of narrowLong
		siblingLong            string
		revokerJWT             string // short, scope tokens:revoke only
		plainJWT               string // short, scope data:read only
		otherLong              string // client "other"
		revokedID, revokedSec  string
	}
	newSetup := func(t *testing.T) *setup {
		s := &setup{h: newHarness(t)}
		h := s.h
		s.appLong, s.appLongSecret = h.mustLong("app")
		s.narrowLong, s.narrowSec = h.mustLong("app", "scopes", []string{"data:read"})
		s.narrowChild, _ = h.mustShort(s.narrowSec, nil)
		s.siblingLong, _ = h.mustLong("app")
		_, revokerParent := h.mustLong("app", "scopes", []string{"tokens:revoke", "data:read"})
		_, s.revokerJWT = h.mustShort(revokerParent, map[string]any{"scopes": []string{"tokens:revoke"}})
		_, s.plainJWT = h.mustShort(revokerParent, map[string]any{"scopes": []string{"data:read"}})
		s.otherLong, _ = h.mustLong("other")
		s.revokedID, s.revokedSec = h.mustLong("app")
		h.revoke(s.revokedSec, s.revokedID)
		return s
	}
	cases := []struct {
		name   string
		call   func(s *setup) reply
		status int
		code   string
		gone   func(s *setup) string // the token that must now be revoked
	}{
		{"tokens:write revokes a sibling", func(s *setup) reply { return s.h.revoke(s.appLongSecret, s.siblingLong) }, 204, "",
			func(s *setup) string { return s.siblingLong }},
		{"tokens:revoke revokes a sibling", func(s *setup) reply { return s.h.revoke(s.revokerJWT, s.siblingLong) }, 204, "",
			func(s *setup) string { return s.siblingLong }},
		{"parent without scope revokes its child", func(s *setup) reply { return s.h.revoke(s.narrowSec, s.narrowChild) }, 204, "",
			func(s *setup) string { return s.narrowChild }},
		{"no scope for a sibling", func(s *setup) reply { return s.h.revoke(s.narrowSec, s.siblingLong) }, 403, codeInsufficientScope, nil},
		{"short without scope", func(s *setup) reply { return s.h.revoke(s.plainJWT, s.siblingLong) }, 403, codeInsufficientScope, nil},
		{"another client's token", func(s *setup) reply { return s.h.revoke(s.appLongSecret, s.otherLong) }, 404, codeNotFound, nil},
		{"unknown token", func(s *setup) reply { return s.h.revoke(s.appLongSecret, "st_AAAAAAAAAAAAAAAAAAAA") }, 404, codeNotFound, nil},
		{"malformed id", func(s *setup) reply { return s.h.revoke(s.appLongSecret, "abc") }, 404, codeNotFound, nil},
		{"already revoked target", func(s *setup) reply { return s.h.revoke(s.appLongSecret, s.revokedID) }, 204, "", nil},
		{"revoked caller", func(s *setup) reply { return s.h.revoke(s.revokedSec, s.siblingLong) }, 401, codeInvalidToken, nil},
		{"unknown caller", func(s *setup) reply { return s.h.revoke("ltk_unknown", s.siblingLong) }, 401, codeInvalidToken, nil},
		{"no credential", func(s *setup) reply {
			return s.h.do(req{path: pathTokenPrefix + s.siblingLong + "/revoke"})
		}, 401, codeInvalidToken, nil},
		{"request body", func(s *setup) reply {
			return s.h.do(req{path: pathTokenPrefix + s.siblingLong + "/revoke", body: map[string]any{},
				headers: map[string]string{"Authorization": "Bearer " + s.appLongSecret}})
		}, 400, codeInvalidRequest, nil},
		{"wrong method", func(s *setup) reply {
			return s.h.do(req{method: http.MethodDelete, path: pathTokenPrefix + s.siblingLong + "/revoke",
				headers: map[string]string{"Authorization": "Bearer " + s.appLongSecret}})
		}, 405, codeInvalidRequest, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t)
			r := tc.call(s)
			if tc.code == "" {
				if r.status != tc.status {
					t.Fatalf("got %d %s, want %d", r.status, r.raw, tc.status)
				}
			} else {
				wantError(t, r, tc.status, tc.code)
			}
			if tc.gone != nil {
				if st := s.h.state(tc.gone(s)); st != StateRevoked {
					t.Errorf("target is %s", st)
				}
			}
			if tc.code != "" && s.h.state(s.siblingLong) != StateActive {
				t.Error("a refused revocation revoked the sibling")
			}
		})
	}
}
