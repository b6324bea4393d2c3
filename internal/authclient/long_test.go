package authclient_test

import (
	"bytes"
	"context"
	"crypto"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

func TestIssueLongTermToken_Mechanisms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		step       authclient.StepUp
		grant      string
		bodyField  string // the credential field in the body, if any
		credential string
		bearer     string
	}{
		{"client secret", authclient.StepUp{ClientSecret: clientSecret}, "client_credentials", "client_secret", clientSecret, ""},
		{"otp code", authclient.StepUp{OTPCode: otpCode}, "client_credentials", "otp_code", otpCode, ""},
		{"assertion", authclient.StepUp{Assertion: preAssertion}, "assertion", "assertion", preAssertion, ""},
		{"access token", authclient.StepUp{AccessToken: accessToken}, "token_exchange", "", "", accessToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, issueAnswers)
			tok, err := api.client().IssueLongTermToken(context.Background(), longInput(tt.step))
			if err != nil {
				t.Fatalf("IssueLongTermToken: %v", err)
			}
			reqs := api.requests()
			if len(reqs) != 1 {
				t.Fatalf("got %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != http.MethodPost || r.Path != "/v1/auth/tokens/long" {
				t.Errorf("request line = %s %s", r.Method, r.Path)
			}
			checkCommonHeaders(t, r, true)
			body := bodyFields(t, r.Body)
			if body["grant_type"] != tt.grant || body["client_id"] != clientID {
				t.Errorf("grant_type/client_id = %v/%v", body["grant_type"], body["client_id"])
			}
			for _, f := range []string{"client_secret", "otp_code", "assertion"} {
				if _, present := body[f]; present != (f == tt.bodyField) {
					t.Errorf("body field %s present = %v", f, present)
				}
			}
			if tt.bodyField != "" && body[tt.bodyField] != tt.credential {
				t.Errorf("body %s = %v", tt.bodyField, body[tt.bodyField])
			}
			if tt.bearer == "" {
				if got := r.Header.Get("X-Client-Id"); got != clientID {
					t.Errorf("X-Client-Id = %q", got)
				}
				if got := r.Header.Get("Authorization"); got != "" {
					t.Errorf("unexpected Authorization header")
				}
			} else {
				if got := r.Header.Get("Authorization"); got != "Bearer "+tt.bearer {
					t.Errorf("Authorization is not the access token")
				}
				if _, present := r.Header["X-Client-Id"]; present {
					t.Errorf("X-Client-Id sent with token_exchange")
				}
			}
			want := &authclient.LongTermToken{
				TokenID: longID, Token: longSecret, TokenType: "Bearer", ClientID: clientID,
				Scopes:    []string{"tokens:write", "tokens:read"},
				IssuedAt:  time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
				ExpiresAt: time.Date(2030, 3, 31, 0, 0, 0, 0, time.UTC),
			}
			if tok.TokenID != want.TokenID || tok.Token != want.Token || tok.TokenType != want.TokenType ||
				tok.ClientID != want.ClientID || !slices.Equal(tok.Scopes, want.Scopes) ||
				!tok.IssuedAt.Equal(want.IssuedAt) || !tok.ExpiresAt.Equal(want.ExpiresAt) ||
				tok.Name != "" || tok.RotatedFrom != "" || tok.PreviousTokenExpiresAt != nil {
				t.Errorf("token = %+v", tok)
			}
		})
	}
}

// checkCommonHeaders checks the headers every request carries.
func checkCommonHeaders(t *testing.T, r recorded, idempotent bool) {
	t.Helper()
	if got := r.Header.Get("User-Agent"); got != "terraform-provider-auth/test" {
		t.Errorf("User-Agent = %q", got)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("Accept = %q", got)
	}
	if r.Header.Get("X-Request-Id") == "" {
		t.Errorf("no X-Request-Id")
	}
	if got := r.Header.Get("Idempotency-Key"); (got != "") != idempotent {
		t.Errorf("Idempotency-Key = %q, want present = %v", got, idempotent)
	}
	if len(r.Body) > 0 && r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
	}
}

