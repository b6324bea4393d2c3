package authclient_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

func TestAPIError_ErrorsIs(t *testing.T) {
	t.Parallel()
	sentinels := []error{authclient.ErrNotFound, authclient.ErrUnauthorized, authclient.ErrForbidden, authclient.ErrRateLimited, authclient.ErrConflict, authclient.ErrUnprocessable}
	for _, tt := range []struct {
		status int
		want   error
	}{
		{404, authclient.ErrNotFound},
		{401, authclient.ErrUnauthorized},
		{403, authclient.ErrForbidden},
		{429, authclient.ErrRateLimited},
		{409, authclient.ErrConflict},
		{422, authclient.ErrUnprocessable},
		{400, nil},
		{500, nil},
	} {
		api := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			reply(w, tt.status, errorBody("invalid_request", "no"))
		})
		err := api.client(func(cfg *authclient.Config) { cfg.MaxRetries = 0 }).RevokeToken(context.Background(), longID, longSecret)
		for _, s := range sentinels {
			if got := errors.Is(err, s); got != (s == tt.want) {
				t.Errorf("HTTP %d: errors.Is(err, %v) = %v", tt.status, s, got)
			}
		}
	}
}

func TestAPIError_Message(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		reply(w, http.StatusUnauthorized, `{"error":"invalid_client","message":"client secret does not match","request_id":"req_123"}`,
			"X-Request-Id", "req_from_header")
	})
	_, err := api.client().IssueLongTermToken(context.Background(), longInput(authclient.StepUp{ClientSecret: clientSecret}))
	var apiErr *authclient.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want *APIError", err)
	}
	want := authclient.APIError{Operation: "issueLongTermToken", StatusCode: 401, Code: "invalid_client",
		Message: "client secret does not match", RequestID: "req_123"}
	if *apiErr != want {
		t.Errorf("APIError = %+v, want %+v", *apiErr, want)
	}
	if got := err.Error(); got != "issueLongTermToken: HTTP 401 invalid_client: client secret does not match (request id req_123)" {
		t.Errorf("Error() = %q", got)
	}
}

// An error answer that is not an Error object is still an *APIError, described by its
// content type; the request id falls back to the header.
func TestAPIError_NotAnErrorObject(t *testing.T) {
	t.Parallel()
	for name, tt := range map[string]struct {
		contentType, body, want string
	}{
		"html":        {"text/html; charset=utf-8", "<html><body>Bad Gateway SECRETPAGE</body></html>", `not a JSON Error object (Content-Type "text/html"`},
		"empty":       {"application/json", "", "empty response body"},
		"wrong shape": {"application/json", `{"error":42,"message":"SECRETPAGE"}`, "not a JSON Error object"},
		"bad code":    {"application/json", `{"error":"SECRETPAGE with spaces","message":"m"}`, "not a JSON Error object"},
	} {
		t.Run(name, func(t *testing.T) {
			api := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				reply(w, http.StatusForbidden, tt.body, "Content-Type", tt.contentType)
			})
			err := api.client().RevokeToken(context.Background(), longID, longSecret)
			var apiErr *authclient.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || apiErr.Code != "" || apiErr.RequestID != serverRequestID {
				t.Fatalf("err = %#v", err)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "SECRETPAGE") {
				t.Errorf("Error() = %q", err)
			}
			if !errors.Is(err, authclient.ErrForbidden) {
				t.Error("not ErrForbidden")
			}
		})
	}
}

// The secrets of a call never reach its error, even when a faulty server echoes them.
func TestSecretsNeverInErrors(t *testing.T) {
	t.Parallel()
	type secretCall struct {
		secret string // "" means: the assertion the client signs
		call   func(context.Context, *authclient.Client) error
	}
	issue := func(step authclient.StepUp) func(context.Context, *authclient.Client) error {
		return func(ctx context.Context, c *authclient.Client) error {
			_, err := c.IssueLongTermToken(ctx, longInput(step))
			return err
		}
	}
	calls := map[string]secretCall{
		"client secret": {clientSecret, issue(authclient.StepUp{ClientSecret: clientSecret})},
		"otp code":      {otpCode, issue(authclient.StepUp{OTPCode: otpCode})},
		"assertion":     {preAssertion, issue(authclient.StepUp{Assertion: preAssertion})},
		"private key":   {"", issue(authclient.StepUp{PrivateKey: ecKey()})},
		"access token":  {accessToken, issue(authclient.StepUp{AccessToken: accessToken})},
		"short-term exchange": {longSecret, func(ctx context.Context, c *authclient.Client) error {
			_, err := c.IssueShortTermToken(ctx, authclient.IssueShortTermTokenInput{LongTermToken: longSecret})
			return err
		}},
		"revoke": {longSecret, func(ctx context.Context, c *authclient.Client) error {
			return c.RevokeToken(ctx, shortID, longSecret)
		}},
	}
	servers := map[string]func(w http.ResponseWriter, r *http.Request, n int){
		"401 echoing nothing": func(w http.ResponseWriter, _ *http.Request, _ int) {
			reply(w, http.StatusUnauthorized, errorBody("invalid_client", "authentication failed"))
		},
		"401 echoing the request": func(w http.ResponseWriter, r *http.Request, _ int) {
			reply(w, http.StatusUnauthorized, errorBody("invalid_client", "got "+r.Header.Get("Authorization")+" "+string(readBody(r))))
		},
		"503 until the retries are spent": func(w http.ResponseWriter, r *http.Request, _ int) {
			reply(w, http.StatusServiceUnavailable, errorBody("unavailable", string(readBody(r))))
		},
	}
	for callName, sc := range calls {
		for serverName, respond := range servers {
			t.Run(callName+"/"+serverName, func(t *testing.T) {
				api := newFakeAPI(t, respond)
				err := sc.call(context.Background(), api.client())
				if err == nil {
					t.Fatal("no error")
				}
				secret := sc.secret
				if secret == "" {
					assertion, ok := bodyFields(t, api.requests()[0].Body)["assertion"].(string)
					if !ok || assertion == "" {
						t.Fatal("the request carries no assertion")
					}
					secret = assertion
				}
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error contains the secret: %v", err)
				}
			})
		}
	}
}
