package authclient

import (
	"crypto"
	"errors"
	"regexp"
)

// The grant types of LongTokenRequest.
const (
	grantClientCredentials = "client_credentials"
	grantAssertion         = "assertion"
	grantTokenExchange     = "token_exchange"
)

// Mechanism is one step-up mechanism: how the provider and its messages name it, and how
// the client sends it.
type Mechanism struct {
	// Name is the provider argument that sets the mechanism. Messages name the mechanism by
	// it, so that they say what to change.
	Name string
	// EnvVar is the environment variable that sets the mechanism when no argument does.
	EnvVar string
	// Grant is the grant_type of the request.
	Grant string
	// Description documents the provider argument (Markdown).
	Description string
	// InvalidGrantHint says what to check when the server refuses the credential with
	// invalid_grant; "" leaves the general advice.
	InvalidGrantHint string
	// InvalidTokenHint says what to check when the server refuses a bearer token with
	// invalid_token (expired, revoked or unknown); "" leaves the general advice.
	InvalidTokenHint string
	// MaxLength and Pattern are the contract's rule for the value (0 and nil: none);
	// PatternRule says in words what Pattern asks for.
	MaxLength   int
	Pattern     *regexp.Regexp
	PatternRule string

	wire
}

// wire is the client's handling of one mechanism.
type wire struct {
	// held reports whether a StepUp carries the mechanism.
	held func(StepUp) bool
	// stepUp turns the text a user configured into a StepUp.
	stepUp func(value string) (StepUp, error)
	// send puts the credential on the request and returns the secret it sent.
	send func(c *Client, cl *call, body *longTokenRequest, in IssueLongTermTokenInput) (string, error)
}

// textInBody is the wire of a credential that StepUp holds as text and the body carries.
func textInBody(text func(*StepUp) *string, field func(*longTokenRequest) *string) wire {
	return wire{
		held: func(s StepUp) bool { return *text(&s) != "" },
		stepUp: func(v string) (StepUp, error) {
			var s StepUp
			*text(&s) = v
			return s, nil
		},
		send: func(_ *Client, _ *call, body *longTokenRequest, in IssueLongTermTokenInput) (string, error) {
			*field(body) = *text(&in.StepUp)
			return *field(body), nil
		},
	}
}

// Mechanisms is the one table of step-up mechanisms: the client's StepUp and request, and
// the provider's schema, configuration, conflict checks and messages all read it. It lives
// here because the client sends each entry on the wire, and the provider imports authclient
// (never the reverse). Adding a mechanism is one entry, plus the StepUp field it fills.
var Mechanisms = []*Mechanism{
	{
		Name: "client_secret", EnvVar: "AUTH_CLIENT_SECRET", Grant: grantClientCredentials, MaxLength: 512,
		Description: "The client's secret (env `AUTH_CLIENT_SECRET`), grant `client_credentials`.",
		wire:        textInBody(func(s *StepUp) *string { return &s.ClientSecret }, func(b *longTokenRequest) *string { return &b.ClientSecret }),
	},
	{
		Name: "otp_code", EnvVar: "AUTH_OTP_CODE", Grant: grantClientCredentials,
		Pattern: regexp.MustCompile(`^[0-9]{6,8}$`), PatternRule: "a one-time code of 6 to 8 digits",
		Description: "A one-time code of 6 to 8 digits (env `AUTH_OTP_CODE`), grant `client_credentials`. " +
			"It works for a single issuance.",
		InvalidGrantHint: "A one-time code works once: supply a fresh otp_code.",
		wire:             textInBody(func(s *StepUp) *string { return &s.OTPCode }, func(b *longTokenRequest) *string { return &b.OTPCode }),
	},
	{
		Name: "assertion", EnvVar: "AUTH_ASSERTION", Grant: grantAssertion, MaxLength: 8192,
		Description: "A pre-signed JWT assertion (env `AUTH_ASSERTION`), grant `assertion`.",
		InvalidGrantHint: "Check the assertion: iss and sub must be client_id, aud the operation's URL, " +
			"exp at most 300 s after iat, and its jti unused.",
		wire: textInBody(func(s *StepUp) *string { return &s.Assertion }, func(b *longTokenRequest) *string { return &b.Assertion }),
	},
	{
		Name: "private_key_pem", EnvVar: "AUTH_PRIVATE_KEY_PEM", Grant: grantAssertion,
		Description: "A PEM private key registered for the client (env `AUTH_PRIVATE_KEY_PEM`): " +
			"the provider signs a fresh assertion for every issuance (RSA → RS256, EC P-256 → ES256, Ed25519 → EdDSA).",
		InvalidGrantHint: "Check that the public half of private_key_pem is registered for client_id.",
		wire: wire{
			held: func(s StepUp) bool { return s.PrivateKey != nil },
			stepUp: func(v string) (StepUp, error) {
				key, err := ParsePrivateKeyPEM(v)
				return StepUp{PrivateKey: key}, err
			},
			send: func(c *Client, cl *call, body *longTokenRequest, in IssueLongTermTokenInput) (string, error) {
				assertion, err := signAssertion(in.StepUp.PrivateKey, in.ClientID, cl.url, c.clock())
				body.Assertion = assertion
				return assertion, err
			},
		},
	},
	{
		Name: "access_token", EnvVar: "AUTH_ACCESS_TOKEN", Grant: grantTokenExchange,
		Description: "A short-term token with scope `tokens:write` (env `AUTH_ACCESS_TOKEN`), grant `token_exchange`, " +
			"typically `ephemeral.auth_short_term_token.<name>.token`.",
		InvalidGrantHint: "The short-term token must be valid, hold scope tokens:write and belong to client_id.",
		InvalidTokenHint: "The access_token has expired or was revoked: a short-term token lives minutes, and a long apply " +
			"can outlive it. Configure the provider's long_term_token (with scope tokens:write) instead of access_token: " +
			"the provider then exchanges it for a short-term token just before it issues.",
		wire: wire{
			held:   func(s StepUp) bool { return s.AccessToken != "" },
			stepUp: func(v string) (StepUp, error) { return StepUp{AccessToken: v}, nil },
			send: func(_ *Client, cl *call, _ *longTokenRequest, in IssueLongTermTokenInput) (string, error) {
				token := in.StepUp.AccessToken
				if !validHeaderValue(token) {
					return "", errors.New("StepUp.AccessToken must not contain control characters")
				}
				cl.header.Set("Authorization", "Bearer "+token)
				return token, nil
			},
		},
	},
}

// StepUp converts a configured value into the step-up authentication of this mechanism.
// Only a value that must be decoded (a private key) can fail; checking MaxLength and
// Pattern is the caller's.
func (m *Mechanism) StepUp(value string) (StepUp, error) { return m.stepUp(value) }

// String is the mechanism's Name, or "" for none (nil).
func (m *Mechanism) String() string {
	if m == nil {
		return ""
	}
	return m.Name
}

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

// Mechanism is the mechanism s carries, or nil when none is set.
func (s StepUp) Mechanism() *Mechanism {
	for _, m := range Mechanisms {
		if m.held(s) {
			return m
		}
	}
	return nil
}

// count is the number of mechanisms set; exactly one is valid.
func (s StepUp) count() int {
	n := 0
	for _, m := range Mechanisms {
		if m.held(s) {
			n++
		}
	}
	return n
}
