package authserver

import (
	"net/http"
	"slices"
	"time"
)

const defaultTTLSeconds = 900

// shortRequest is a validated ShortTokenRequest plus the canonical hash of its body.
type shortRequest struct {
	scopes     []string
	scopesSet  bool
	ttlSeconds int
	audience   string
	hash       [32]byte
}

// parseShortRequest applies the ShortTokenRequest schema strictly. The body is
// optional: no body means all defaults.
func parseShortRequest(body []byte) (*shortRequest, *apiError) {
	o, e := parseObject(body, "scopes", "ttl_seconds", "audience")
	if e != nil {
		return nil, e
	}
	req := &shortRequest{hash: o.hash(), ttlSeconds: defaultTTLSeconds, audience: defaultAudience}
	if req.scopes, req.scopesSet, e = o.scopes("scopes"); e != nil {
		return nil, e
	}
	if n, set, e := o.integer("ttl_seconds", 60, 3600); e != nil {
		return nil, e
	} else if set {
		req.ttlSeconds = n
	}
	if aud, set, e := o.str("audience", 1, 256, nil); e != nil {
		return nil, e
	} else if set {
		req.audience = aud
	}
	return req, nil
}

// shortResponse is the contract's ShortTokenResponse.
type shortResponse struct {
	TokenID       string    `json:"token_id"`
	Token         string    `json:"token"`
	TokenType     string    `json:"token_type"`
	ExpiresIn     int       `json:"expires_in"`
	ExpiresAt     time.Time `json:"expires_at"`
	Scopes        []string  `json:"scopes"`
	ParentTokenID string    `json:"parent_token_id"`
}

// issueShort handles POST /v1/auth/tokens/short.
func (s *Server) issueShort(c *call) *response {
	body, e := readBody(c.r)
	if e != nil {
		return c.early(e)
	}
	req, e := parseShortRequest(body)
	if e != nil {
		return c.early(e)
	}
	key, e := idempotencyKey(c.r)
	if e != nil {
		return c.early(e)
	}
	who, e := s.authenticate(c.r)
	if e != nil {
		return c.early(e)
	}
	if who.kind != KindLong {
		return c.early(unauthorized(codeInvalidToken, "a long-term token is required"))
	}
	c.clientID, c.callerTokenID = who.clientID, who.tokenID
	if e := s.rateLimit(c, who.clientID); e != nil {
		return c.early(e)
	}
	return s.idempotent(c, key, "token:"+who.tokenID, req.hash, func() *response {
		return s.locked(func(now time.Time) *response {
			resp, e := s.mintShort(c, req, who.tokenID, now)
			if e != nil {
				return errorResponse(e, c.requestID)
			}
			return resp
		})
	})
}

// mintShort issues a short-term token for an active long-term parent. The token never
// outlives the parent: not its expiry, nor the end of its rotation grace period.
// Callers hold s.mu.
func (s *Server) mintShort(c *call, req *shortRequest, parentID string, now time.Time) (*response, *apiError) {
	parent, e := s.activeToken(parentID, now)
	if e != nil {
		return nil, e
	}
	scopes := slices.Clone(parent.Scopes)
	if req.scopesSet {
		for _, sc := range req.scopes {
			if !slices.Contains(parent.Scopes, sc) {
				return nil, forbidden("scope %s exceeds the scopes of the long-term token", sc)
			}
		}
		scopes = slices.Clone(req.scopes)
	}
	if scopes == nil {
		scopes = []string{}
	}
	issued := now.Truncate(time.Second)
	expires := minTime(issued.Add(time.Duration(req.ttlSeconds)*time.Second), parent.ExpiresAt)
	if parent.RevokedAt != nil {
		expires = minTime(expires, *parent.RevokedAt)
	}
	t := &token{TokenFacts: TokenFacts{
		ID:            newID(KindShort),
		Kind:          KindShort,
		ClientID:      parent.ClientID,
		Scopes:        scopes,
		Audience:      req.audience,
		IssuedAt:      issued,
		ExpiresAt:     expires,
		ParentTokenID: parent.ID,
	}}
	jwt, err := s.signShort(t)
	if err != nil {
		return nil, newError(http.StatusInternalServerError, codeServerError, "cannot sign the token")
	}
	s.tokens[t.ID] = t
	s.children[parent.ID] = append(s.children[parent.ID], t.ID)
	c.issuedID = t.ID
	s.changed()
	return jsonResponse(http.StatusCreated, shortResponse{
		TokenID:       t.ID,
		Token:         jwt,
		TokenType:     "Bearer",
		ExpiresIn:     int(expires.Sub(issued) / time.Second),
		ExpiresAt:     expires,
		Scopes:        scopes,
		ParentTokenID: parent.ID,
	}), nil
}
