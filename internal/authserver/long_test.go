package authserver

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var longIDRe = regexp.MustCompile(`^lt_[A-Za-z0-9]{16,64}$`)

func TestIssueLongMechanisms(t *testing.T) {
	t.Parallel()
	k := testKeys()
	cases := []struct {
		name string
		mech string
		body func(h *harness) (map[string]any, []string)
	}{
		{"client secret", mechSecret, func(h *harness) (map[string]any, []string) {
			return longBody("app", appSecret), nil
		}},
		{"one-time code", mechOTP, func(h *harness) (map[string]any, []string) {
			return map[string]any{"grant_type": "client_credentials", "client_id": "app", "otp_code": "7654321"}, nil
		}},
		{"assertion RS256", mechAssert, func(h *harness) (map[string]any, []string) {
			return assertionBody(h.assertion(jwt.SigningMethodRS256, k.rsa, nil)), nil
		}},
		{"assertion ES256", mechAssert, func(h *harness) (map[string]any, []string) {
			return assertionBody(h.assertion(jwt.SigningMethodES256, k.ec, nil)), nil
		}},
		{"assertion EdDSA", mechAssert, func(h *harness) (map[string]any, []string) {
			return assertionBody(h.assertion(jwt.SigningMethodEdDSA, k.ed, nil)), nil
		}},
		{"token exchange", mechExchange, func(h *harness) (map[string]any, []string) {
			_, secret := h.mustLong("app")
			_, st := h.mustShort(secret, nil)
			return map[string]any{"grant_type": "token_exchange", "client_id": "app"}, []string{"Authorization", "Bearer " + st}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			body, headers := tc.body(h)
			body["name"] = "ci"
			r := h.issueLong(body, headers...)
			if r.status != http.StatusCreated {
				t.Fatalf("got %d %s", r.status, r.raw)
			}
			id, secret := r.str("token_id"), r.str("token")
			if !longIDRe.MatchString(id) || len(secret) < 43 || r.str("token_type") != "Bearer" ||
				r.str("client_id") != "app" || r.str("name") != "ci" {
				t.Errorf("bad answer %s", r.raw)
			}
			if r.str("issued_at") != "2030-01-02T03:04:05Z" || r.str("expires_at") != "2030-04-02T03:04:05Z" {
				t.Errorf("times: %s", r.raw)
			}
			if _, ok := r.body["rotated_from"]; ok {
				t.Errorf("rotated_from on a plain issue: %s", r.raw)
			}
			if got := fmt.Sprint(r.body["scopes"]); got != "[tokens:write data:read]" {
				t.Errorf("default scopes: %s", got)
			}
			rec, _ := h.srv.Token(id)
			if rec.Mechanism != tc.mech || rec.State != StateActive || rec.Kind != KindLong || rec.Name != "ci" {
				t.Errorf("record %+v", rec)
			}
			if r := h.issueShort(secret, nil); r.status != http.StatusCreated {
				t.Errorf("new token does not work: %d %s", r.status, r.raw)
			}
		})
	}
}

func TestIssueLongRequestErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	scopes65 := make([]string, 65)
	for i := range scopes65 {
		scopes65[i] = fmt.Sprintf("s%d", i)
	}
	cases := []struct {
		name    string
		body    any
		headers map[string]string
		status  int
		code    string
		field   string // the message names it
	}{
		{"no body", nil, nil, 400, codeInvalidRequest, ""},
		{"not an object", `[1]`, nil, 400, codeInvalidRequest, ""},
		{"trailing data", `{"grant_type":"client_credentials"} {}`, nil, 400, codeInvalidRequest, ""},
		{"unknown field", longBody("app", appSecret, "color", "red"), nil, 400, codeInvalidRequest, "color"},
		{"null field", longBody("app", appSecret, "name", nil), nil, 400, codeInvalidRequest, "name"},
		{"missing grant_type", map[string]any{"client_id": "app", "client_secret": appSecret}, nil, 400, codeInvalidRequest, "grant_type"},
		{"missing client_id", map[string]any{"grant_type": "client_credentials", "client_secret": appSecret}, nil, 400, codeInvalidRequest, "client_id"},
		{"bad grant_type", longBody("app", appSecret, "grant_type", "password"), nil, 400, codeInvalidRequest, "grant_type"},
		{"client_id too long", longBody(strings.Repeat("a", 129), appSecret), nil, 400, codeInvalidRequest, "client_id"},
		{"client_id not a string", longBody("app", appSecret, "client_id", 7), nil, 400, codeInvalidRequest, "client_id"},
		{"empty secret", longBody("app", ""), nil, 400, codeInvalidRequest, "client_secret"},
		{"ttl_days zero", longBody("app", appSecret, "ttl_days", 0), nil, 400, codeInvalidRequest, "ttl_days"},
		{"ttl_days too big", longBody("app", appSecret, "ttl_days", 366), nil, 400, codeInvalidRequest, "ttl_days"},
		{"ttl_days fraction", longBody("app", appSecret, "ttl_days", 1.5), nil, 400, codeInvalidRequest, "ttl_days"},
		{"ttl_days string", longBody("app", appSecret, "ttl_days", "30"), nil, 400, codeInvalidRequest, "ttl_days"},
		{"scopes not array", longBody("app", appSecret, "scopes", "data:read"), nil, 400, codeInvalidRequest, "scopes"},
		{"scope pattern", longBody("app", appSecret, "scopes", []string{"Data:Read"}), nil, 400, codeInvalidRequest, "scopes"},
		{"scope too long", longBody("app", appSecret, "scopes", []string{strings.Repeat("a", 65)}), nil, 400, codeInvalidRequest, "scopes"},
		{"scope repeated", longBody("app", appSecret, "scopes", []string{"data:read", "data:read"}), nil, 400, codeInvalidRequest, "scopes"},
		{"too many scopes", longBody("app", appSecret, "scopes", scopes65), nil, 400, codeInvalidRequest, "scopes"},
		{"otp pattern", map[string]any{"grant_type": "client_credentials", "client_id": "app", "otp_code": "12ab56"}, nil, 400, codeInvalidRequest, "otp_code"},
		{"name empty", longBody("app", appSecret, "name", ""), nil, 400, codeInvalidRequest, "name"},
		{"rotate id pattern", longBody("app", appSecret, "rotate_token_id", "st_AAAAAAAAAAAAAAAAAAAA"), nil, 400, codeInvalidRequest, "rotate_token_id"},
		{"grace too long", longBody("app", appSecret, "rotate_token_id", "lt_AAAAAAAAAAAAAAAAAAAA", "grace_period_seconds", 604801), nil, 400, codeInvalidRequest, "grace_period_seconds"},
		{"grace negative", longBody("app", appSecret, "rotate_token_id", "lt_AAAAAAAAAAAAAAAAAAAA", "grace_period_seconds", -1), nil, 400, codeInvalidRequest, "grace_period_seconds"},
		{"grace without rotation", longBody("app", appSecret, "grace_period_seconds", 60), nil, 400, codeInvalidRequest, "grace_period_seconds"},
		{"no mechanism", map[string]any{"grant_type": "client_credentials", "client_id": "app"}, nil, 400, codeInvalidRequest, ""},
		{"secret and otp", longBody("app", appSecret, "otp_code", "123456"), nil, 400, codeInvalidRequest, ""},
		{"secret and bearer", longBody("app", appSecret), map[string]string{"Authorization": "Bearer x.y.z"}, 400, codeInvalidRequest, ""},
		{"grant does not match", longBody("app", appSecret, "grant_type", "assertion"), nil, 400, codeInvalidRequest, ""},
		{"exchange without bearer", map[string]any{"grant_type": "token_exchange", "client_id": "app"}, nil, 400, codeInvalidRequest, ""},
		{"X-Client-Id differs", longBody("app", appSecret), map[string]string{"X-Client-Id": "other"}, 400, codeInvalidRequest, ""},
		{"X-Client-Id missing", longBody("app", appSecret), map[string]string{"X-Client-Id": ""}, 401, codeInvalidClient, ""},
		{"wrong secret", longBody("app", "wrong-secret"), nil, 401, codeInvalidClient, ""},
		{"unknown client", longBody("nobody", appSecret), nil, 401, codeInvalidClient, ""},
		{"secret of another client", longBody("app", otherSecret), nil, 401, codeInvalidClient, ""},
		{"wrong otp", map[string]any{"grant_type": "client_credentials", "client_id": "app", "otp_code": "000000"}, nil, 401, codeInvalidGrant, ""},
		{"otp of unknown client", map[string]any{"grant_type": "client_credentials", "client_id": "nobody", "otp_code": "123456"}, nil, 401, codeInvalidClient, ""},
		{"scope not allowed", longBody("app", appSecret, "scopes", []string{"admin"}), nil, 403, codeInsufficientScope, ""},
		{"rotate unknown", longBody("app", appSecret, "rotate_token_id", "lt_AAAAAAAAAAAAAAAAAAAA"), nil, 404, codeNotFound, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{"X-Client-Id": "app"}
			if b, ok := tc.body.(map[string]any); ok {
				if id, ok := b["client_id"].(string); ok {
					hdr["X-Client-Id"] = id
				}
			}
			for k, v := range tc.headers {
				hdr[k] = v
			}
			r := h.do(req{path: pathLong, body: tc.body, headers: hdr})
			wantError(t, r, tc.status, tc.code)
			if tc.field != "" && !strings.Contains(r.str("message"), tc.field) {
				t.Errorf("message %q does not name %s", r.str("message"), tc.field)
			}
		})
	}
	if n := len(h.srv.Tokens()); n != 0 {
		t.Errorf("%d tokens minted by failed requests", n)
	}
	// Messages never echo a credential.
	if strings.Contains(h.logs.String(), appSecret) || strings.Contains(h.logs.String(), "wrong-secret") {
		t.Error("a secret reached the log")
	}
}

