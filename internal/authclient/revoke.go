package authclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

const opRevoke = "revokeToken"

// RevokeToken revokes the token tokenID, authenticating with bearer (a long- or short-term
// token of the same client). Revoking an already revoked or expired token succeeds; an
// unknown one is an *APIError matching ErrNotFound.
func (c *Client) RevokeToken(ctx context.Context, tokenID, bearer string) error {
	// The id goes into the path: refuse anything else before it can reach another route.
	if !anyTokenID.MatchString(tokenID) {
		return fmt.Errorf("%s: token id does not match %s", opRevoke, anyTokenID)
	}
	if bearer == "" || !validHeaderValue(bearer) {
		return fmt.Errorf("%s: bearer token is required and must not contain control characters", opRevoke)
	}
	cl := c.newCall(opRevoke, "/auth/tokens/"+url.PathEscape(tokenID)+"/revoke", http.StatusNoContent)
	cl.header.Set("Authorization", "Bearer "+bearer)
	cl.secrets = []string{bearer}
	_, err := c.send(logContext(ctx, bearer), cl)
	return err
}
