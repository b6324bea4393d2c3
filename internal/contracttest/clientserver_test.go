package contracttest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/example/terraform-provider-auth/internal/authclient"
	"github.com/example/terraform-provider-auth/internal/authserver"
)

// withAttemptRecorder puts an attemptRecorder under the client and returns it.
func withAttemptRecorder(rec **attemptRecorder) harnessOption {
	return withClientTransport(func(next http.RoundTripper) http.RoundTripper {
		*rec = &attemptRecorder{next: next}
		return *rec
	})
}

// TestClientServer_LostAnswerIsRetriedAndMintsOnce loses the answer of an issue (the
// server mints, then drops the connection): the client retries with the same
// Idempotency-Key, gets the same token replayed, and the server holds exactly one token.
// A one-time code or assertion jti consumed by the original is not consumed again.
func TestClientServer_LostAnswerIsRetriedAndMintsOnce(t *testing.T) {
	keys := testKeys()
	tests := []struct {
		name   string
		stepUp func(h *harness) authclient.StepUp
	}{
		{"client secret", func(*harness) authclient.StepUp { return authclient.StepUp{ClientSecret: secretA} }},
		{"one-time code", func(*harness) authclient.StepUp { return authclient.StepUp{OTPCode: otpCodesA[0]} }},
		{"pre-signed assertion", func(h *harness) authclient.StepUp {
			return authclient.StepUp{Assertion: h.signAssertion(keys.ed, "jti-lost-answer")}
		}},
		{"private key", func(*harness) authclient.StepUp { return authclient.StepUp{PrivateKey: keys.ec} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var rec *attemptRecorder
			h := newHarness(t, withAttemptRecorder(&rec))
			h.server.InjectFault(authserver.OpIssueLong, authserver.Fault{DropConnection: true})

			tok, err := h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: tc.stepUp(h), Name: "lost"})
			if err != nil {
				t.Fatalf("IssueLongTermToken after a lost answer: %v", err)
			}
			longs := h.longTokens()
			if len(longs) != 1 {
				t.Fatalf("server holds %d long-term tokens, want exactly 1", len(longs))
			}
			if longs[0].ID != tok.TokenID || longs[0].State != authserver.StateActive {
				t.Errorf("client got %s, server minted %s (%s)", tok.TokenID, longs[0].ID, longs[0].State)
			}
			if n := h.server.RequestCounts()[authserver.OpIssueLong]; n != 2 {
				t.Errorf("server saw %d issue requests, want 2 (the lost one and its retry)", n)
			}
			attempts := rec.all()
			if len(attempts) != 2 || attempts[0].status != 0 || attempts[1].status != http.StatusCreated {
				t.Fatalf("attempts = %+v, want a lost one then a 201", attempts)
			}
			if attempts[0].idempotencyKey == "" || attempts[0].idempotencyKey != attempts[1].idempotencyKey {
				t.Errorf("the retry did not reuse the Idempotency-Key")
			}
			if attempts[1].replayed != "true" {
				t.Errorf("the retry's answer has Idempotent-Replayed %q, want true", attempts[1].replayed)
			}
			// The token works.
			h.issueShort(tok.Token)
		})
	}
}

// TestClientServer_OneTimeCodeWorksOnce uses a one-time code twice (two calls, so two
// Idempotency-Keys): the second is 401 invalid_grant.
func TestClientServer_OneTimeCodeWorksOnce(t *testing.T) {
	h := newHarness(t)
	in := authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{OTPCode: otpCodesA[2]}}
	if _, err := h.client.IssueLongTermToken(h.ctx(), in); err != nil {
		t.Fatalf("first use of the code: %v", err)
	}
	_, err := h.client.IssueLongTermToken(h.ctx(), in)
	requireAPIError(t, err, http.StatusUnauthorized, "invalid_grant", authclient.ErrUnauthorized, otpCodesA[2])
	if n := len(h.longTokens()); n != 1 {
		t.Errorf("server holds %d long-term tokens, want 1", n)
	}
	// A code armed again works again (AddOTPCode), once.
	if err := h.server.AddOTPCode(clientA, otpCodesA[2]); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.IssueLongTermToken(h.ctx(), in); err != nil {
		t.Errorf("re-armed code: %v", err)
	}
}

