package authserver

import (
	"crypto/ecdsa"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var shortIDRe = regexp.MustCompile(`^st_[A-Za-z0-9]{16,64}$`)

func TestIssueShortJWT(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	longID, secret := h.mustLong("app", "scopes", []string{"tokens:write", "data:read", "data:write"})
	cases := []struct {
		name       string
		body       any
		scopes     string
		audience   string
		expiresIn  int
		expiresAtS string
	}{
		{"defaults", nil, "tokens:write data:read data:write", "api.example.com", 900, "2030-01-02T03:19:05Z"},
		{"empty object", map[string]any{}, "tokens:write data:read data:write", "api.example.com", 900, "2030-01-02T03:19:05Z"},
		{"all fields", map[string]any{"scopes": []string{"data:read"}, "ttl_seconds": 60, "audience": "svc.internal"}, "data:read", "svc.internal", 60, "2030-01-02T03:05:05Z"},
		{"max ttl", map[string]any{"ttl_seconds": 3600}, "tokens:write data:read data:write", "api.example.com", 3600, "2030-01-02T04:04:05Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.issueShort(secret, tc.body)
			if r.status != http.StatusCreated {
				t.Fatalf("got %d %s", r.status, r.raw)
			}
			id := r.str("token_id")
			if !shortIDRe.MatchString(id) || r.str("token_type") != "Bearer" || r.str("parent_token_id") != longID ||
				r.body["expires_in"] != float64(tc.expiresIn) || r.str("expires_at") != tc.expiresAtS {
				t.Fatalf("bad answer %s", r.raw)
			}
			claims := jwt.MapClaims{}
			tok, err := jwt.ParseWithClaims(r.str("token"), claims, func(*jwt.Token) (any, error) {
				return h.srv.SigningPublicKey(), nil
			}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithTimeFunc(h.clock.Now))
			if err != nil || !tok.Valid {
				t.Fatalf("JWT does not verify: %v", err)
			}
			if _, ok := h.srv.SigningPublicKey().(*ecdsa.PublicKey); !ok {
				t.Errorf("signing key %T", h.srv.SigningPublicKey())
			}
			want := map[string]any{
				"iss": "auth-local", "sub": "app", "aud": tc.audience, "scope": tc.scopes, "jti": id, "ptid": longID,
				"iat": float64(t0.Unix()), "exp": float64(t0.Unix() + int64(tc.expiresIn)),
			}
			for k, v := range want {
				if claims[k] != v {
					t.Errorf("claim %s = %v, want %v", k, claims[k], v)
				}
			}
			scopes := strings.Fields(tc.scopes)
			if got := fmt.Sprint(r.body["scopes"]); got != fmt.Sprint(scopes) {
				t.Errorf("scopes %s, want %v", got, scopes)
			}
		})
	}
}

func TestIssueShortCappedByParentExpiry(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *Options) { o.Issuer = "custom-issuer" })
	_, secret := h.mustLong("app", "ttl_days", 1)
	h.clock.Advance(24*time.Hour - 10*time.Minute)
	r := h.issueShort(secret, map[string]any{"ttl_seconds": 3600})
	if r.status != 201 || r.body["expires_in"] != float64(600) || r.str("expires_at") != "2030-01-03T03:04:05Z" {
		t.Fatalf("got %d %s", r.status, r.raw)
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(r.str("token"), claims); err != nil || claims["iss"] != "custom-issuer" {
		t.Errorf("iss %v (%v)", claims["iss"], err)
	}
	h.clock.Advance(10 * time.Minute)
	wantError(t, h.issueShort(secret, nil), 401, codeInvalidToken)
}

func TestIssueShortErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, secret := h.mustLong("app", "scopes", []string{"data:read"})
	_, jwtToken := h.mustShort(secret, nil)
	revokedID, revokedSecret := h.mustLong("app")
	if r := h.revoke(revokedSecret, revokedID); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	cases := []struct {
		name    string
		bearer  string // "" sends no Authorization
		auth    string // a whole Authorization header instead
		body    any
		headers []string
		status  int
		code    string
	}{
		{"no token", "", "", nil, nil, 401, codeInvalidToken},
		{"basic auth", "", "Basic YXBwOnNlY3JldA==", nil, nil, 401, codeInvalidToken},
		{"unknown token", "ltk_nope", "", nil, nil, 401, codeInvalidToken},
		{"short-term token", jwtToken, "", nil, nil, 401, codeInvalidToken},
		{"revoked token", revokedSecret, "", nil, nil, 401, codeInvalidToken},
		{"scope beyond parent", secret, "", map[string]any{"scopes": []string{"tokens:write"}}, nil, 403, codeInsufficientScope},
		{"ttl too short", secret, "", map[string]any{"ttl_seconds": 59}, nil, 400, codeInvalidRequest},
		{"ttl too long", secret, "", map[string]any{"ttl_seconds": 3601}, nil, 400, codeInvalidRequest},
		{"audience empty", secret, "", map[string]any{"audience": ""}, nil, 400, codeInvalidRequest},
		{"audience too long", secret, "", map[string]any{"audience": strings.Repeat("a", 257)}, nil, 400, codeInvalidRequest},
		{"unknown field", secret, "", map[string]any{"client_id": "app"}, nil, 400, codeInvalidRequest},
		{"idempotency key too long", secret, "", nil, []string{"Idempotency-Key", strings.Repeat("k", 256)}, 400, codeInvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.bearer != "" {
				hdr["Authorization"] = "Bearer " + tc.bearer
			}
			if tc.auth != "" {
				hdr["Authorization"] = tc.auth
			}
			for i := 0; i+1 < len(tc.headers); i += 2 {
				hdr[tc.headers[i]] = tc.headers[i+1]
			}
			wantError(t, h.do(req{path: pathShort, body: tc.body, headers: hdr}), tc.status, tc.code)
		})
	}
	t.Run("expired parent", func(t *testing.T) {
		h.clock.Advance(91 * 24 * time.Hour)
		wantError(t, h.issueShort(secret, nil), 401, codeInvalidToken)
	})
}
