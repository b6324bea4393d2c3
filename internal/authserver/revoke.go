package authserver

import (
	"bytes"
	"io"
	"net/http"
	"time"
)

// revoke handles POST /v1/auth/tokens/{tokenId}/revoke.
func (s *Server) revoke(c *call) *response {
	if e := noBody(c.r); e != nil {
		return c.early(e)
	}
	who, e := s.authenticate(c.r)
	if e != nil {
		return c.early(e)
	}
	c.clientID, c.callerTokenID = who.clientID, who.tokenID
	if e := s.rateLimit(c, who.clientID); e != nil {
		return c.early(e)
	}
	if !c.wait() {
		return nil
	}
	return s.locked(func(now time.Time) *response {
		if e := s.revokeTarget(who, c.targetID, now); e != nil {
			return errorResponse(e, c.requestID)
		}
		return &response{status: http.StatusNoContent, header: http.Header{}}
	})
}

// revokeTarget applies the contract's authorization rules and revokes with cascade.
// Callers hold s.mu.
func (s *Server) revokeTarget(who caller, targetID string, now time.Time) *apiError {
	if targetID == who.tokenID {
		// A token may always revoke itself, even when revoked or expired already.
		if s.revokeAt(s.tokens[targetID], now) {
			s.changed()
		}
		return nil
	}
	self, e := s.activeToken(who.tokenID, now)
	if e != nil {
		return e
	}
	target := s.tokens[targetID] // a malformed id is simply not found
	if target == nil || target.ClientID != self.ClientID {
		return notFound("no token %s for this client", targetID)
	}
	ownChild := self.Kind == KindLong && target.Kind == KindShort && target.ParentTokenID == self.ID
	if !ownChild && !hasScope(self.Scopes, scopeWrite, scopeRevoke) {
		return forbidden("revoking another token needs scope %s or %s", scopeWrite, scopeRevoke)
	}
	if s.revokeAt(target, now) { // already revoked or expired: nothing changes, still 204
		s.changed()
	}
	return nil
}

// noBody refuses a request body: the operation takes none.
func noBody(r *http.Request) *apiError {
	if r.Body == nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil {
		return badRequest("cannot read request body")
	}
	if len(bytes.TrimSpace(b)) > 0 {
		return badRequest("this operation takes no request body")
	}
	return nil
}