func TestIssueLongTransportRules(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := `{"grant_type":"client_credentials","client_id":"app","client_secret":"` + appSecret + `"}`
	t.Run("content type", func(t *testing.T) {
		r := h.do(req{path: pathLong, body: body, headers: map[string]string{"X-Client-Id": "app", "Content-Type": "text/plain"}})
		wantError(t, r, 400, codeInvalidRequest)
	})
	t.Run("content type with charset", func(t *testing.T) {
		r := h.do(req{path: pathLong, body: body, headers: map[string]string{"X-Client-Id": "app", "Content-Type": "application/json; charset=utf-8"}})
		if r.status != 201 {
			t.Fatalf("got %d %s", r.status, r.raw)
		}
	})
	t.Run("too large", func(t *testing.T) {
		big := `{"grant_type":"client_credentials","client_id":"app","client_secret":"` + appSecret + `","name":"` + strings.Repeat("x", maxBodyBytes) + `"}`
		r := h.do(req{path: pathLong, body: big, headers: map[string]string{"X-Client-Id": "app"}})
		wantError(t, r, 400, codeInvalidRequest)
	})
	t.Run("method", func(t *testing.T) {
		r := h.do(req{method: http.MethodGet, path: pathLong})
		wantError(t, r, 405, codeInvalidRequest)
		if r.header.Get("Allow") != "POST" {
			t.Errorf("Allow %q", r.header.Get("Allow"))
		}
	})
	t.Run("unknown path", func(t *testing.T) {
		wantError(t, h.do(req{path: "/v1/auth/nothing"}), 404, codeNotFound)
		wantError(t, h.do(req{path: "/v1/auth/tokens/lt_AAAAAAAAAAAAAAAAAAAA/revoke/x"}), 404, codeNotFound)
	})
}

