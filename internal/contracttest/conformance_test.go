package contracttest_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/example/terraform-provider-auth/internal/authclient"
	"github.com/example/terraform-provider-auth/internal/authserver"
)

// TestConformance_IssueLongTermToken_EveryMechanism issues a long-term token with each
// step-up mechanism of the contract, through the real client and the real server.
func TestConformance_IssueLongTermToken_EveryMechanism(t *testing.T) {
	keys := testKeys()
	tests := []struct {
		name          string
		stepUp        func(h *harness) authclient.StepUp
		wantMechanism string // the server's record of how the token was obtained
	}{
		{
			name:          "client secret",
			stepUp:        func(*harness) authclient.StepUp { return authclient.StepUp{ClientSecret: secretA} },
			wantMechanism: "client_secret",
		},
		{
			name:          "one-time code",
			stepUp:        func(*harness) authclient.StepUp { return authclient.StepUp{OTPCode: otpCodesA[1]} },
			wantMechanism: "otp_code",
		},
		{
			name: "pre-signed assertion",
			stepUp: func(h *harness) authclient.StepUp {
				return authclient.StepUp{Assertion: h.signAssertion(keys.ec, "jti-presigned-1")}
			},
			wantMechanism: "assertion",
		},
		{
			name: "private key RSA",
			stepUp: func(h *harness) authclient.StepUp {
				return authclient.StepUp{PrivateKey: privateKeyViaPEM(h.t, keys.rsa)}
			},
			wantMechanism: "assertion",
		},
		{
			name: "private key EC P-256",
			stepUp: func(h *harness) authclient.StepUp {
				return authclient.StepUp{PrivateKey: privateKeyViaPEM(h.t, keys.ec)}
			},
			wantMechanism: "assertion",
		},
		{
			name: "private key Ed25519",
			stepUp: func(h *harness) authclient.StepUp {
				return authclient.StepUp{PrivateKey: privateKeyViaPEM(h.t, keys.ed)}
			},
			wantMechanism: "assertion",
		},
		{
			name: "token exchange with a short-term token holding tokens:write",
			stepUp: func(h *harness) authclient.StepUp {
				long := h.issueLong("tokens:write", "tokens:read")
				short := h.issueShort(long.Token, "tokens:write", "tokens:read")
				return authclient.StepUp{AccessToken: short.Token}
			},
			wantMechanism: "token_exchange",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			tok, err := h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{
				ClientID: clientA,
				StepUp:   tc.stepUp(h),
				Name:     "automation",
				TTLDays:  30,
			})
			if err != nil {
				t.Fatalf("IssueLongTermToken: %v", err)
			}
			if !strings.HasPrefix(tok.TokenID, "lt_") || tok.Token == "" || tok.TokenType != "Bearer" || tok.ClientID != clientA {
				t.Errorf("unexpected token: id %q type %q client %q (secret empty: %v)", tok.TokenID, tok.TokenType, tok.ClientID, tok.Token == "")
			}
			if want := t0.Add(30 * 24 * time.Hour); !tok.ExpiresAt.Equal(want) {
				t.Errorf("expires_at = %v, want %v (30 days after the manual clock)", tok.ExpiresAt, want)
			}
			rec, ok := h.server.Token(tok.TokenID)
			if !ok {
				t.Fatalf("server does not know token %s", tok.TokenID)
			}
			if rec.State != authserver.StateActive || rec.Mechanism != tc.wantMechanism || rec.Name != "automation" {
				t.Errorf("server record: state %s mechanism %q name %q, want active %q automation", rec.State, rec.Mechanism, rec.Name, tc.wantMechanism)
			}
			// The new token works: it can be exchanged for a short-term token.
			short := h.issueShort(tok.Token)
			if short.ParentTokenID != tok.TokenID {
				t.Errorf("short-term token's parent = %s, want %s", short.ParentTokenID, tok.TokenID)
			}
		})
	}
}

