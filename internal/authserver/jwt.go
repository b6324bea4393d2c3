package authserver

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// defaultAudience is the aud claim of short-term tokens when the request names none.
	defaultAudience = "api.example.com"
	// maxAssertionLifetime bounds exp - iat of an assertion.
	maxAssertionLifetime = 300 * time.Second
	// assertionSkew tolerates clients whose clock runs slightly ahead of the server's
	// when judging iat; exp is judged strictly.
	assertionSkew = 30 * time.Second
)

var assertionMethods = []string{"RS256", "ES256", "EdDSA"}

// shortClaims are the claims of a short-term JWT. aud is a single string, as the
// contract shows it, not the one-element array that jwt.RegisteredClaims would write.
type shortClaims struct {
	Issuer    string           `json:"iss"`
	Subject   string           `json:"sub"`
	Audience  string           `json:"aud"`
	Scope     string           `json:"scope"`
	ID        string           `json:"jti"`
	ParentID  string           `json:"ptid"`
	IssuedAt  *jwt.NumericDate `json:"iat"`
	ExpiresAt *jwt.NumericDate `json:"exp"`
}

// The jwt.Claims interface; validation is done by the server against its own records.
func (c shortClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.ExpiresAt, nil }
func (c shortClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return c.IssuedAt, nil }
func (c shortClaims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (c shortClaims) GetIssuer() (string, error)                   { return c.Issuer, nil }
func (c shortClaims) GetSubject() (string, error)                  { return c.Subject, nil }
func (c shortClaims) GetAudience() (jwt.ClaimStrings, error) {
	return jwt.ClaimStrings{c.Audience}, nil
}

// signShort mints the JWT of a short-term token.
func (s *Server) signShort(t *token) (string, error) {
	claims := shortClaims{
		Issuer:    s.issuer,
		Subject:   t.ClientID,
		Audience:  t.Audience,
		Scope:     strings.Join(t.Scopes, " "),
		ID:        t.ID,
		ParentID:  t.ParentTokenID,
		IssuedAt:  jwt.NewNumericDate(t.IssuedAt),
		ExpiresAt: jwt.NewNumericDate(t.ExpiresAt),
	}
	return jwt.NewWithClaims(jwt.SigningMethodES256, claims).SignedString(s.signKey)
}

// verifyShort checks the signature and issuer of a short-term JWT and returns its
// claims. Time claims are not judged here: the token's record decides whether it is
// active, and an expired token must still be recognised to revoke itself.
func (s *Server) verifyShort(raw string) (*shortClaims, bool) {
	claims := &shortClaims{}
	_, err := jwt.ParseWithClaims(raw, claims,
		func(*jwt.Token) (any, error) { return &s.signKey.PublicKey, nil },
		jwt.WithValidMethods([]string{"ES256"}),
		jwt.WithoutClaimsValidation(),
	)
	if err != nil || claims.Issuer != s.issuer || claims.ID == "" {
		return nil, false
	}
	return claims, true
}

// verifyAssertion checks a client's signed assertion for the long-term operation at
// audience. It returns the key under which the jti is remembered, and until when.
// Errors are 401 invalid_grant with a reason that quotes nothing from the assertion.
func (s *Server) verifyAssertion(c *client, raw, audience string, now time.Time) (jtiKey string, until time.Time, e *apiError) {
	fail := func(reason string) (string, time.Time, *apiError) {
		return "", time.Time{}, unauthorized(codeInvalidGrant, "invalid assertion: %s", reason)
	}
	claims := &jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		keys := assertionKeys(c, t.Method.Alg())
		if len(keys) == 0 {
			return nil, errors.New("no registered key for the algorithm")
		}
		return jwt.VerificationKeySet{Keys: keys}, nil
	}, jwt.WithValidMethods(assertionMethods), jwt.WithoutClaimsValidation())
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return fail("malformed JWT")
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return fail("no public key registered for the client matches the algorithm (RS256, ES256 or EdDSA)")
	case err != nil:
		return fail("signature not verified by any registered key (algorithms: RS256, ES256, EdDSA)")
	}
	switch {
	case claims.Issuer != c.id || claims.Subject != c.id:
		return fail("iss and sub must both equal client_id")
	case !slices.Contains(claims.Audience, audience):
		return fail("aud must be " + audience)
	case claims.IssuedAt == nil || claims.ExpiresAt == nil:
		return fail("iat and exp are required")
	case claims.ExpiresAt.Sub(claims.IssuedAt.Time) > maxAssertionLifetime:
		return fail("exp must be at most 300 seconds after iat")
	case !claims.ExpiresAt.After(claims.IssuedAt.Time):
		return fail("exp must be after iat")
	case !now.Before(claims.ExpiresAt.Time):
		return fail("expired")
	case claims.IssuedAt.After(now.Add(assertionSkew)):
		return fail("iat is in the future")
	case claims.NotBefore != nil && claims.NotBefore.After(now.Add(assertionSkew)):
		return fail("not valid yet (nbf)")
	case claims.ID == "":
		return fail("jti is required")
	}
	key := jtiKeyOf(c.id, claims.ID)
	if _, used := s.usedJTIs[key]; used {
		return fail("jti already used")
	}
	return key, claims.ExpiresAt.Time, nil
}

// assertionKeys returns the client's keys usable with alg.
func assertionKeys(c *client, alg string) []jwt.VerificationKey {
	var keys []jwt.VerificationKey
	for _, k := range c.keys {
		switch k.(type) {
		case *rsa.PublicKey:
			if alg == "RS256" {
				keys = append(keys, k)
			}
		case *ecdsa.PublicKey:
			if alg == "ES256" {
				keys = append(keys, k)
			}
		case ed25519.PublicKey:
			if alg == "EdDSA" {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// jtiKeyOf is how a used jti is remembered: hashed, and per client since each client
// picks its own jtis.
func jtiKeyOf(clientID, jti string) string {
	sum := sha256.Sum256([]byte(clientID + "\x00" + jti))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// pruneJTIs forgets used jtis whose assertions have expired: they cannot be replayed
// anyway. Callers hold s.mu.
func (s *Server) pruneJTIs(now time.Time) {
	for k, until := range s.usedJTIs {
		if !now.Before(until) {
			delete(s.usedJTIs, k)
		}
	}
}
