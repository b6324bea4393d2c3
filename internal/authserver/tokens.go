package authserver

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"time"
)

// Operation names one operation of the contract by its operationId.
type Operation string

// The operations of the contract.
const (
	OpIssueLong  Operation = "issueLongTermToken"
	OpIssueShort Operation = "issueShortTermToken"
	OpRevoke     Operation = "revokeToken"
)

var operations = []Operation{OpIssueLong, OpIssueShort, OpRevoke}

// TokenKind tells long-term tokens from short-term ones.
type TokenKind string

// Token kinds.
const (
	KindLong  TokenKind = "long"
	KindShort TokenKind = "short"
)

// TokenState is the state of a token at the clock's current time.
type TokenState string

// Token states.
const (
	StateActive  TokenState = "active"
	StateRevoked TokenState = "revoked"
	StateExpired TokenState = "expired"
)

// TokenFacts are what the server knows of a token that is neither secret nor derived
// from the clock: kept in its record, and served as they are.
type TokenFacts struct {
	ID            string    `json:"id"`
	Kind          TokenKind `json:"kind"`
	ClientID      string    `json:"client_id"`
	Name          string    `json:"name,omitempty"`
	Scopes        []string  `json:"scopes"`
	Audience      string    `json:"audience,omitempty"`
	IssuedAt      time.Time `json:"issued_at"`
	ExpiresAt     time.Time `json:"expires_at"`
	ParentTokenID string    `json:"parent_token_id,omitempty"`
	RotatedFrom   string    `json:"rotated_from,omitempty"`
	RotatedTo     string    `json:"rotated_to,omitempty"`
	// Mechanism is how a long-term token was obtained: client_secret, otp_code,
	// assertion or token_exchange.
	Mechanism string `json:"mechanism,omitempty"`
}

// compareFacts orders tokens by issue time, then id: the order of every listing.
func compareFacts(a, b TokenFacts) int {
	if c := a.IssuedAt.Compare(b.IssuedAt); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// TokenRecord describes one issued token. It never holds a secret or a hash, so it is
// safe to print, log and serve from the test controls.
type TokenRecord struct {
	TokenFacts
	State TokenState `json:"state"`
	// RevokedAt is when the token stopped (or, during a rotation grace period, will
	// stop) working before its expiry. For a short-term token it includes the end of
	// its long-term parent.
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Mechanism names as recorded in TokenRecord.Mechanism.
const (
	mechSecret   = "client_secret"
	mechOTP      = "otp_code"
	mechAssert   = "assertion"
	mechExchange = "token_exchange"
)

// grantOf is the grant_type that each mechanism goes with.
var grantOf = map[string]string{
	mechSecret:   grantClientCredentials,
	mechOTP:      grantClientCredentials,
	mechAssert:   grantAssertion,
	mechExchange: grantTokenExchange,
}

// token is the server's own record of a token. Long-term tokens keep the SHA-256 of
// their secret; short-term tokens keep nothing secret (the JWT is verified by signature).
type token struct {
	TokenFacts
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	SecretHash string     `json:"secret_hash,omitempty"` // base64url SHA-256, long-term only
}

// endOf is when a token stops working early because it, or (for a short-term token)
// its parent, was revoked or reached the end of a rotation grace period; nil if it
// simply runs until its expiry. It may lie in the future. Callers hold s.mu.
func (s *Server) endOf(t *token) *time.Time {
	end := t.RevokedAt
	if t.Kind == KindShort {
		// The parent ending at or after the child's expiry does not shorten the child.
		if p := s.tokens[t.ParentTokenID]; p != nil && p.RevokedAt != nil && p.RevokedAt.Before(t.ExpiresAt) {
			if end == nil || p.RevokedAt.Before(*end) {
				end = p.RevokedAt
			}
		}
	}
	return end
}

// stateOf computes a token's state at now. Callers hold s.mu.
func (s *Server) stateOf(t *token, now time.Time) TokenState {
	if end := s.endOf(t); end != nil && !now.Before(*end) {
		return StateRevoked
	}
	if !now.Before(t.ExpiresAt) {
		return StateExpired
	}
	return StateActive
}

// active reports whether a token authenticates at now. Callers hold s.mu.
func (s *Server) active(t *token, now time.Time) bool {
	return s.stateOf(t, now) == StateActive
}

// recordOf builds the public view of a token. Callers hold s.mu.
func (s *Server) recordOf(t *token, now time.Time) TokenRecord {
	rec := TokenRecord{TokenFacts: t.TokenFacts, State: s.stateOf(t, now)}
	rec.Scopes = slices.Clone(t.Scopes)
	if rec.Scopes == nil {
		rec.Scopes = []string{}
	}
	if end := s.endOf(t); end != nil {
		e := *end
		rec.RevokedAt = &e
	}
	return rec
}

// revokeAt ends a token at now together with everything the contract cascades to:
// a long-term token's short-term children, and the token it replaced while that one
// is still in its grace period (recursively). Tokens not active at now are left alone.
// It reports whether anything changed. Callers hold s.mu.
func (s *Server) revokeAt(t *token, now time.Time) bool {
	if !s.active(t, now) {
		return false
	}
	at := now.Truncate(time.Second) // stored times are whole seconds, like the JWTs'
	t.RevokedAt = &at
	if t.Kind != KindLong {
		return true
	}
	for _, id := range s.children[t.ID] {
		if c := s.tokens[id]; c != nil && c.RevokedAt == nil && now.Before(c.ExpiresAt) {
			c.RevokedAt = &at
		}
	}
	if prev := s.tokens[t.RotatedFrom]; prev != nil {
		s.revokeAt(prev, now) // a no-op unless prev is still within its grace period
	}
	return true
}

// newID returns a token id such as lt_ABC... matching ^(lt|st)_[A-Za-z0-9]{16,64}$.
func newID(kind TokenKind) string {
	prefix := "lt_"
	if kind == KindShort {
		prefix = "st_"
	}
	return prefix + rand.Text() // 26 base32 characters, 128 bits
}

// longSecretPrefix marks long-term token secrets so that they are easy to recognise
// (e.g. by secret scanners) and never mistaken for a JWT.
const longSecretPrefix = "ltk_"

// newLongSecret returns a fresh long-term token secret with 256 bits of entropy.
func newLongSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return longSecretPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// hashSecret is the lookup key of a long-term token secret. The secret has enough
// entropy that a plain (unsalted) SHA-256 is safe and allows lookup by hash.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// looksLikeJWT tells a compact JWS (three dot-separated parts) from an opaque secret.
func looksLikeJWT(s string) bool {
	return strings.Count(s, ".") == 2
}

// minTime returns the earliest of the times.
func minTime(t time.Time, more ...time.Time) time.Time {
	for _, m := range more {
		if m.Before(t) {
			t = m
		}
	}
	return t
}
