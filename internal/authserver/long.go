package authserver

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

const (
	grantClientCredentials = "client_credentials"
	grantAssertion         = "assertion"
	grantTokenExchange     = "token_exchange"

	defaultTTLDays  = 90
	scopeWrite      = "tokens:write"
	scopeRevoke     = "tokens:revoke"
	maxGraceSeconds = 604800
)

// longRequest is a validated LongTokenRequest plus the canonical hash of its body.
type longRequest struct {
	grantType, clientID              string
	clientSecret, otpCode, assertion string
	name                             string
	scopes                           []string
	scopesSet                        bool
	ttlDays                          int
	rotateID                         string
	graceSeconds                     int
	hash                             [32]byte
}

// parseLongRequest applies the LongTokenRequest schema strictly.
func parseLongRequest(body []byte) (*longRequest, *apiError) {
	if body == nil {
		return nil, badRequest("a JSON request body is required")
	}
	o, e := parseObject(body, "grant_type", "client_id", "client_secret", "otp_code", "assertion",
		"name", "scopes", "ttl_days", "rotate_token_id", "grace_period_seconds")
	if e != nil {
		return nil, e
	}
	req := &longRequest{hash: o.hash(), ttlDays: defaultTTLDays}
	var ok bool
	if req.grantType, ok, e = o.str("grant_type", 1, 64, nil); e != nil {
		return nil, e
	} else if !ok {
		return nil, badRequest("field %q is required", "grant_type")
	}
	switch req.grantType {
	case grantClientCredentials, grantAssertion, grantTokenExchange:
	default:
		return nil, badRequest("field %q must be one of client_credentials, assertion, token_exchange", "grant_type")
	}
	if req.clientID, ok, e = o.str("client_id", 1, 128, nil); e != nil {
		return nil, e
	} else if !ok {
		return nil, badRequest("field %q is required", "client_id")
	}
	if req.clientSecret, _, e = o.str("client_secret", 1, 512, nil); e != nil {
		return nil, e
	}
	if req.otpCode, _, e = o.str("otp_code", 6, 8, otpPattern); e != nil {
		return nil, e
	}
	if req.assertion, _, e = o.str("assertion", 1, 8192, nil); e != nil {
		return nil, e
	}
	if req.name, _, e = o.str("name", 1, 128, nil); e != nil {
		return nil, e
	}
	if req.scopes, req.scopesSet, e = o.scopes("scopes"); e != nil {
		return nil, e
	}
	if n, set, e := o.integer("ttl_days", 1, 365); e != nil {
		return nil, e
	} else if set {
		req.ttlDays = n
	}
	if req.rotateID, _, e = o.str("rotate_token_id", 1, 67, longIDPattern); e != nil {
		return nil, e
	}
	var graceSet bool
	if req.graceSeconds, graceSet, e = o.integer("grace_period_seconds", 0, maxGraceSeconds); e != nil {
		return nil, e
	}
	if graceSet && req.rotateID == "" {
		return nil, badRequest("field %q is only meaningful with rotate_token_id", "grace_period_seconds")
	}
	return req, nil
}

// mechanism picks the one step-up mechanism of a request and checks that grant_type
// goes with it.
func (req *longRequest) mechanism(bearerSent bool) (string, *apiError) {
	var mechs []string
	if req.clientSecret != "" {
		mechs = append(mechs, mechSecret)
	}
	if req.otpCode != "" {
		mechs = append(mechs, mechOTP)
	}
	if req.assertion != "" {
		mechs = append(mechs, mechAssert)
	}
	if bearerSent {
		mechs = append(mechs, "Authorization header")
	}
	switch len(mechs) {
	case 0:
		return "", badRequest("exactly one step-up mechanism is required: client_secret, otp_code, assertion, " +
			"or Authorization: Bearer <short-term token> with grant_type token_exchange")
	case 1:
	default:
		return "", badRequest("exactly one step-up mechanism is allowed, got %s", strings.Join(mechs, " and "))
	}
	mech := mechs[0]
	if bearerSent {
		mech = mechExchange
	}
	want := grantOf[mech]
	if req.grantType != want {
		return "", badRequest("grant_type %s does not go with %s (use %s)", req.grantType, mech, want)
	}
	return mech, nil
}

