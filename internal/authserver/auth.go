package authserver

import (
	"net/http"
	"strings"
	"time"
)

// bearer returns the credential of "Authorization: Bearer <credential>". sent reports
// whether an Authorization header was sent at all (counted as a mechanism even when
// malformed, so that it is never silently ignored).
func bearer(r *http.Request) (credential string, sent bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	scheme, rest, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(rest), true
}

// caller is the token a bearer credential stands for, whatever its state: a revoked or
// expired token is still identified, so that it can revoke itself and so that an
// idempotent answer can be replayed to it.
type caller struct {
	tokenID  string
	clientID string
	kind     TokenKind
}

// identify finds the token behind a bearer credential: a long-term secret by its hash,
// a short-term JWT by its signature and jti. ok is false for anything else.
func (s *Server) identify(credential string) (caller, bool) {
	if credential == "" {
		return caller{}, false
	}
	if looksLikeJWT(credential) {
		claims, ok := s.verifyShort(credential) // outside the lock: signature checks are slow
		if !ok {
			return caller{}, false
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		t := s.tokens[claims.ID]
		if t == nil || t.Kind != KindShort || t.ClientID != claims.Subject {
			return caller{}, false
		}
		return caller{tokenID: t.ID, clientID: t.ClientID, kind: KindShort}, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tokens[s.bySecret[hashSecret(credential)]]
	if t == nil {
		return caller{}, false
	}
	return caller{tokenID: t.ID, clientID: t.ClientID, kind: KindLong}, true
}

// authenticate identifies the bearer credential of r, answering 401 invalid_token when
// there is none or it is unknown.
func (s *Server) authenticate(r *http.Request) (caller, *apiError) {
	cred, sent := bearer(r)
	if !sent {
		return caller{}, unauthorized(codeInvalidToken, "Authorization: Bearer <token> required")
	}
	who, ok := s.identify(cred)
	if !ok {
		return caller{}, unauthorized(codeInvalidToken, "token not recognised")
	}
	return who, nil
}

// activeToken returns the caller's token if it authenticates at now, else 401.
// Callers hold s.mu.
func (s *Server) activeToken(id string, now time.Time) (*token, *apiError) {
	t := s.tokens[id]
	if t == nil {
		return nil, unauthorized(codeInvalidToken, "token not recognised")
	}
	switch s.stateOf(t, now) {
	case StateRevoked:
		return nil, unauthorized(codeInvalidToken, "token %s is revoked", t.ID)
	case StateExpired:
		return nil, unauthorized(codeInvalidToken, "token %s has expired", t.ID)
	}
	return t, nil
}

// hasScope reports whether scopes include one of want.
func hasScope(scopes []string, want ...string) bool {
	for _, w := range want {
		for _, sc := range scopes {
			if sc == w {
				return true
			}
		}
	}
	return false
}