func TestScopesAndTTL(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.issueLong(longBody("app", appSecret, "scopes", []string{"data:write"}, "ttl_days", 1))
	if r.status != 201 || fmt.Sprint(r.body["scopes"]) != "[data:write]" || r.str("expires_at") != "2030-01-03T03:04:05Z" {
		t.Fatalf("got %d %s", r.status, r.raw)
	}
	r = h.issueLong(longBody("app", appSecret, "scopes", []string{}))
	if r.status != 201 || fmt.Sprint(r.body["scopes"]) != "[]" {
		t.Fatalf("empty scopes: %d %s", r.status, r.raw)
	}
	r = h.issueLong(longBody("app", appSecret, "ttl_days", 365))
	if r.status != 201 || r.str("expires_at") != "2031-01-02T03:04:05Z" {
		t.Fatalf("ttl 365: %d %s", r.status, r.raw)
	}
}

func TestOTPWorksOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	otp := func(extra ...any) map[string]any {
		return withFields(map[string]any{"grant_type": "client_credentials", "client_id": "app", "otp_code": "123456"}, extra...)
	}
	// A failed request does not spend the code.
	wantError(t, h.issueLong(otp("scopes", []string{"admin"})), 403, codeInsufficientScope)
	if r := h.issueLong(otp()); r.status != 201 {
		t.Fatalf("first use: %d %s", r.status, r.raw)
	}
	wantError(t, h.issueLong(otp()), 401, codeInvalidGrant)
	// Another client does not share the code.
	wantError(t, h.issueLong(map[string]any{"grant_type": "client_credentials", "client_id": "other", "otp_code": "7654321"}), 401, codeInvalidGrant)

	if err := h.srv.AddOTPCode("app", "11223344"); err != nil {
		t.Fatal(err)
	}
	if r := h.issueLong(otp("otp_code", "11223344")); r.status != 201 {
		t.Fatalf("added code: %d %s", r.status, r.raw)
	}
	if err := h.srv.AddOTPCode("nobody", "112233"); err == nil {
		t.Error("AddOTPCode for an unknown client succeeded")
	}
	if err := h.srv.AddOTPCode("app", "12"); err == nil {
		t.Error("AddOTPCode accepted a malformed code")
	}
}