// TestClientServer_AssertionJTIWorksOnce sends the same pre-signed assertion twice (two
// calls): the jti is accepted once, the second is 401 invalid_grant. Another jti works.
func TestClientServer_AssertionJTIWorksOnce(t *testing.T) {
	h := newHarness(t)
	keys := testKeys()
	assertion := h.signAssertion(keys.rsa, "jti-only-once")
	in := authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{Assertion: assertion}}
	if _, err := h.client.IssueLongTermToken(h.ctx(), in); err != nil {
		t.Fatalf("first use of the assertion: %v", err)
	}
	_, err := h.client.IssueLongTermToken(h.ctx(), in)
	requireAPIError(t, err, http.StatusUnauthorized, "invalid_grant", authclient.ErrUnauthorized, assertion)
	in.StepUp.Assertion = h.signAssertion(keys.rsa, "jti-another")
	if _, err := h.client.IssueLongTermToken(h.ctx(), in); err != nil {
		t.Errorf("a fresh jti: %v", err)
	}
	if n := len(h.longTokens()); n != 2 {
		t.Errorf("server holds %d long-term tokens, want 2", n)
	}
}

// TestClientServer_RevokingLongTermTokenRevokesItsShortTermTokens revokes a long-term
// token: the short-term tokens exchanged for it get 401 afterwards (while they still may
// revoke themselves), and tokens of the same client not derived from it keep working.
func TestClientServer_RevokingLongTermTokenRevokesItsShortTermTokens(t *testing.T) {
	h := newHarness(t)
	ctx := h.ctx()
	long := h.issueLong("tokens:read", "tokens:write")
	shorts := []*authclient.ShortTermToken{h.issueShort(long.Token), h.issueShort(long.Token, "tokens:write")}
	other := h.issueLong("tokens:read", "tokens:write")
	otherShort := h.issueShort(other.Token)

	// Before: a short-term token with tokens:write can step up.
	if _, err := h.client.IssueLongTermToken(ctx, authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{AccessToken: shorts[1].Token}}); err != nil {
		t.Fatalf("token exchange before the revocation: %v", err)
	}

	if err := h.client.RevokeToken(ctx, long.TokenID, long.Token); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}

	for i, s := range shorts {
		if st := h.state(s.TokenID); st != authserver.StateRevoked {
			t.Errorf("short-term token %d is %s, want revoked", i, st)
		}
		// Using it: revoke another token with it, and step up with it.
		err := h.client.RevokeToken(ctx, otherShort.TokenID, s.Token)
		requireAPIError(t, err, http.StatusUnauthorized, "invalid_token", authclient.ErrUnauthorized, s.Token)
		_, err = h.client.IssueLongTermToken(ctx, authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{AccessToken: s.Token}})
		requireAPIError(t, err, http.StatusUnauthorized, "invalid_token", authclient.ErrUnauthorized, s.Token)
		// A token may always revoke itself.
		if err := h.client.RevokeToken(ctx, s.TokenID, s.Token); err != nil {
			t.Errorf("revoked short-term token revoking itself: %v", err)
		}
	}
	_, err := h.client.IssueShortTermToken(ctx, authclient.IssueShortTermTokenInput{LongTermToken: long.Token})
	requireAPIError(t, err, http.StatusUnauthorized, "invalid_token", authclient.ErrUnauthorized, long.Token)

	if st := h.state(otherShort.TokenID); st != authserver.StateActive {
		t.Errorf("an unrelated short-term token is %s, want active", st)
	}
	h.issueShort(other.Token)
}

