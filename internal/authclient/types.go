package authclient

import "time"

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
	Scopes        []string // nil or empty: all of the long-term token's scopes
	TTLSeconds    int      // 0: the server's default (900)
	Audience      string   // optional
	// NoScopes asks for a token with no scope at all (`"scopes": []`), which can only
	// prove that the long-term token works. Scopes must then be empty.
	NoScopes bool
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