func TestAssertionRules(t *testing.T) {
	t.Parallel()
	k := testKeys()
	h := newHarness(t)
	es := func(edit func(jwt.MapClaims)) string { return h.assertion(jwt.SigningMethodES256, k.ec, edit) }
	now := h.clock.Now()
	cases := []struct {
		name      string
		assertion string
	}{
		{"not a JWT", "not-a-jwt"},
		{"wrong audience", es(func(c jwt.MapClaims) { c["aud"] = "https://api.example.com/v1/auth/tokens/long" })},
		{"audience of another operation", es(func(c jwt.MapClaims) { c["aud"] = h.ts.URL + pathShort })},
		{"iss not the client", es(func(c jwt.MapClaims) { c["iss"] = "other" })},
		{"sub not the client", es(func(c jwt.MapClaims) { c["sub"] = "other" })},
		{"expired", es(func(c jwt.MapClaims) {
			c["iat"] = now.Add(-3 * time.Minute).Unix()
			c["exp"] = now.Add(-time.Minute).Unix()
		})},
		{"lives too long", es(func(c jwt.MapClaims) { c["exp"] = now.Add(301 * time.Second).Unix() })},
		{"no iat", es(func(c jwt.MapClaims) { delete(c, "iat") })},
		{"no exp", es(func(c jwt.MapClaims) { delete(c, "exp") })},
		{"no jti", es(func(c jwt.MapClaims) { delete(c, "jti") })},
		{"iat in the future", es(func(c jwt.MapClaims) {
			c["iat"] = now.Add(2 * time.Minute).Unix()
			c["exp"] = now.Add(4 * time.Minute).Unix()
		})},
		{"unregistered key", h.assertion(jwt.SigningMethodES256, k.unknown, nil)},
		{"HS256", func() string {
			s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": "app", "sub": "app"}).SignedString([]byte("k"))
			return s
		}()},
		{"alg none", func() string {
			s, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": "app", "sub": "app"}).SignedString(jwt.UnsafeAllowNoneSignatureType)
			return s
		}()},
		{"RS256 header on an EC signature", func() string {
			a := es(nil)
			parts := strings.Split(a, ".")
			parts[0] = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9" // {"alg":"RS256","typ":"JWT"}
			return strings.Join(parts, ".")
		}()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, h.issueLong(assertionBody(tc.assertion)), 401, codeInvalidGrant)
		})
	}
	t.Run("jti once", func(t *testing.T) {
		a := es(nil)
		if r := h.issueLong(assertionBody(a)); r.status != 201 {
			t.Fatalf("first use: %d %s", r.status, r.raw)
		}
		wantError(t, h.issueLong(assertionBody(a)), 401, codeInvalidGrant)
		// A new assertion with the same jti is refused too.
		jti := ""
		p, _, _ := jwt.NewParser().ParseUnverified(a, jwt.MapClaims{})
		jti, _ = p.Claims.(jwt.MapClaims)["jti"].(string)
		wantError(t, h.issueLong(assertionBody(es(func(c jwt.MapClaims) { c["jti"] = jti }))), 401, codeInvalidGrant)
	})
	t.Run("jti not spent by a failed request", func(t *testing.T) {
		a := es(nil)
		wantError(t, h.issueLong(assertionBody(a, "scopes", []string{"admin"})), 403, codeInsufficientScope)
		if r := h.issueLong(assertionBody(a)); r.status != 201 {
			t.Fatalf("got %d %s", r.status, r.raw)
		}
	})
	t.Run("audience as array", func(t *testing.T) {
		a := es(func(c jwt.MapClaims) { c["aud"] = []string{"x", h.ts.URL + pathLong} })
		if r := h.issueLong(assertionBody(a)); r.status != 201 {
			t.Fatalf("got %d %s", r.status, r.raw)
		}
	})
	t.Run("client without keys", func(t *testing.T) {
		a := h.assertion(jwt.SigningMethodES256, k.ec, func(c jwt.MapClaims) { c["iss"], c["sub"] = "other", "other" })
		body := assertionBody(a)
		body["client_id"] = "other"
		wantError(t, h.issueLong(body), 401, codeInvalidGrant)
	})
}

func TestTokenExchange(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, secret := h.mustLong("app", "scopes", []string{"tokens:write", "data:read", "data:write"})
	exchange := func(jwtToken string, extra ...any) reply {
		b := withFields(map[string]any{"grant_type": "token_exchange", "client_id": "app"}, extra...)
		return h.do(req{path: pathLong, body: b, headers: map[string]string{"Authorization": "Bearer " + jwtToken}})
	}
	_, narrow := h.mustShort(secret, map[string]any{"scopes": []string{"tokens:write", "data:write"}})

	t.Run("default cut down to the short-term token", func(t *testing.T) {
		r := exchange(narrow)
		// app's defaults are tokens:write and data:read; the short token lacks data:read.
		if r.status != 201 || fmt.Sprint(r.body["scopes"]) != "[tokens:write]" {
			t.Fatalf("got %d %s", r.status, r.raw)
		}
	})
	t.Run("requested within both", func(t *testing.T) {
		r := exchange(narrow, "scopes", []string{"data:write"})
		if r.status != 201 || fmt.Sprint(r.body["scopes"]) != "[data:write]" {
			t.Fatalf("got %d %s", r.status, r.raw)
		}
	})
	t.Run("requested beyond the short-term token", func(t *testing.T) {
		wantError(t, exchange(narrow, "scopes", []string{"data:read"}), 403, codeInsufficientScope)
	})
	t.Run("requested beyond the client", func(t *testing.T) {
		wantError(t, exchange(narrow, "scopes", []string{"admin"}), 403, codeInsufficientScope)
	})
	t.Run("short-term token without tokens:write", func(t *testing.T) {
		_, ro := h.mustShort(secret, map[string]any{"scopes": []string{"data:read"}})
		wantError(t, exchange(ro), 403, codeInsufficientScope)
	})
	t.Run("subject is not client_id", func(t *testing.T) {
		_, otherLong := h.mustLong("other")
		_, otherShort := h.mustShort(otherLong, nil)
		wantError(t, exchange(otherShort), 401, codeInvalidGrant)
	})
	t.Run("long-term token as bearer", func(t *testing.T) {
		wantError(t, exchange(secret), 401, codeInvalidToken)
	})
	t.Run("forged JWT", func(t *testing.T) {
		parts := strings.Split(narrow, ".")
		parts[2] = parts[2][:len(parts[2])-4] + "AAAA"
		wantError(t, exchange(strings.Join(parts, ".")), 401, codeInvalidToken)
	})
	t.Run("revoked short-term token", func(t *testing.T) {
		id, st := h.mustShort(secret, nil)
		if r := h.revoke(st, id); r.status != 204 {
			t.Fatalf("revoke: %d", r.status)
		}
		wantError(t, exchange(st), 401, codeInvalidToken)
	})
	t.Run("expired short-term token", func(t *testing.T) {
		_, st := h.mustShort(secret, map[string]any{"ttl_seconds": 60})
		h.clock.Advance(time.Minute)
		wantError(t, exchange(st), 401, codeInvalidToken)
	})
}

