package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

// How the provider steps up to issue or rotate a long-term token, in order of precedence:
// a configured step-up mechanism; else its long_term_token, exchanged just in time for a
// short-term token (token_exchange); else, for a rotation only, the rotated token itself
// (self-rotation, in long_term_token_rotation.go).

const (
	// exchangeTTLSeconds is the life of a short-term token exchanged for the provider's
	// long_term_token: short, since only this process uses it, and renewed as needed.
	exchangeTTLSeconds = 300
	// exchangeReuseMargin is the life a short-term token must have left to be reused: more
	// than an issuance with its retries takes.
	exchangeReuseMargin = 60 * time.Second
	// accessTokenExpiryMargin is how close to its expiry a configured access_token is
	// refused before it is sent.
	accessTokenExpiryMargin = 10 * time.Second
)

// longTermTokenStepUp names the just-in-time exchange in messages and logs; it is not one
// of authclient.Mechanisms, which are sent as configured.
var longTermTokenStepUp = &authclient.Mechanism{
	Name:  "long_term_token",
	Grant: grantTokenExchange,
	InvalidGrantHint: "The short-term token exchanged for the provider's long_term_token was refused: " +
		"check that long_term_token belongs to client_id and holds scope tokens:write.",
}

// issuance is the credential one operation issues with.
type issuance struct {
	// stepUp names the credential in messages and INFO logs (never a value).
	stepUp *authclient.Mechanism
	send   func(ctx context.Context, in authclient.IssueLongTermTokenInput) (*authclient.LongTermToken, error)
}

// issuance returns the provider's credential for issuing: its mechanism, else its
// long_term_token exchanged just in time. It returns nil when there is neither, or when the
// long_term_token lacks tokens:write; then a rotation falls back to self-rotation and an
// issuance fails with requireStepUp.
func (d *providerData) issuance(ctx context.Context, client *authclient.Client) (*issuance, diag.Diagnostics) {
	var diags diag.Diagnostics
	if m := d.stepUp.Mechanism(); m != nil {
		if d.accessTokenExpiring() {
			diags.AddError("The provider's access_token has expired",
				fmt.Sprintf("The access_token expires at %s, within %s of now (%s), so the Auth API would refuse it. "+
					"A short-term token lives minutes, and a long apply outlives it: configure the provider's long_term_token "+
					"(with scope tokens:write) instead of access_token, and the provider exchanges it just before it issues.",
					d.accessTokenExpiry.UTC().Format(time.RFC3339), accessTokenExpiryMargin, d.now().UTC().Format(time.RFC3339)))
			return nil, diags
		}
		return &issuance{stepUp: m, send: func(ctx context.Context, in authclient.IssueLongTermTokenInput) (*authclient.LongTermToken, error) {
			in.StepUp = d.stepUp
			if d.clientID != "" { // else the caller's: a rotation keeps the token's client
				in.ClientID = d.clientID
			}
			return client.IssueLongTermToken(ctx, in)
		}}, diags
	}
	if d.exchange == nil {
		return nil, diags
	}
	if _, _, err := d.exchange.acquire(ctx, client); err != nil {
		if errors.Is(err, errLacksTokensWrite) {
			return nil, diags
		}
		addAPIError(&diags, "Cannot exchange the provider's long_term_token for a short-term token", longTermTokenStepUp, err)
		return nil, diags
	}
	return &issuance{stepUp: longTermTokenStepUp, send: func(ctx context.Context, in authclient.IssueLongTermTokenInput) (*authclient.LongTermToken, error) {
		return d.exchange.issue(ctx, client, in)
	}}, diags
}

// accessTokenExpiring reports a configured access_token that expires within the margin.
func (d *providerData) accessTokenExpiring() bool {
	return d.stepUp.AccessToken != "" && !d.accessTokenExpiry.IsZero() &&
		!d.now().Add(accessTokenExpiryMargin).Before(d.accessTokenExpiry)
}

// errLacksTokensWrite: the provider's long_term_token cannot step up.
var errLacksTokensWrite = errors.New("the provider's long_term_token does not hold scope tokens:write")

// justInTimeExchange keeps the short-term token that the provider's long_term_token was
// exchanged for, renews it before it runs short, and leaves every token it exchanged to
// the provider's UnclosedTokens, which revokes them when Terraform stops the provider.
type justInTimeExchange struct {
	longTermToken string
	clientID      string // the configured client_id: the exchanged token's subject must match it
	now           func() time.Time
	unclosed      *UnclosedTokens

	mu      sync.Mutex // held during an exchange, so that concurrent issuances share one
	current *exchangedToken
	// lacksWrite is learnt from the first exchange: the token's scopes do not change.
	lacksWrite bool
}

