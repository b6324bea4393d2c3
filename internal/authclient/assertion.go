package authclient

import (
	"crypto"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// assertionLifetime is exp - iat of a self-signed assertion: the contract's maximum, because
// the call's retries resend the same assertion and must still find it valid.
const assertionLifetime = 300 * time.Second

// signAssertion signs the client assertion for one call: iss = sub = clientID, aud = the
// absolute URL of the operation, and a random jti the server accepts once.
func signAssertion(key crypto.Signer, clientID, audience string, now time.Time) (string, error) {
	method, err := signingMethod(key)
	if err != nil {
		return "", err
	}
	claims := jwt.MapClaims{
		"iss": clientID,
		"sub": clientID,
		"aud": audience, // a plain string: jwt.RegisteredClaims would send a one-element array
		"iat": now.Unix(),
		"exp": now.Add(assertionLifetime).Unix(),
		"jti": newID(),
	}
	return jwt.NewWithClaims(method, claims).SignedString(key)
}
