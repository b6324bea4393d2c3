package authclient

import (
	"crypto"
	"time"
)

// StepUp is the step-up authentication for one long-term token issuance. Exactly one field
// is set; an empty StepUp is refused before any request is sent.
type StepUp struct {
	// ClientSecret: grant client_credentials with body client_secret.
	ClientSecret string
	// OTPCode: grant client_credentials with body otp_code (single use).
	OTPCode string
	// Assertion: grant assertion with a pre-signed JWT.
	Assertion string
	// PrivateKey: grant assertion with a JWT the client signs afresh for every call
	// (RSA → RS256, ECDSA P-256 → ES256, Ed25519 → EdDSA); the retries of a call resend
	// the same JWT, since the server only replays a byte-identical body.
	PrivateKey crypto.Signer
	// AccessToken: grant token_exchange with a short-term token holding tokens:write.
	AccessToken string
}

// Mechanism names the step-up mechanism for diagnostics ("client_secret", "otp_code",
// "assertion", "private_key", "access_token"), or "" when none is set.
func (s StepUp) Mechanism() string {
	switch {
	case s.ClientSecret != "":
		return "client_secret"
	case s.OTPCode != "":
		return "otp_code"
	case s.Assertion != "":
		return "assertion"
	case s.PrivateKey != nil:
		return "private_key"
	case s.AccessToken != "":
		return "access_token"
	}
	return ""
}

// IssueLongTermTokenInput is one call of issueLongTermToken: issue, or rotate when
// RotateTokenID is set.
type IssueLongTermTokenInput struct {
	ClientID string
	StepUp   StepUp
	Name     string   // optional
	Scopes   []string // nil: the client's default scopes
	TTLDays  int      // 0: the server's default (90)
	// RotateTokenID, when set, makes this a rotation of that long-term token.
	RotateTokenID string
	// GracePeriodSeconds is sent only with RotateTokenID.
	GracePeriodSeconds int
	// IdempotencyKey: "" means a fresh random key; it stays the same across retries.
	IdempotencyKey string
}

// LongTermToken is the answer of issueLongTermToken.
type LongTermToken struct {
	TokenID                string
	Token                  string // the secret, returned once
	TokenType              string
	ClientID               string
	Name                   string
	Scopes                 []string
	IssuedAt               time.Time
	ExpiresAt              time.Time
	RotatedFrom            string     // "" unless a rotation
	PreviousTokenExpiresAt *time.Time // nil unless a rotation
}

// IssueShortTermTokenInput is one call of issueShortTermToken.
type IssueShortTermTokenInput struct {
	LongTermToken string   // sent as Authorization: Bearer
	Scopes        []string // nil: all of the long-term token's scopes
	TTLSeconds    int      // 0: the server's default (900)
	Audience      string   // optional
	// IdempotencyKey: "" means a fresh random key; it stays the same across retries.
	IdempotencyKey string
}

// ShortTermToken is the answer of issueShortTermToken.
type ShortTermToken struct {
	TokenID       string
	Token         string // the JWT
	TokenType     string
	ExpiresIn     int64
	ExpiresAt     time.Time
	Scopes        []string
	ParentTokenID string
}