type exchangedToken struct {
	tokenID, token, subject string
	expiresAt               time.Time
}

// acquire returns a short-term token with at least exchangeReuseMargin of life left,
// exchanging anew when needed; fresh says it was exchanged by this call.
func (x *justInTimeExchange) acquire(ctx context.Context, client *authclient.Client) (tok *exchangedToken, fresh bool, err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.lacksWrite {
		return nil, false, errLacksTokensWrite
	}
	if x.current != nil && x.current.expiresAt.Sub(x.now()) >= exchangeReuseMargin {
		return x.current, false, nil
	}
	short, err := client.IssueShortTermToken(ctx, authclient.IssueShortTermTokenInput{
		LongTermToken: x.longTermToken,
		TTLSeconds:    exchangeTTLSeconds, // all of the long-term token's scopes: an issuance may ask for any of them
	})
	if err != nil {
		return nil, false, err
	}
	ctx = maskSecrets(ctx, short.Token)
	minted := closeState{TokenID: short.TokenID, Token: short.Token}
	cleanupCtx, cancel := cleanupContext(ctx) // a token this call cannot use is revoked even after a stop
	defer cancel()
	if !x.unclosed.opened(short.TokenID, short.Token, client) {
		_ = revokeShortTerm(cleanupCtx, client, minted)
		return nil, false, errors.New("terraform stopped the provider: no new issuance starts")
	}
	subject, err := accessTokenSubject(short.Token)
	switch {
	case err != nil:
		err = fmt.Errorf("the exchanged short-term token is not a JWT: %w", err)
	case x.clientID != "" && subject != x.clientID:
		err = fmt.Errorf("the provider's long_term_token belongs to client %q, but client_id is %q; remove client_id, or use a token of that client", subject, x.clientID)
	case !slices.Contains(short.Scopes, scopeTokensWrite):
		x.lacksWrite = true
		err = errLacksTokensWrite
		tflog.Info(ctx, "the provider's long_term_token lacks tokens:write, so it cannot step up", map[string]any{"token_id": short.TokenID})
	}
	if err != nil {
		x.unclosed.closed(short.TokenID)
		if revokeErr := revokeShortTerm(cleanupCtx, client, minted); revokeErr != nil {
			tflog.Warn(ctx, "could not revoke a short-term token the provider cannot use", map[string]any{"token_id": short.TokenID, "error": revokeErr.Error()})
		}
		return nil, false, err
	}
	x.current = &exchangedToken{tokenID: short.TokenID, token: short.Token, subject: subject, expiresAt: short.ExpiresAt}
	tflog.Info(ctx, "exchanged the provider's long_term_token for a short-term token", map[string]any{
		"token_id": short.TokenID, "expires_at": short.ExpiresAt.UTC().Format(time.RFC3339),
	})
	return x.current, true, nil
}

// discard forgets tok when the server no longer accepts it; a newer token stays.
func (x *justInTimeExchange) discard(tok *exchangedToken) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.current == tok {
		x.current = nil
	}
}

// issue sends an issuance with a short-term token. The server's clock may run ahead of the
// provider's, so a reused token that the server refuses (401) is replaced once. The
// request was refused unprocessed, so resending it under the same Idempotency-Key is safe.
func (x *justInTimeExchange) issue(ctx context.Context, client *authclient.Client, in authclient.IssueLongTermTokenInput) (*authclient.LongTermToken, error) {
	for {
		tok, fresh, err := x.acquire(ctx, client)
		if err != nil {
			return nil, err
		}
		in.ClientID, in.StepUp = tok.subject, authclient.StepUp{AccessToken: tok.token}
		issued, err := client.IssueLongTermToken(ctx, in)
		if fresh || !errors.Is(err, authclient.ErrUnauthorized) {
			return issued, err
		}
		tflog.Info(ctx, "the Auth API refused a reused short-term token; exchanging again", map[string]any{"token_id": tok.tokenID})
		x.discard(tok)
	}
}

// requireIssuance is issuance for an operation that cannot do without a credential: it
// explains what to configure when there is none.
func (d *providerData) requireIssuance(ctx context.Context, client *authclient.Client, action string) (*issuance, diag.Diagnostics) {
	if len(d.unknown) > 0 || (d.stepUp.Mechanism() != nil && d.clientID == "") {
		return nil, d.requireStepUp(action)
	}
	iss, diags := d.issuance(ctx, client)
	if iss == nil && !diags.HasError() {
		diags.Append(d.requireStepUp(action)...)
	}
	return iss, diags
}
