package provider

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

// UnclosedTokens remembers the short-term tokens that this provider process opened with
// revoke_on_close and that Terraform has not closed. Terraform skips closing an ephemeral
// resource when an apply fails downstream of it, which would leave the token valid until
// its ttl; main revokes what is left once Terraform stops the provider. The short-term
// tokens that the provider's long_term_token was exchanged for to step up (step_up.go) are
// remembered here too, until that stop. A nil *UnclosedTokens remembers nothing.
type UnclosedTokens struct {
	mu     sync.Mutex
	tokens map[string]unclosedToken // by token id
	// drained is set by RevokeAll: the process is stopping, and nothing records any more.
	drained bool
}

type unclosedToken struct {
	closeState
	client *authclient.Client
}

// NewUnclosedTokens returns an empty record.
func NewUnclosedTokens() *UnclosedTokens {
	return &UnclosedTokens{tokens: map[string]unclosedToken{}}
}

// opened records a token that Terraform is to close. It returns false once RevokeAll has
// run (Terraform stopped the provider while Open ran): then the caller revokes the token.
func (u *UnclosedTokens) opened(tokenID, secret string, client *authclient.Client) bool {
	if u == nil {
		return true
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.drained {
		return false
	}
	u.tokens[tokenID] = unclosedToken{closeState: closeState{TokenID: tokenID, Token: secret}, client: client}
	return true
}

// closed forgets a token that Terraform closed, whatever its revocation's outcome: the
// user saw that outcome already.
func (u *UnclosedTokens) closed(tokenID string) {
	if u == nil {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.tokens, tokenID)
}

// RevokeAll revokes every remembered token, all at once, within ctx, and forgets them; a
// token opened afterwards is revoked by its Open. It returns the ids it revoked (or that the server no longer knew) and one error per token it
// could not revoke; neither holds a secret.
func (u *UnclosedTokens) RevokeAll(ctx context.Context) (revoked []string, errs []error) {
	if u == nil {
		return nil, nil
	}
	u.mu.Lock()
	pending := u.tokens
	u.tokens, u.drained = map[string]unclosedToken{}, true
	u.mu.Unlock()

	var mu sync.Mutex
	var wg sync.WaitGroup
	for id, t := range pending {
		wg.Go(func() {
			err := revokeShortTerm(ctx, t.client, t.closeState)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("short-term token %s left open by Terraform: %w", id, err))
				return
			}
			revoked = append(revoked, id)
		})
	}
	wg.Wait()
	slices.Sort(revoked)
	return revoked, errs
}