func TestIssueLongTermToken_OptionalFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      authclient.IssueLongTermTokenInput
		want    map[string]any // besides grant_type, client_id, client_secret
		wantKey string
	}{
		{
			name: "defaults omitted",
			in:   authclient.IssueLongTermTokenInput{GracePeriodSeconds: 60},
			want: map[string]any{},
		},
		{
			name: "empty scopes omitted too",
			in:   authclient.IssueLongTermTokenInput{Scopes: []string{}},
			want: map[string]any{},
		},
		{
			name: "all set",
			in: authclient.IssueLongTermTokenInput{
				Name: "ci", Scopes: []string{"tokens:read"}, TTLDays: 30,
				RotateTokenID: otherLongID, GracePeriodSeconds: 3600, IdempotencyKey: "key-1",
			},
			want: map[string]any{
				"name": "ci", "scopes": []any{"tokens:read"}, "ttl_days": 30.0,
				"rotate_token_id": otherLongID, "grace_period_seconds": 3600.0,
			},
			wantKey: "key-1",
		},
		{
			name: "rotation without grace period",
			in:   authclient.IssueLongTermTokenInput{RotateTokenID: otherLongID},
			want: map[string]any{"rotate_token_id": otherLongID, "grace_period_seconds": 0.0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, issueAnswers)
			in := tt.in
			in.ClientID, in.StepUp = clientID, authclient.StepUp{ClientSecret: clientSecret}
			if _, err := api.client().IssueLongTermToken(context.Background(), in); err != nil {
				t.Fatal(err)
			}
			r := api.requests()[0]
			body := bodyFields(t, r.Body)
			for _, k := range []string{"grant_type", "client_id", "client_secret"} {
				delete(body, k)
			}
			if len(body) != len(tt.want) {
				t.Errorf("body fields = %v, want %v", body, tt.want)
			}
			for k, v := range tt.want {
				if got, ok := body[k]; !ok || !equalJSON(got, v) {
					t.Errorf("body[%s] = %v, want %v", k, got, v)
				}
			}
			if key := r.Header.Get("Idempotency-Key"); tt.wantKey != "" && key != tt.wantKey {
				t.Errorf("Idempotency-Key = %q, want %q", key, tt.wantKey)
			}
		})
	}
}

func equalJSON(a, b any) bool {
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok && bok {
		return slices.Equal(as, bs)
	}
	return a == b
}

