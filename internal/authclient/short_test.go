package authclient_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

func TestIssueShortTermToken_Request(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   authclient.IssueShortTermTokenInput
		body string
	}{
		{"defaults", authclient.IssueShortTermTokenInput{}, `{}`},
		{"empty scopes omitted", authclient.IssueShortTermTokenInput{Scopes: []string{}}, `{}`},
		{"no scopes sent as an empty list", authclient.IssueShortTermTokenInput{NoScopes: true, TTLSeconds: 60}, `{"scopes":[],"ttl_seconds":60}`},
		{
			"all set",
			authclient.IssueShortTermTokenInput{Scopes: []string{"tokens:read"}, TTLSeconds: 300, Audience: "svc", IdempotencyKey: "k"},
			`{"scopes":["tokens:read"],"ttl_seconds":300,"audience":"svc"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, issueAnswers)
			in := tt.in
			in.LongTermToken = longSecret
			tok, err := api.client().IssueShortTermToken(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			r := api.requests()[0]
			if r.Method != http.MethodPost || r.Path != "/v1/auth/tokens/short" {
				t.Errorf("request line = %s %s", r.Method, r.Path)
			}
			checkCommonHeaders(t, r, true)
			if r.Header.Get("Authorization") != "Bearer "+longSecret {
				t.Error("Authorization is not the long-term token")
			}
			if _, present := r.Header["X-Client-Id"]; present {
				t.Error("X-Client-Id sent")
			}
			if string(r.Body) != tt.body {
				t.Errorf("body = %s, want %s", r.Body, tt.body)
			}
			if tt.in.IdempotencyKey != "" && r.Header.Get("Idempotency-Key") != tt.in.IdempotencyKey {
				t.Errorf("Idempotency-Key = %q", r.Header.Get("Idempotency-Key"))
			}
			if tok.TokenID != shortID || tok.Token != shortSecret || tok.TokenType != "Bearer" || tok.ExpiresIn != 900 ||
				!tok.ExpiresAt.Equal(time.Date(2030, 1, 1, 0, 15, 0, 0, time.UTC)) ||
				!slices.Equal(tok.Scopes, []string{"tokens:read"}) || tok.ParentTokenID != longID {
				t.Errorf("token = %+v", tok)
			}
		})
	}
}

func TestIssueShortTermToken_RequiresLongTermToken(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, issueAnswers)
	if _, err := api.client().IssueShortTermToken(context.Background(), authclient.IssueShortTermTokenInput{}); err == nil {
		t.Fatal("no error without a long-term token")
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestIssueShortTermToken_NoScopesExcludesScopes(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, issueAnswers)
	in := authclient.IssueShortTermTokenInput{LongTermToken: longSecret, NoScopes: true, Scopes: []string{"tokens:read"}}
	if _, err := api.client().IssueShortTermToken(context.Background(), in); err == nil {
		t.Fatal("no error with both NoScopes and Scopes")
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}