// TestClientServer_RotatedTokenWorksUntilGracePeriodEnds rotates a long-term token with a
// grace period: the old token works until the grace period ends (manual clock) and not
// after; the new one keeps working; without grace the old one stops at once.
func TestClientServer_RotatedTokenWorksUntilGracePeriodEnds(t *testing.T) {
	t.Run("grace period", func(t *testing.T) {
		h := newHarness(t)
		ctx := h.ctx()
		old := h.issueLong()
		const grace = 300
		rotated, err := h.client.IssueLongTermToken(ctx, authclient.IssueLongTermTokenInput{
			ClientID: clientA, StepUp: authclient.StepUp{ClientSecret: secretA}, RotateTokenID: old.TokenID, GracePeriodSeconds: grace,
		})
		if err != nil {
			t.Fatalf("rotate: %v", err)
		}
		if rotated.RotatedFrom != old.TokenID {
			t.Errorf("rotated_from = %q, want %s", rotated.RotatedFrom, old.TokenID)
		}
		wantEnd := t0.Add(grace * time.Second)
		if rotated.PreviousTokenExpiresAt == nil || !rotated.PreviousTokenExpiresAt.Equal(wantEnd) {
			t.Errorf("previous_token_expires_at = %v, want %v", rotated.PreviousTokenExpiresAt, wantEnd)
		}

		h.issueShort(old.Token) // right after the rotation
		h.clock.Advance(grace*time.Second - time.Second)
		h.issueShort(old.Token) // one second before the end

		h.clock.Advance(time.Second)
		_, err = h.client.IssueShortTermToken(ctx, authclient.IssueShortTermTokenInput{LongTermToken: old.Token})
		requireAPIError(t, err, http.StatusUnauthorized, "invalid_token", authclient.ErrUnauthorized, old.Token)
		if st := h.state(old.TokenID); st == authserver.StateActive {
			t.Errorf("the replaced token is still active after its grace period")
		}
		h.issueShort(rotated.Token)
	})

	t.Run("no grace period", func(t *testing.T) {
		h := newHarness(t)
		old := h.issueLong()
		if _, err := h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{
			ClientID: clientA, StepUp: authclient.StepUp{ClientSecret: secretA}, RotateTokenID: old.TokenID,
		}); err != nil {
			t.Fatalf("rotate: %v", err)
		}
		_, err := h.client.IssueShortTermToken(h.ctx(), authclient.IssueShortTermTokenInput{LongTermToken: old.Token})
		requireAPIError(t, err, http.StatusUnauthorized, "invalid_token", authclient.ErrUnauthorized, old.Token)
	})

	t.Run("revoking the new token ends the old one's grace period", func(t *testing.T) {
		h := newHarness(t)
		old := h.issueLong()
		rotated, err := h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{
			ClientID: clientA, StepUp: authclient.StepUp{ClientSecret: secretA}, RotateTokenID: old.TokenID, GracePeriodSeconds: 3600,
		})
		if err != nil {
			t.Fatalf("rotate: %v", err)
		}
		if err := h.client.RevokeToken(h.ctx(), rotated.TokenID, rotated.Token); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
		_, err = h.client.IssueShortTermToken(h.ctx(), authclient.IssueShortTermTokenInput{LongTermToken: old.Token})
		requireAPIError(t, err, http.StatusUnauthorized, "invalid_token", authclient.ErrUnauthorized, old.Token)
	})
}

// TestClientServer_Retry429WaitsRetryAfter answers 429 with Retry-After: 1 once: the
// client waits about that long, then succeeds with its second attempt.
func TestClientServer_Retry429WaitsRetryAfter(t *testing.T) {
	h := newHarness(t, withMaxRetries(2), withRetryWaits(time.Millisecond, 5*time.Second))
	long := h.issueLong()
	h.server.InjectFault(authserver.OpIssueShort, authserver.Fault{Status: http.StatusTooManyRequests, RetryAfter: 1})

	start := time.Now()
	if _, err := h.client.IssueShortTermToken(h.ctx(), authclient.IssueShortTermTokenInput{LongTermToken: long.Token}); err != nil {
		t.Fatalf("IssueShortTermToken: %v", err)
	}
	elapsed := time.Since(start)
	if elapsed < 950*time.Millisecond {
		t.Errorf("the client retried after %v, before the Retry-After of 1s", elapsed)
	}
	if elapsed > 4*time.Second {
		t.Errorf("the client took %v for a Retry-After of 1s", elapsed)
	}
	if n := h.server.RequestCounts()[authserver.OpIssueShort]; n != 2 {
		t.Errorf("server saw %d requests, want 2", n)
	}
}

