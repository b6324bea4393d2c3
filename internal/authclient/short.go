package authclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

const (
	opIssueShort = "issueShortTermToken"
	pathShort    = "/auth/tokens/short"
)

// shortTokenRequest is the ShortTokenRequest schema; with nothing set it marshals to {}.
// Scopes is a pointer so that no scopes (`[]`) differ from omitted ones (all of them).
type shortTokenRequest struct {
	Scopes     *[]string `json:"scopes,omitempty"`
	TTLSeconds int       `json:"ttl_seconds,omitempty"`
	Audience   string    `json:"audience,omitempty"`
}

// IssueShortTermToken exchanges a long-term token for a short-term JWT. Retries reuse the
// call's Idempotency-Key, so a retried exchange never mints a second token.
func (c *Client) IssueShortTermToken(ctx context.Context, in IssueShortTermTokenInput) (*ShortTermToken, error) {
	cl, err := c.shortCall(in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opIssueShort, err)
	}
	return issue(ctx, c, cl, decodeShortTermToken)
}

func (t *ShortTermToken) issued() (secret, message string, fields map[string]any) {
	return t.Token, "Issued short-term token", map[string]any{
		"token_id": t.TokenID, "parent_token_id": t.ParentTokenID, "expires_at": t.ExpiresAt.Format(time.RFC3339),
	}
}

func (c *Client) shortCall(in IssueShortTermTokenInput) (*call, error) {
	if in.LongTermToken == "" || !validHeaderValue(in.LongTermToken) {
		return nil, errors.New("LongTermToken is required and must not contain control characters")
	}
	cl := c.newCall(opIssueShort, pathShort, http.StatusCreated)
	key, err := idempotencyKey(in.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	cl.idempotencyKey = key
	cl.header.Set("Authorization", "Bearer "+in.LongTermToken)
	cl.secrets = []string{in.LongTermToken}
	var scopes *[]string
	switch {
	case in.NoScopes && len(in.Scopes) > 0:
		return nil, errors.New("NoScopes and Scopes are exclusive")
	case in.NoScopes:
		scopes = &[]string{}
	case len(in.Scopes) > 0:
		scopes = &in.Scopes
	}
	cl.body, err = json.Marshal(shortTokenRequest{Scopes: scopes, TTLSeconds: in.TTLSeconds, Audience: in.Audience})
	if err != nil {
		return nil, err
	}
	return cl, nil
}