// longResponse is the contract's LongTokenResponse.
type longResponse struct {
	TokenID                string     `json:"token_id"`
	Token                  string     `json:"token"`
	TokenType              string     `json:"token_type"`
	ClientID               string     `json:"client_id"`
	Name                   string     `json:"name,omitempty"`
	Scopes                 []string   `json:"scopes"`
	IssuedAt               time.Time  `json:"issued_at"`
	ExpiresAt              time.Time  `json:"expires_at"`
	RotatedFrom            string     `json:"rotated_from,omitempty"`
	PreviousTokenExpiresAt *time.Time `json:"previous_token_expires_at,omitempty"`
}

// issueLong handles POST /v1/auth/tokens/long.
func (s *Server) issueLong(c *call) *response {
	body, e := readBody(c.r)
	if e != nil {
		return c.early(e)
	}
	req, e := parseLongRequest(body)
	if e != nil {
		return c.early(e)
	}
	c.clientID = req.clientID
	key, e := idempotencyKey(c.r)
	if e != nil {
		return c.early(e)
	}
	cred, bearerSent := bearer(c.r)
	mech, e := req.mechanism(bearerSent)
	if e != nil {
		return c.early(e)
	}

	// The X-Client-Id header (the ClientKey scheme) must agree with the body. Missing
	// it is a missing credential (401); disagreeing is a contradictory request (400).
	headerID := c.r.Header.Get("X-Client-Id")
	if headerID != "" && headerID != req.clientID {
		return c.early(badRequest("X-Client-Id header and body client_id differ"))
	}
	var (
		identity string
		exchange caller
		rateKey  = req.clientID
	)
	if mech == mechExchange {
		who, ok := s.identify(cred)
		if !ok || who.kind != KindShort {
			return c.early(unauthorized(codeInvalidToken, "token_exchange needs a valid short-term token as Bearer"))
		}
		exchange, identity, rateKey = who, "token:"+who.tokenID, who.clientID
		c.callerTokenID = who.tokenID
	} else {
		if headerID == "" {
			return c.early(unauthorized(codeInvalidClient, "X-Client-Id header required"))
		}
		identity = "client:" + req.clientID
	}
	if e := s.rateLimit(c, rateKey); e != nil {
		return c.early(e)
	}
	audience := requestBase(c.r) + pathLong
	return s.idempotent(c, key, identity, req.hash, func() *response {
		return s.locked(func(now time.Time) *response {
			resp, e := s.mintLong(c, req, mech, exchange.tokenID, audience, now)
			if e != nil {
				return errorResponse(e, c.requestID)
			}
			return resp
		})
	})
}