func TestIssueLongTermToken_StepUpMustBeExactlyOne(t *testing.T) {
	t.Parallel()
	for name, step := range map[string]authclient.StepUp{
		"none":          {},
		"two":           {ClientSecret: clientSecret, OTPCode: otpCode},
		"key and token": {PrivateKey: ecKey(), AccessToken: accessToken},
	} {
		t.Run(name, func(t *testing.T) {
			api := newFakeAPI(t, issueAnswers)
			_, err := api.client().IssueLongTermToken(context.Background(), longInput(step))
			if err == nil || !strings.Contains(err.Error(), "exactly one step-up mechanism") {
				t.Fatalf("err = %v", err)
			}
			if n := len(api.requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

func TestIssueLongTermToken_PrivateKeyAssertion(t *testing.T) {
	t.Parallel()
	now := time.Now().Truncate(time.Second)
	tests := []struct {
		name string
		key  crypto.Signer
		alg  string
	}{
		{"RSA", rsaKey(), "RS256"},
		{"EC P-256", ecKey(), "ES256"},
		{"Ed25519", edKey(), "EdDSA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, issueAnswers)
			// A trailing slash on the endpoint must not leak into aud.
			c := api.client(func(cfg *authclient.Config) {
				cfg.Endpoint += "/"
				cfg.Clock = func() time.Time { return now }
			})
			for range 2 {
				if _, err := c.IssueLongTermToken(context.Background(), longInput(authclient.StepUp{PrivateKey: tt.key})); err != nil {
					t.Fatal(err)
				}
			}
			var jtis []string
			for _, r := range api.requests() {
				if r.Header.Get("X-Client-Id") != clientID {
					t.Errorf("X-Client-Id = %q", r.Header.Get("X-Client-Id"))
				}
				body := bodyFields(t, r.Body)
				if body["grant_type"] != "assertion" {
					t.Errorf("grant_type = %v", body["grant_type"])
				}
				raw, _ := body["assertion"].(string)
				claims := jwt.MapClaims{}
				_, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return tt.key.Public(), nil },
					jwt.WithValidMethods([]string{tt.alg}), jwt.WithTimeFunc(func() time.Time { return now }),
					jwt.WithIssuer(clientID), jwt.WithSubject(clientID),
					jwt.WithAudience(api.endpoint()+"/auth/tokens/long"), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
				if err != nil {
					t.Fatalf("assertion does not verify: %v", err)
				}
				if claims["aud"] != api.endpoint()+"/auth/tokens/long" {
					t.Errorf("aud = %v, want a single string", claims["aud"])
				}
				iat, _ := claims.GetIssuedAt()
				exp, _ := claims.GetExpirationTime()
				if !iat.Equal(now) || exp.Sub(iat.Time) != 300*time.Second {
					t.Errorf("iat = %v, exp = %v; want iat = clock and exp = iat + 300s (the contract maximum)", iat, exp)
				}
				jti, _ := claims["jti"].(string)
				if jti == "" {
					t.Error("no jti")
				}
				jtis = append(jtis, jti)
			}
			if len(jtis) != 2 || jtis[0] == jtis[1] {
				t.Errorf("jti must differ across calls: %v", jtis)
			}
		})
	}
}

func TestIssueLongTermToken_RefusesUnsupportedKey(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, issueAnswers)
	_, err := api.client().IssueLongTermToken(context.Background(), longInput(authclient.StepUp{PrivateKey: p384Key()}))
	if err == nil || !strings.Contains(err.Error(), "P-256") {
		t.Fatalf("err = %v", err)
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// Retries must resend the very same body (one signature per call) under the same key,
// or the server answers 422 idempotency_key_reused.
func TestIssueLongTermToken_RetriesSendIdenticalBody(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, failFirst(2, status(http.StatusInternalServerError)))
	if _, err := api.client().IssueLongTermToken(context.Background(), longInput(authclient.StepUp{PrivateKey: edKey()})); err != nil {
		t.Fatal(err)
	}
	reqs := api.requests()
	if len(reqs) != 3 {
		t.Fatalf("got %d requests, want 3", len(reqs))
	}
	first := reqs[0]
	base, _, _ := strings.Cut(first.Header.Get("X-Request-Id"), "-")
	seen := map[string]bool{}
	for i, r := range reqs {
		if !bytes.Equal(r.Body, first.Body) {
			t.Errorf("attempt %d body differs from attempt 1", i+1)
		}
		if r.Header.Get("Idempotency-Key") != first.Header.Get("Idempotency-Key") {
			t.Errorf("attempt %d Idempotency-Key differs", i+1)
		}
		id := r.Header.Get("X-Request-Id")
		if !strings.HasPrefix(id, base+"-") || seen[id] {
			t.Errorf("attempt %d X-Request-Id = %q, want a fresh suffix of %q", i+1, id, base)
		}
		seen[id] = true
	}
}

func TestIssueLongTermToken_FreshKeyPerCall(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, issueAnswers)
	c := api.client()
	for range 2 {
		if _, err := c.IssueLongTermToken(context.Background(), longInput(authclient.StepUp{ClientSecret: clientSecret})); err != nil {
			t.Fatal(err)
		}
	}
	reqs := api.requests()
	if reqs[0].Header.Get("Idempotency-Key") == reqs[1].Header.Get("Idempotency-Key") {
		t.Error("two calls shared an Idempotency-Key")
	}
	if reqs[0].Header.Get("X-Request-Id") == reqs[1].Header.Get("X-Request-Id") {
		t.Error("two calls shared an X-Request-Id")
	}
}

func TestIssueLongTermToken_Rotation(t *testing.T) {
	t.Parallel()
	body := strings.Replace(longResponseBody, `"rotated_from":null,"previous_token_expires_at":null`,
		`"rotated_from":"`+otherLongID+`","previous_token_expires_at":"2030-01-01T01:00:00+01:00"`, 1)
	api := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) { reply(w, http.StatusCreated, body) })
	in := longInput(authclient.StepUp{ClientSecret: clientSecret})
	in.RotateTokenID = otherLongID
	tok, err := api.client().IssueLongTermToken(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if tok.RotatedFrom != otherLongID || tok.PreviousTokenExpiresAt == nil ||
		!tok.PreviousTokenExpiresAt.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("rotation fields = %q, %v", tok.RotatedFrom, tok.PreviousTokenExpiresAt)
	}
}