// TestConformance_Errors provokes, through the client, every error answer the contract
// lists, and checks the status, the Error code, the errors.Is sentinel and that the
// error quotes no secret.
func TestConformance_Errors(t *testing.T) {
	keys := testKeys()
	unknownLongID := "lt_0000000000000000Unknown"
	tests := []struct {
		name     string
		opts     []harnessOption
		call     func(h *harness) error
		status   int
		code     string
		sentinel error
	}{
		{
			name: "400 invalid_request: two step-up mechanisms (added on the way by the test)",
			opts: []harnessOption{withClientTransport(func(next http.RoundTripper) http.RoundTripper { return addOTPToIssue{next} })},
			call: func(h *harness) error {
				_, err := h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{ClientSecret: secretA}})
				return err
			},
			status: 400, code: "invalid_request",
		},
		{
			name: "401 invalid_client: wrong client secret",
			call: func(h *harness) error {
				_, err := h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{ClientSecret: "wrong-secret-value-123"}})
				return err
			},
			status: 401, code: "invalid_client", sentinel: authclient.ErrUnauthorized,
		},
		{
			name: "401 invalid_client: unknown client",
			call: func(h *harness) error {
				_, err := h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{ClientID: "client-nobody", StepUp: authclient.StepUp{ClientSecret: secretA}})
				return err
			},
			status: 401, code: "invalid_client", sentinel: authclient.ErrUnauthorized,
		},
		{
			name: "401 invalid_grant: wrong one-time code",
			call: func(h *harness) error {
				_, err := h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{OTPCode: "999999"}})
				return err
			},
			status: 401, code: "invalid_grant", sentinel: authclient.ErrUnauthorized,
		},
		{
			name: "401 invalid_grant: assertion signed by an unregistered key",
			call: func(h *harness) error {
				_, err := h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{PrivateKey: keys.stranger}})
				return err
			},
			status: 401, code: "invalid_grant", sentinel: authclient.ErrUnauthorized,
		},
		{
			name: "401 invalid_token: short-term exchange with an unknown long-term token",
			call: func(h *harness) error {
				_, err := h.client.IssueShortTermToken(h.ctx(), authclient.IssueShortTermTokenInput{LongTermToken: "not-a-real-long-term-token"})
				return err
			},
			status: 401, code: "invalid_token", sentinel: authclient.ErrUnauthorized,
		},
		{
			name: "401 invalid_token: revoke with an unknown bearer",
			call: func(h *harness) error {
				return h.client.RevokeToken(h.ctx(), unknownLongID, "not-a-real-long-term-token")
			},
			status: 401, code: "invalid_token", sentinel: authclient.ErrUnauthorized,
		},
		{
			name: "403 insufficient_scope: long-term scope the client is not allowed",
			call: func(h *harness) error {
				_, err := h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{ClientSecret: secretA}, Scopes: []string{"admin:all"}})
				return err
			},
			status: 403, code: "insufficient_scope", sentinel: authclient.ErrForbidden,
		},
		{
			name: "403 insufficient_scope: short-term scope beyond the long-term token's",
			call: func(h *harness) error {
				long := h.issueLong("tokens:read")
				_, err := h.client.IssueShortTermToken(h.ctx(), authclient.IssueShortTermTokenInput{LongTermToken: long.Token, Scopes: []string{"tokens:write"}})
				return err
			},
			status: 403, code: "insufficient_scope", sentinel: authclient.ErrForbidden,
		},
		{
			name: "403 insufficient_scope: token exchange with a short-term token without tokens:write",
			call: func(h *harness) error {
				long := h.issueLong("tokens:read", "tokens:write")
				short := h.issueShort(long.Token, "tokens:read")
				_, err := h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{AccessToken: short.Token}})
				return err
			},
			status: 403, code: "insufficient_scope", sentinel: authclient.ErrForbidden,
		},
		{
			name: "403 insufficient_scope: revoking another token without tokens:write or tokens:revoke",
			call: func(h *harness) error {
				target := h.issueLong()
				caller := h.issueLong("tokens:read")
				return h.client.RevokeToken(h.ctx(), target.TokenID, caller.Token)
			},
			status: 403, code: "insufficient_scope", sentinel: authclient.ErrForbidden,
		},
		{
			name: "404 not_found: revoke an unknown token",
			call: func(h *harness) error {
				caller := h.issueLong("tokens:write")
				return h.client.RevokeToken(h.ctx(), unknownLongID, caller.Token)
			},
			status: 404, code: "not_found", sentinel: authclient.ErrNotFound,
		},
		{
			name: "404 not_found: revoke another client's token",
			call: func(h *harness) error {
				foreign := h.issueLongFor(clientB, secretB)
				caller := h.issueLong("tokens:write")
				err := h.client.RevokeToken(h.ctx(), foreign.TokenID, caller.Token)
				if st := h.state(foreign.TokenID); st != authserver.StateActive {
					h.t.Errorf("another client's token is %s after a refused revoke", st)
				}
				return err
			},
			status: 404, code: "not_found", sentinel: authclient.ErrNotFound,
		},
		{
			name: "404 not_found: rotate an unknown rotate_token_id",
			call: func(h *harness) error {
				_, err := h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{ClientSecret: secretA}, RotateTokenID: unknownLongID})
				return err
			},
			status: 404, code: "not_found", sentinel: authclient.ErrNotFound,
		},
		{
			name: "409 invalid_request: rotate a revoked token",
			call: func(h *harness) error {
				old := h.issueLong()
				if err := h.client.RevokeToken(h.ctx(), old.TokenID, old.Token); err != nil {
					h.t.Fatalf("RevokeToken: %v", err)
				}
				_, err := h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{ClientSecret: secretA}, RotateTokenID: old.TokenID})
				return err
			},
			status: 409, code: "invalid_request", sentinel: authclient.ErrConflict,
		},
		{
			name: "422 idempotency_key_reused: same Idempotency-Key, different body",
			call: func(h *harness) error {
				in := authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{ClientSecret: secretA}, Name: "first", IdempotencyKey: "fixed-key-422"}
				if _, err := h.client.IssueLongTermToken(h.ctx(), in); err != nil {
					h.t.Fatalf("first IssueLongTermToken: %v", err)
				}
				in.Name = "second"
				_, err := h.client.IssueLongTermToken(h.ctx(), in)
				if n := len(h.longTokens()); n != 1 {
					h.t.Errorf("server holds %d long-term tokens, want 1", n)
				}
				return err
			},
			status: 422, code: "idempotency_key_reused",
		},
		{
			name: "429 rate_limited: the client's rate limit is spent",
			opts: []harnessOption{withMaxRetries(0), withRateLimit(authserver.RateLimit{PerSecond: 0.001, Burst: 1})},
			call: func(h *harness) error {
				long := h.issueLong() // spends the burst; real time refills it only after 1000 s
				_, err := h.client.IssueShortTermToken(h.ctx(), authclient.IssueShortTermTokenInput{LongTermToken: long.Token})
				return err
			},
			status: 429, code: "rate_limited", sentinel: authclient.ErrRateLimited,
		},
		{
			name: "500 server_error: injected fault, retries disabled",
			opts: []harnessOption{withMaxRetries(0)},
			call: func(h *harness) error {
				h.server.InjectFault(authserver.OpIssueLong, authserver.Fault{Status: 500})
				_, err := h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{ClientSecret: secretA}})
				return err
			},
			status: 500, code: "server_error",
		},
		{
			name: "503 unavailable: injected fault, retries disabled",
			opts: []harnessOption{withMaxRetries(0)},
			call: func(h *harness) error {
				long := h.issueLong()
				h.server.InjectFault(authserver.OpRevoke, authserver.Fault{Status: 503, RetryAfter: 1})
				return h.client.RevokeToken(h.ctx(), long.TokenID, long.Token)
			},
			status: 503, code: "unavailable",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tc.opts...)
			err := tc.call(h)
			requireAPIError(t, err, tc.status, tc.code, tc.sentinel)
		})
	}
}

