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
	opIssueLong = "issueLongTermToken"
	pathLong    = "/auth/tokens/long"
)

// longTokenRequest is the LongTokenRequest schema. Optional fields are omitted when unset so
// that the server applies its defaults; scopes are never sent as [] (nil means default).
type longTokenRequest struct {
	GrantType          string   `json:"grant_type"`
	ClientID           string   `json:"client_id"`
	ClientSecret       string   `json:"client_secret,omitempty"`
	OTPCode            string   `json:"otp_code,omitempty"`
	Assertion          string   `json:"assertion,omitempty"`
	Name               string   `json:"name,omitempty"`
	Scopes             []string `json:"scopes,omitempty"`
	TTLDays            int      `json:"ttl_days,omitempty"`
	RotateTokenID      string   `json:"rotate_token_id,omitempty"`
	GracePeriodSeconds *int     `json:"grace_period_seconds,omitempty"`
}

// IssueLongTermToken issues a long-term token, or rotates in.RotateTokenID, with exactly one
// step-up mechanism. A PrivateKey assertion is signed once per call, so every retry sends
// the same body under the same Idempotency-Key and the server replays instead of minting twice.
func (c *Client) IssueLongTermToken(ctx context.Context, in IssueLongTermTokenInput) (*LongTermToken, error) {
	cl, err := c.longCall(in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opIssueLong, err)
	}
	return issue(ctx, c, cl, decodeLongTermToken)
}

func (t *LongTermToken) issued() (secret, message string, fields map[string]any) {
	return t.Token, "Issued long-term token", map[string]any{
		"token_id": t.TokenID, "rotated_from": t.RotatedFrom, "expires_at": t.ExpiresAt.Format(time.RFC3339),
	}
}

func (c *Client) longCall(in IssueLongTermTokenInput) (*call, error) {
	if in.ClientID == "" || !validHeaderValue(in.ClientID) {
		return nil, errors.New("ClientID is required and must not contain control characters")
	}
	if n := in.StepUp.count(); n != 1 {
		return nil, fmt.Errorf("exactly one step-up mechanism must be set, got %d", n)
	}
	cl := c.newCall(opIssueLong, pathLong, http.StatusCreated)
	key, err := idempotencyKey(in.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	cl.idempotencyKey = key

	mechanism := in.StepUp.Mechanism()
	req := longTokenRequest{GrantType: mechanism.Grant, ClientID: in.ClientID, Name: in.Name, Scopes: in.Scopes, TTLDays: in.TTLDays}
	if in.RotateTokenID != "" {
		req.RotateTokenID = in.RotateTokenID
		req.GracePeriodSeconds = &in.GracePeriodSeconds
	}
	secret, err := mechanism.send(c, cl, &req, in)
	if err != nil {
		return nil, err
	}
	if mechanism.Grant != grantTokenExchange { // token_exchange names the client by its bearer token
		cl.header.Set("X-Client-Id", in.ClientID)
	}
	cl.secrets = []string{secret}
	if cl.body, err = json.Marshal(req); err != nil { //nolint:gosec // G117: the contract's request body carries the step-up secret; cl.secrets masks it in logs
		return nil, err
	}
	return cl, nil
}