func TestRotationWithGrace(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	oldID, oldSecret := h.mustLong("app")
	childBefore, _ := h.mustShort(oldSecret, map[string]any{"ttl_seconds": 3600})

	h.clock.Advance(10 * time.Second)
	r := h.issueLong(longBody("app", appSecret, "rotate_token_id", oldID, "grace_period_seconds", 600))
	if r.status != 201 {
		t.Fatalf("rotate: %d %s", r.status, r.raw)
	}
	newID := r.str("token_id")
	if r.str("rotated_from") != oldID || r.str("previous_token_expires_at") != "2030-01-02T03:14:15Z" {
		t.Fatalf("rotation answer %s", r.raw)
	}
	old, _ := h.srv.Token(oldID)
	if old.State != StateActive || old.RotatedTo != newID || old.RevokedAt == nil || !old.RevokedAt.Equal(t0.Add(610*time.Second)) {
		t.Fatalf("old during grace: %+v", old)
	}
	if rec, _ := h.srv.Token(newID); rec.RotatedFrom != oldID {
		t.Errorf("new record %+v", rec)
	}

	// During the grace period the old token still works, and what it issues ends with it.
	h.clock.Advance(5 * time.Minute)
	r = h.issueShort(oldSecret, nil)
	if r.status != 201 || r.str("expires_at") != "2030-01-02T03:14:15Z" || r.body["expires_in"] != float64(300) {
		t.Fatalf("short during grace: %d %s", r.status, r.raw)
	}
	childDuring := r.str("token_id")

	// Rotating it again, or rotating it while revoked, is a conflict.
	wantError(t, h.issueLong(longBody("app", appSecret, "rotate_token_id", oldID)), 409, codeInvalidRequest)

	h.clock.Set(t0.Add(610 * time.Second))
	wantError(t, h.issueShort(oldSecret, nil), 401, codeInvalidToken)
	if s := h.state(oldID); s != StateRevoked {
		t.Errorf("old after grace: %s", s)
	}
	if s := h.state(childBefore); s != StateRevoked {
		t.Errorf("child issued before rotation: %s", s)
	}
	if s := h.state(childDuring); s != StateExpired {
		t.Errorf("child issued during grace: %s", s)
	}
	if s := h.state(newID); s != StateActive {
		t.Errorf("new: %s", s)
	}
}