// mintLong authenticates the step-up, checks scopes and rotation, and mints the token.
// A one-time code or jti is consumed only when a token is minted. Callers hold s.mu.
func (s *Server) mintLong(c *call, req *longRequest, mech, exchangeID, audience string, now time.Time) (*response, *apiError) {
	cl := s.clients[req.clientID]
	var (
		jtiKey   string
		jtiUntil time.Time
		limit    []string // with token_exchange, the short-term token's scopes
	)
	switch mech {
	case mechSecret:
		if cl == nil || !cl.secretMatches(req.clientSecret) {
			return nil, unauthorized(codeInvalidClient, "unknown client or wrong client secret")
		}
	case mechOTP:
		if cl == nil {
			return nil, unauthorized(codeInvalidClient, "unknown client")
		}
		if !cl.hasOTP(req.otpCode) {
			return nil, unauthorized(codeInvalidGrant, "one-time code is wrong or already used")
		}
	case mechAssert:
		if cl == nil {
			return nil, unauthorized(codeInvalidClient, "unknown client")
		}
		var e *apiError
		if jtiKey, jtiUntil, e = s.verifyAssertion(cl, req.assertion, audience, now); e != nil {
			return nil, e
		}
	case mechExchange:
		st, e := s.activeToken(exchangeID, now)
		if e != nil {
			return nil, e
		}
		if st.ClientID != req.clientID || cl == nil {
			return nil, unauthorized(codeInvalidGrant, "the short-term token's subject is not client_id")
		}
		if !hasScope(st.Scopes, scopeWrite) {
			return nil, forbidden("token_exchange needs a short-term token with scope %s", scopeWrite)
		}
		limit = st.Scopes
	}

	scopes, e := grantScopes(cl, req, mech == mechExchange, limit)
	if e != nil {
		return nil, e
	}

	var old *token
	if req.rotateID != "" {
		old = s.tokens[req.rotateID]
		if old == nil || old.Kind != KindLong || old.ClientID != cl.id {
			return nil, notFound("no long-term token %s for this client", req.rotateID)
		}
		if old.RotatedTo != "" {
			return nil, newError(http.StatusConflict, codeInvalidRequest, "token %s was already rotated", old.ID)
		}
		if old.RevokedAt != nil {
			return nil, newError(http.StatusConflict, codeInvalidRequest, "token %s is revoked", old.ID)
		}
	}

	issued := now.Truncate(time.Second)
	secret := newLongSecret()
	t := &token{
		TokenFacts: TokenFacts{
			ID:        newID(KindLong),
			Kind:      KindLong,
			ClientID:  cl.id,
			Name:      req.name,
			Scopes:    scopes,
			IssuedAt:  issued,
			ExpiresAt: issued.Add(time.Duration(req.ttlDays) * 24 * time.Hour),
			Mechanism: mech,
		},
		SecretHash: hashSecret(secret),
	}
	s.tokens[t.ID] = t
	s.bySecret[t.SecretHash] = t.ID
	c.issuedID = t.ID

	resp := longResponse{
		TokenID:   t.ID,
		Token:     secret,
		TokenType: "Bearer",
		ClientID:  t.ClientID,
		Name:      t.Name,
		Scopes:    t.Scopes,
		IssuedAt:  t.IssuedAt,
		ExpiresAt: t.ExpiresAt,
	}
	if old != nil {
		end := s.rotate(old, t, req.graceSeconds, now)
		resp.RotatedFrom = old.ID
		resp.PreviousTokenExpiresAt = &end
	}
	switch mech {
	case mechOTP:
		cl.spendOTP(req.otpCode)
	case mechAssert:
		s.pruneJTIs(now)
		s.usedJTIs[jtiKey] = jtiUntil
	}
	s.changed()
	return jsonResponse(http.StatusCreated, resp), nil
}

// grantScopes decides the scopes of a new long-term token: the requested ones if they
// are allowed (and, with token_exchange, held by the short-term token), else the
// client's defaults (cut down to the short-term token's scopes).
func grantScopes(cl *client, req *longRequest, exchange bool, limit []string) ([]string, *apiError) {
	if !req.scopesSet {
		if !exchange {
			return slices.Clone(cl.defaultScopes), nil
		}
		out := []string{}
		for _, sc := range cl.defaultScopes {
			if slices.Contains(limit, sc) {
				out = append(out, sc)
			}
		}
		return out, nil
	}
	for _, sc := range req.scopes {
		if !slices.Contains(cl.allowedScopes, sc) {
			return nil, forbidden("scope %s is not allowed for client %s", sc, cl.id)
		}
		if exchange && !slices.Contains(limit, sc) {
			return nil, forbidden("scope %s exceeds the scopes of the short-term token", sc)
		}
	}
	return slices.Clone(req.scopes), nil
}

// rotate makes next the replacement of old. old keeps working for graceSeconds but
// never beyond its own expiry; with no grace it is revoked at once, with the cascade
// of a revocation. It returns when old stops (or stopped) working. Callers hold s.mu.
func (s *Server) rotate(old, next *token, graceSeconds int, now time.Time) time.Time {
	next.RotatedFrom = old.ID
	old.RotatedTo = next.ID
	if !now.Before(old.ExpiresAt) {
		return old.ExpiresAt // expired already: nothing to end
	}
	if graceSeconds == 0 {
		s.revokeAt(old, now)
		return *old.RevokedAt
	}
	end := minTime(now.Truncate(time.Second).Add(time.Duration(graceSeconds)*time.Second), old.ExpiresAt)
	old.RevokedAt = &end
	return end
}

// requestBase is the scheme and host the request was sent to, e.g.
// http://127.0.0.1:8080: assertions name this server's own URL as audience.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
