package authclient_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

func TestRevokeToken_Request(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, issueAnswers)
	if err := api.client().RevokeToken(context.Background(), shortID, longSecret); err != nil {
		t.Fatal(err)
	}
	r := api.requests()[0]
	if r.Method != http.MethodPost || r.Path != "/v1/auth/tokens/"+shortID+"/revoke" {
		t.Errorf("request line = %s %s", r.Method, r.Path)
	}
	checkCommonHeaders(t, r, false)
	if r.Header.Get("Authorization") != "Bearer "+longSecret {
		t.Error("Authorization is not the bearer token")
	}
	if len(r.Body) != 0 || r.Header.Get("Content-Type") != "" {
		t.Errorf("revoke sent a body (%d bytes, Content-Type %q)", len(r.Body), r.Header.Get("Content-Type"))
	}
}

func TestRevokeToken_RejectsBadTokenID(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, issueAnswers)
	c := api.client()
	for _, id := range []string{"", "lt_short", "xx_ABCDEFGHIJKLMNOP", "lt_ABCDEFGHIJKLMNOP/../../long", "lt_ABCDEFGHIJKLMNOP?x=1", "lt_ABCDEFGHIJKLMNOP%2F", "../lt_ABCDEFGHIJKLMNOP"} {
		if err := c.RevokeToken(context.Background(), id, longSecret); err == nil {
			t.Errorf("RevokeToken(%q) succeeded", id)
		}
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestRevokeToken_NotFound(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		reply(w, http.StatusNotFound, errorBody("not_found", "no such token"))
	})
	err := api.client().RevokeToken(context.Background(), longID, longSecret)
	if !errors.Is(err, authclient.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if n := len(api.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}