// TestConformance_Error400InvalidRequest_RawRequests sends, with net/http through the
// validating transport, the contradictory issue requests the client cannot be made to
// send: the server must answer 400 invalid_request and mint nothing.
func TestConformance_Error400InvalidRequest_RawRequests(t *testing.T) {
	tests := []struct {
		name   string
		header map[string]string
		body   string
	}{
		{
			name:   "two mechanisms: client_secret and otp_code",
			header: map[string]string{"X-Client-Id": clientA},
			body:   `{"grant_type":"client_credentials","client_id":"client-a","client_secret":"` + secretA + `","otp_code":"` + otpCodesA[0] + `"}`,
		},
		{
			name:   "two mechanisms: client_secret and a bearer token",
			header: map[string]string{"X-Client-Id": clientA, "Authorization": "Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjbGllbnQtYSJ9.c2ln"},
			body:   `{"grant_type":"client_credentials","client_id":"client-a","client_secret":"` + secretA + `"}`,
		},
		{
			name:   "no mechanism",
			header: map[string]string{"X-Client-Id": clientA},
			body:   `{"grant_type":"client_credentials","client_id":"client-a"}`,
		},
		{
			name:   "grant_type that does not go with the mechanism",
			header: map[string]string{"X-Client-Id": clientA},
			body:   `{"grant_type":"assertion","client_id":"client-a","client_secret":"` + secretA + `"}`,
		},
		{
			name:   "X-Client-Id differing from client_id",
			header: map[string]string{"X-Client-Id": clientB},
			body:   `{"grant_type":"client_credentials","client_id":"client-a","client_secret":"` + secretA + `"}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			status, code := h.rawIssueLong(tc.header, tc.body)
			if status != http.StatusBadRequest || code != "invalid_request" {
				t.Errorf("got HTTP %d %q, want 400 invalid_request", status, code)
			}
			if n := len(h.server.Tokens()); n != 0 {
				t.Errorf("server minted %d tokens for a contradictory request", n)
			}
			if st := h.otpStillWorks(otpCodesA[0]); !st {
				t.Errorf("the one-time code of a rejected request was consumed")
			}
		})
	}
}

// otpStillWorks reports whether a one-time code of client-a is still unspent.
func (h *harness) otpStillWorks(code string) bool {
	h.t.Helper()
	_, err := h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{OTPCode: code}})
	return err == nil
}

// TestConformance_Error422IdempotencyKeyReused_RawRequest reuses an Idempotency-Key with
// another body in hand-made requests: 422 idempotency_key_reused, one token minted, and
// the same body again is a replay of the first answer.
func TestConformance_Error422IdempotencyKeyReused_RawRequest(t *testing.T) {
	h := newHarness(t)
	header := map[string]string{"X-Client-Id": clientA, "Idempotency-Key": "raw-key-1"}
	first := `{"grant_type":"client_credentials","client_id":"client-a","client_secret":"` + secretA + `","name":"one"}`
	other := `{"grant_type":"client_credentials","client_id":"client-a","client_secret":"` + secretA + `","name":"two"}`
	if status, _ := h.rawIssueLong(header, first); status != http.StatusCreated {
		t.Fatalf("first request: HTTP %d, want 201", status)
	}
	if status, code := h.rawIssueLong(header, other); status != http.StatusUnprocessableEntity || code != "idempotency_key_reused" {
		t.Errorf("other body: HTTP %d %q, want 422 idempotency_key_reused", status, code)
	}
	if status, _ := h.rawIssueLong(header, first); status != http.StatusCreated {
		t.Errorf("same body again: HTTP %d, want the replayed 201", status)
	}
	if n := len(h.longTokens()); n != 1 {
		t.Errorf("server holds %d long-term tokens, want 1", n)
	}
}

// TestConformance_Error409RequestInProgress sends a repeat of an issue request (same
// Idempotency-Key, same body) while the original is still being processed: 409
// request_in_progress with Retry-After (checked by the validator), and one token minted.
func TestConformance_Error409RequestInProgress(t *testing.T) {
	h := newHarness(t, withMaxRetries(0))
	h.server.InjectFault(authserver.OpIssueLong, authserver.Fault{Delay: 400 * time.Millisecond})
	in := authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{ClientSecret: secretA}, IdempotencyKey: "slow-key"}

	firstDone := make(chan error, 1)
	go func() {
		_, err := h.client.IssueLongTermToken(context.Background(), in)
		firstDone <- err
	}()
	// Wait until the server has the original (the delay runs after the key is taken).
	deadline := time.Now().Add(2 * time.Second)
	for h.server.RequestCounts()[authserver.OpIssueLong] < 1 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)

	_, err := h.client.IssueLongTermToken(h.ctx(), in)
	requireAPIError(t, err, http.StatusConflict, "request_in_progress", authclient.ErrConflict)
	if err := <-firstDone; err != nil {
		t.Errorf("the original request failed: %v", err)
	}
	if n := len(h.longTokens()); n != 1 {
		t.Errorf("server holds %d long-term tokens, want 1", n)
	}
}

// TestConformance_RevokeRules checks the revoke rules through the client: a token may
// always revoke itself (also when already revoked), a long-term token may revoke its own
// short-term tokens without tokens:write, and revoking twice answers 204.
func TestConformance_RevokeRules(t *testing.T) {
	h := newHarness(t)
	ctx := h.ctx()
	long := h.issueLong("tokens:read")
	short := h.issueShort(long.Token)

	if err := h.client.RevokeToken(ctx, short.TokenID, long.Token); err != nil {
		t.Errorf("a long-term token revoking its own short-term token: %v", err)
	}
	if err := h.client.RevokeToken(ctx, short.TokenID, long.Token); err != nil {
		t.Errorf("revoking an already revoked token: %v", err)
	}
	if err := h.client.RevokeToken(ctx, long.TokenID, long.Token); err != nil {
		t.Errorf("a token revoking itself: %v", err)
	}
	if err := h.client.RevokeToken(ctx, long.TokenID, long.Token); err != nil {
		t.Errorf("a revoked token revoking itself again: %v", err)
	}
	for _, id := range []string{long.TokenID, short.TokenID} {
		if st := h.state(id); st != authserver.StateRevoked {
			t.Errorf("token %s is %s, want revoked", id, st)
		}
	}
	if active := h.server.ActiveTokens(""); len(active) != 0 {
		t.Errorf("active tokens left: %d", len(active))
	}
}

// TestConformance_ScopesDefaultAndSubset checks scope granting: omitted scopes give the
// client's defaults; a short-term token gets its long-term token's scopes or a subset.
func TestConformance_ScopesDefaultAndSubset(t *testing.T) {
	h := newHarness(t)
	long := h.issueLong()
	if !slices.Equal(sorted(long.Scopes), sorted(defaultScopesA)) {
		t.Errorf("default scopes = %v, want %v", long.Scopes, defaultScopesA)
	}
	if short := h.issueShort(long.Token); !slices.Equal(sorted(short.Scopes), sorted(long.Scopes)) {
		t.Errorf("short-term scopes = %v, want the long-term token's %v", short.Scopes, long.Scopes)
	}
	if short := h.issueShort(long.Token, "tokens:read"); !slices.Equal(short.Scopes, []string{"tokens:read"}) {
		t.Errorf("short-term scopes = %v, want [tokens:read]", short.Scopes)
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestConformance_ShortTermTokenIsTheDescribedJWT checks the short-term token against the
// contract's description: an ES256/EdDSA JWT signed by the server with iss, sub, aud
// (the requested audience, or "api.example.com"), scope, jti = token_id, ptid, iat, exp;
// and its expiry is the earlier of now + ttl_seconds and the long-term token's expiry.
func TestConformance_ShortTermTokenIsTheDescribedJWT(t *testing.T) {
	h := newHarness(t)
	ctx := h.ctx()
	long, err := h.client.IssueLongTermToken(ctx, authclient.IssueLongTermTokenInput{
		ClientID: clientA, StepUp: authclient.StepUp{ClientSecret: secretA}, TTLDays: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	parse := func(raw string) jwt.MapClaims {
		t.Helper()
		claims := jwt.MapClaims{}
		_, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return h.server.SigningPublicKey(), nil },
			jwt.WithValidMethods([]string{"ES256", "EdDSA"}), jwt.WithTimeFunc(h.clock.Now))
		if err != nil {
			t.Fatalf("the short-term token is not a JWT signed by the server: %v", err)
		}
		return claims
	}

	tests := []struct {
		name        string
		in          authclient.IssueShortTermTokenInput
		advance     time.Duration
		wantAud     string
		wantScope   string
		wantExpires func(now time.Time) time.Time
	}{
		{
			name:        "defaults",
			in:          authclient.IssueShortTermTokenInput{},
			wantAud:     "api.example.com",
			wantScope:   "tokens:read tokens:write",
			wantExpires: func(now time.Time) time.Time { return now.Add(15 * time.Minute) },
		},
		{
			name:        "audience, scopes and ttl",
			in:          authclient.IssueShortTermTokenInput{Audience: "reports.example.com", Scopes: []string{"tokens:read"}, TTLSeconds: 120},
			wantAud:     "reports.example.com",
			wantScope:   "tokens:read",
			wantExpires: func(now time.Time) time.Time { return now.Add(2 * time.Minute) },
		},
		{
			name:        "never outlives the long-term token",
			in:          authclient.IssueShortTermTokenInput{TTLSeconds: 3600},
			advance:     24*time.Hour - 10*time.Minute,
			wantAud:     "api.example.com",
			wantScope:   "tokens:read tokens:write",
			wantExpires: func(time.Time) time.Time { return long.ExpiresAt },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.clock.Advance(tc.advance)
			now := h.clock.Now()
			in := tc.in
			in.LongTermToken = long.Token
			short, err := h.client.IssueShortTermToken(ctx, in)
			if err != nil {
				t.Fatalf("IssueShortTermToken: %v", err)
			}
			want := tc.wantExpires(now)
			if !short.ExpiresAt.Equal(want) {
				t.Errorf("expires_at = %v, want %v", short.ExpiresAt, want)
			}
			if wantIn := int64(want.Sub(now) / time.Second); short.ExpiresIn != wantIn {
				t.Errorf("expires_in = %d, want %d", short.ExpiresIn, wantIn)
			}
			claims := parse(short.Token)
			sub, _ := claims.GetSubject()
			aud, _ := claims.GetAudience()
			iss, _ := claims.GetIssuer()
			exp, _ := claims.GetExpirationTime()
			iat, _ := claims.GetIssuedAt()
			if sub != clientA || !slices.Equal([]string(aud), []string{tc.wantAud}) || iss == "" {
				t.Errorf("sub %q aud %v iss %q, want %q [%s] and an issuer", sub, aud, iss, clientA, tc.wantAud)
			}
			scope, _ := claims["scope"].(string)
			if !slices.Equal(sorted(strings.Fields(scope)), sorted(strings.Fields(tc.wantScope))) || claims["jti"] != short.TokenID || claims["ptid"] != long.TokenID {
				t.Errorf("scope %v jti %v ptid %v, want %q %s %s", claims["scope"], claims["jti"], claims["ptid"], tc.wantScope, short.TokenID, long.TokenID)
			}
			if exp == nil || !exp.Equal(want) || iat == nil || !iat.Equal(now) {
				t.Errorf("iat %v exp %v, want %v %v", iat, exp, now, want)
			}
		})
	}
}

// TestConformance_IdempotentReplayOfShortTermToken repeats a short-term exchange with the
// same Idempotency-Key and body: the same token comes back and only one is minted.
func TestConformance_IdempotentReplayOfShortTermToken(t *testing.T) {
	var rec *attemptRecorder
	h := newHarness(t, withAttemptRecorder(&rec))
	long := h.issueLong()
	in := authclient.IssueShortTermTokenInput{LongTermToken: long.Token, IdempotencyKey: "short-key-1"}
	first, err := h.client.IssueShortTermToken(h.ctx(), in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := h.client.IssueShortTermToken(h.ctx(), in)
	if err != nil {
		t.Fatal(err)
	}
	if again.TokenID != first.TokenID || again.Token != first.Token {
		t.Errorf("the replay returned another token")
	}
	if n := len(h.server.ActiveTokens(authserver.KindShort)); n != 1 {
		t.Errorf("server holds %d short-term tokens, want 1", n)
	}
	if a := rec.all(); len(a) != 3 || a[1].replayed != "" || a[2].replayed != "true" {
		t.Errorf("attempts = %+v, want the replay marked Idempotent-Replayed: true", a)
	}
}