// TestClientServer_Retry400IsNotRetried makes the server answer 400: the client gives up
// at once (one request) although retries are allowed.
func TestClientServer_Retry400IsNotRetried(t *testing.T) {
	h := newHarness(t, withMaxRetries(3),
		withClientTransport(func(next http.RoundTripper) http.RoundTripper { return addOTPToIssue{next} }))
	_, err := h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{ClientSecret: secretA}})
	requireAPIError(t, err, http.StatusBadRequest, "invalid_request", nil)
	if n := h.server.RequestCounts()[authserver.OpIssueLong]; n != 1 {
		t.Errorf("server saw %d requests for a 400, want 1 (no retry)", n)
	}
}

// TestClientServer_Retry4xxAreNotRetried checks that 401, 403 and 404 are not retried either.
func TestClientServer_Retry4xxAreNotRetried(t *testing.T) {
	h := newHarness(t, withMaxRetries(3))
	ctx := h.ctx()
	_, err := h.client.IssueLongTermToken(ctx, authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{ClientSecret: "wrong-secret-value-123"}})
	requireAPIError(t, err, 401, "invalid_client", authclient.ErrUnauthorized)
	_, err = h.client.IssueLongTermToken(ctx, authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{ClientSecret: secretA}, Scopes: []string{"admin:all"}})
	requireAPIError(t, err, 403, "insufficient_scope", authclient.ErrForbidden)
	long := h.issueLong()
	h.server.ResetCounts()
	err = h.client.RevokeToken(ctx, "st_0000000000000000Unknown", long.Token)
	requireAPIError(t, err, 404, "not_found", authclient.ErrNotFound)
	if n := h.server.RequestCounts()[authserver.OpRevoke]; n != 1 {
		t.Errorf("server saw %d revoke requests for a 404, want 1", n)
	}
}

// TestClientServer_Retry500OnIssueReusesIdempotencyKeyAndMintsOnce answers an issue with
// 500, before or after processing it: the client retries with the same Idempotency-Key
// and exactly one token is minted.
func TestClientServer_Retry500OnIssueReusesIdempotencyKeyAndMintsOnce(t *testing.T) {
	tests := []struct {
		name  string
		fault authserver.Fault
	}{
		{"500 before processing", authserver.Fault{Status: 500}},
		{"500 after processing (AfterProcessing)", authserver.Fault{Status: 500, AfterProcessing: true}},
		{"two 500s in a row", authserver.Fault{Status: 500, Times: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var rec *attemptRecorder
			h := newHarness(t, withMaxRetries(3), withAttemptRecorder(&rec))
			h.server.InjectFault(authserver.OpIssueLong, tc.fault)

			tok, err := h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{OTPCode: otpCodesA[3]}})
			if err != nil {
				t.Fatalf("IssueLongTermToken: %v", err)
			}
			attempts := rec.all()
			wantAttempts := max(tc.fault.Times, 1) + 1
			if len(attempts) != wantAttempts {
				t.Fatalf("client made %d attempts, want %d: %+v", len(attempts), wantAttempts, attempts)
			}
			for i, a := range attempts {
				if a.idempotencyKey == "" || a.idempotencyKey != attempts[0].idempotencyKey {
					t.Errorf("attempt %d: Idempotency-Key differs from the first attempt's", i)
				}
			}
			longs := h.longTokens()
			if len(longs) != 1 || longs[0].ID != tok.TokenID {
				t.Errorf("server holds %d long-term tokens (want exactly 1, the one returned)", len(longs))
			}
		})
	}
}