func TestRotationCases(t *testing.T) {
	t.Parallel()
	t.Run("no grace revokes at once with children", func(t *testing.T) {
		h := newHarness(t)
		oldID, oldSecret := h.mustLong("app")
		child, _ := h.mustShort(oldSecret, nil)
		r := h.issueLong(longBody("app", appSecret, "rotate_token_id", oldID))
		if r.status != 201 || r.str("previous_token_expires_at") != "2030-01-02T03:04:05Z" {
			t.Fatalf("got %d %s", r.status, r.raw)
		}
		if h.state(oldID) != StateRevoked || h.state(child) != StateRevoked {
			t.Errorf("old %s child %s", h.state(oldID), h.state(child))
		}
		wantError(t, h.issueShort(oldSecret, nil), 401, codeInvalidToken)
	})
	t.Run("grace never beyond expiry", func(t *testing.T) {
		h := newHarness(t)
		oldID, _ := h.mustLong("app", "ttl_days", 1)
		r := h.issueLong(longBody("app", appSecret, "rotate_token_id", oldID, "grace_period_seconds", 604800))
		if r.status != 201 || r.str("previous_token_expires_at") != "2030-01-03T03:04:05Z" {
			t.Fatalf("got %d %s", r.status, r.raw)
		}
	})
	t.Run("expired token may be rotated", func(t *testing.T) {
		h := newHarness(t)
		oldID, _ := h.mustLong("app", "ttl_days", 1)
		h.clock.Advance(48 * time.Hour)
		r := h.issueLong(longBody("app", appSecret, "rotate_token_id", oldID, "grace_period_seconds", 60))
		if r.status != 201 || r.str("previous_token_expires_at") != "2030-01-03T03:04:05Z" {
			t.Fatalf("got %d %s", r.status, r.raw)
		}
		if s := h.state(oldID); s != StateExpired {
			t.Errorf("old: %s", s)
		}
	})
	t.Run("revoked token", func(t *testing.T) {
		h := newHarness(t)
		oldID, oldSecret := h.mustLong("app")
		h.revoke(oldSecret, oldID)
		wantError(t, h.issueLong(longBody("app", appSecret, "rotate_token_id", oldID)), 409, codeInvalidRequest)
	})
	t.Run("another client's token", func(t *testing.T) {
		h := newHarness(t)
		otherID, _ := h.mustLong("other")
		wantError(t, h.issueLong(longBody("app", appSecret, "rotate_token_id", otherID)), 404, codeNotFound)
	})
	t.Run("rotation by token exchange", func(t *testing.T) {
		h := newHarness(t)
		oldID, oldSecret := h.mustLong("app")
		_, st := h.mustShort(oldSecret, nil)
		r := h.do(req{path: pathLong, body: map[string]any{
			"grant_type": "token_exchange", "client_id": "app", "rotate_token_id": oldID, "grace_period_seconds": 60,
		}, headers: map[string]string{"Authorization": "Bearer " + st}})
		if r.status != 201 || r.str("rotated_from") != oldID {
			t.Fatalf("got %d %s", r.status, r.raw)
		}
	})
}

func TestTokensListing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a, secret := h.mustLong("app")
	h.clock.Advance(time.Second)
	s1, _ := h.mustShort(secret, map[string]any{"audience": "svc"})
	b, _ := h.mustLong("other")
	all := h.srv.Tokens()
	ids := []string{}
	for _, rec := range all {
		ids = append(ids, rec.ID)
	}
	if len(all) != 3 || ids[0] != a || !slices.Contains(ids[1:], s1) || !slices.Contains(ids[1:], b) {
		t.Fatalf("Tokens() = %v", ids)
	}
	if !all[1].IssuedAt.Equal(all[2].IssuedAt) || all[1].ID > all[2].ID {
		t.Errorf("not sorted by IssuedAt then ID: %v", ids)
	}
	if rec, _ := h.srv.Token(s1); rec.ParentTokenID != a || rec.Audience != "svc" || rec.Kind != KindShort || rec.ClientID != "app" {
		t.Errorf("short record %+v", rec)
	}
	if n := len(h.srv.ActiveTokens(KindShort)); n != 1 {
		t.Errorf("active short: %d", n)
	}
	h.revoke(secret, a)
	if n := len(h.srv.ActiveTokens("")); n != 1 {
		t.Errorf("active after revoking app's long token: %d", n)
	}
	if _, ok := h.srv.Token("lt_nope"); ok {
		t.Error("unknown token found")
	}
}