// TestClientServer_Retry500OnRevokeIsRetried answers a revoke 500 after processing it:
// the client retries (revoke is idempotent by contract, the repeat answers 204) and the
// token ends revoked.
func TestClientServer_Retry500OnRevokeIsRetried(t *testing.T) {
	h := newHarness(t, withMaxRetries(2))
	long := h.issueLong()
	h.server.InjectFault(authserver.OpRevoke, authserver.Fault{Status: 500, AfterProcessing: true})
	if err := h.client.RevokeToken(h.ctx(), long.TokenID, long.Token); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	if n := h.server.RequestCounts()[authserver.OpRevoke]; n != 2 {
		t.Errorf("server saw %d revoke requests, want 2", n)
	}
	if st := h.state(long.TokenID); st != authserver.StateRevoked {
		t.Errorf("token is %s, want revoked", st)
	}
}

// TestClientServer_RetriesStopWhenTheContextEnds keeps answering 500 while the client
// waits a long backoff: the call ends with the context, not after the retries.
func TestClientServer_RetriesStopWhenTheContextEnds(t *testing.T) {
	h := newHarness(t, withMaxRetries(5), withRetryWaits(4*time.Second, 8*time.Second))
	h.server.InjectFault(authserver.OpIssueLong, authserver.Fault{Status: 500, Times: 10})

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := h.client.IssueLongTermToken(ctx, authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{ClientSecret: secretA}})
	elapsed := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want one matching context.DeadlineExceeded", err)
	}
	if elapsed > 1500*time.Millisecond {
		t.Errorf("the call took %v after its context ended at 300ms", elapsed)
	}
	if n := h.server.RequestCounts()[authserver.OpIssueLong]; n != 1 {
		t.Errorf("server saw %d requests, want 1 (the backoff outlasts the context)", n)
	}
	if n := len(h.server.Tokens()); n != 0 {
		t.Errorf("server minted %d tokens", n)
	}
}

// TestClientServer_HarnessCatchesDrift checks the harness itself: a server answer that
// drifts from the contract (here a lowercase token_type and no X-Request-Id, made by a
// middleware) is reported on both sides, by the Handler and by the Transport.
func TestClientServer_HarnessCatchesDrift(t *testing.T) {
	ftb := &fakeTB{TB: t}
	drift := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				if k != "X-Request-Id" {
					w.Header()[k] = v
				}
			}
			body := strings.Replace(rec.Body.String(), `"token_type":"Bearer"`, `"token_type":"bearer"`, 1)
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.Code)
			_, _ = io.WriteString(w, body)
		})
	}
	h := newHarness(t, withValidatorTB(ftb), withServerMiddleware(drift))
	_, _ = h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{ClientID: clientA, StepUp: authclient.StepUp{ClientSecret: secretA}})
	h.ts.Close()
	reported := ftb.finish()
	for _, want := range []string{
		`[server] issueLongTermToken POST /v1/auth/tokens/long -> 201: response: response body doesn't match schema #/components/schemas/LongTokenResponse: at "/token_type"`,
		`[server] issueLongTermToken POST /v1/auth/tokens/long -> 201: response: header "X-Request-Id" missing`,
		`[client] issueLongTermToken POST /v1/auth/tokens/long -> 201: response: response body doesn't match schema #/components/schemas/LongTokenResponse: at "/token_type"`,
		`[client] issueLongTermToken POST /v1/auth/tokens/long -> 201: response: header "X-Request-Id" missing`,
	} {
		if !slices.ContainsFunc(reported, func(s string) bool { return strings.Contains(s, want) }) {
			t.Errorf("not reported: %s\nreported:\n%s", want, strings.Join(reported, "\n"))
		}
	}
	for _, s := range reported {
		if strings.Contains(s, secretA) {
			t.Errorf("a violation quotes the client secret: %s", s)
		}
	}
}
