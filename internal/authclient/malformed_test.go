package authclient_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

// Every malformed answer is a clear error naming the operation, status and request id and
// what was wrong, never a panic, and never quoting the body (which holds the secret).
func TestMalformedAnswers(t *testing.T) {
	t.Parallel()
	const secret = "SECRETtokenVALUE123"
	long := func(field, value string) string { return withField(longResponseBody, field, value) }
	short := func(field, value string) string { return withField(shortResponseBody, field, value) }
	html := "<html><body>" + secret + "</body></html>"
	huge := `{"token_id":"` + longID + `","token":"` + secret + strings.Repeat("x", 1<<20) + `"}`

	tests := []struct {
		name        string
		op          string // long, short or revoke
		status      int
		contentType string
		body        string
		want        string
		apiError    bool
	}{
		{"HTML with 200", "long", 200, "text/html", html, "unexpected status (want 201)", false},
		{"HTML with 201", "long", 201, "text/html", html, `not valid JSON (syntax error at byte 1) (Content-Type "text/html")`, false},
		{"HTML with 502", "long", 502, "text/html", html, `not a JSON Error object (Content-Type "text/html"`, true},
		{"empty body", "long", 201, "application/json", "", "empty body", false},
		{"whitespace body", "short", 201, "application/json", " \n", "empty body", false},
		{"truncated JSON", "long", 201, "application/json", longResponseBody[:len(longResponseBody)/2], "not valid JSON", false},
		{"trailing garbage", "long", 201, "application/json", longResponseBody + "x" + secret, "not valid JSON", false},
		{"JSON null", "long", 201, "application/json", "null", "JSON null", false},
		{"JSON array", "short", 201, "application/json", `["` + secret + `"]`, "JSON array, not an object", false},
		{"JSON string", "short", 201, "application/json", `"` + secret + `"`, "JSON string, not an object", false},
		{"missing token_id", "long", 201, "application/json", long("token_id", ""), `"token_id" is missing or null`, false},
		{"missing scopes", "short", 201, "application/json", short("scopes", ""), `"scopes" is missing or null`, false},
		{"null token", "long", 201, "application/json", long("token", "null"), `"token" is missing or null`, false},
		{"null parent", "short", 201, "application/json", short("parent_token_id", "null"), `"parent_token_id" is missing or null`, false},
		{"empty token", "long", 201, "application/json", long("token", `""`), `"token" is empty`, false},
		{"token_id number", "long", 201, "application/json", long("token_id", "12345"), `"token_id" has the wrong type: JSON number, want string`, false},
		{"token object", "long", 201, "application/json", long("token", `{"v":"`+secret+`"}`), `"token" has the wrong type: JSON object, want string`, false},
		{"scopes string", "long", 201, "application/json", long("scopes", `"`+secret+`"`), `"scopes" has the wrong type: JSON string, want array`, false},
		{"scope number", "short", 201, "application/json", short("scopes", "[1]"), `"scopes" has the wrong type: JSON number, want string`, false},
		{"expires_in string", "short", 201, "application/json", short("expires_in", `"900"`), `"expires_in" has the wrong type: JSON string, want integer`, false},
		{"expires_in fraction", "short", 201, "application/json", short("expires_in", "9.5"), `"expires_in" has the wrong type: JSON number, want integer`, false},
		{"expires_in negative", "short", 201, "application/json", short("expires_in", "-1"), `"expires_in" is negative`, false},
		{"bad timestamp", "long", 201, "application/json", long("issued_at", `"yesterday"`), `"issued_at" is not an RFC 3339 date-time`, false},
		{"date only", "short", 201, "application/json", short("expires_at", `"2030-01-01"`), `"expires_at" is not an RFC 3339 date-time`, false},
		{"bad previous expiry", "long", 201, "application/json", long("previous_token_expires_at", `"soon"`), `"previous_token_expires_at" is not an RFC 3339`, false},
		{"token_type mac", "long", 201, "application/json", long("token_type", `"MAC"`), `"token_type" is not "Bearer"`, false},
		{"short id on long", "long", 201, "application/json", long("token_id", `"`+shortID+`"`), `"token_id" does not match`, false},
		{"bad rotated_from", "long", 201, "application/json", long("rotated_from", `"x/../y"`), `"rotated_from" does not match`, false},
		{"bad scope", "short", 201, "application/json", short("scopes", `["Tokens Write"]`), `"scopes" item 0 is not a valid scope`, false},
		{"body over 1 MiB", "long", 201, "application/json", huge, "exceeds 1 MiB", false},
		{"error body over 1 MiB", "short", 400, "application/json", huge, "exceeds 1 MiB", true},
		{"302 redirect", "short", 302, "text/html", html, "unexpected status (want 201)", false},
		{"204 on issue", "long", 204, "", "", "unexpected status (want 201)", false},
		{"200 on revoke", "revoke", 200, "application/json", `{"token":"` + secret + `"}`, "unexpected status (want 204)", false},
		{"201 on revoke", "revoke", 201, "application/json", longResponseBody, "unexpected status (want 204)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				if tt.status == http.StatusFound {
					w.Header().Set("Location", "https://elsewhere.example/")
				}
				reply(w, tt.status, tt.body, "Content-Type", tt.contentType)
			})
			c := api.client()
			var err error
			op := map[string]string{"long": "issueLongTermToken", "short": "issueShortTermToken", "revoke": "revokeToken"}[tt.op]
			switch tt.op {
			case "long":
				_, err = c.IssueLongTermToken(context.Background(), longInput(authclient.StepUp{ClientSecret: clientSecret}))
			case "short":
				_, err = c.IssueShortTermToken(context.Background(), authclient.IssueShortTermTokenInput{LongTermToken: longSecret})
			case "revoke":
				err = c.RevokeToken(context.Background(), longID, longSecret)
			}
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, want := range []string{op + ":", "HTTP " + itoa(tt.status), "request id " + serverRequestID, tt.want} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
			for _, leak := range []string{secret, longSecret, shortSecret, "<html"} {
				if strings.Contains(msg, leak) {
					t.Errorf("error %q quotes the body", msg)
				}
			}
			var apiErr *authclient.APIError
			if errors.As(err, &apiErr) != tt.apiError {
				t.Errorf("*APIError = %v, want %v", apiErr != nil, tt.apiError)
			}
			// Whatever is not an error answer is an answer that breaks the contract.
			if errors.Is(err, authclient.ErrInvalidResponse) == tt.apiError {
				t.Errorf("errors.Is(err, ErrInvalidResponse) = %v, want %v", !tt.apiError, !tt.apiError)
			}
		})
	}
}

// withField returns body with field set to the raw JSON value, or removed when value is "".
func withField(body, field, value string) string {
	m := map[string]any{}
	mustUnmarshal(body, &m)
	if value == "" {
		delete(m, field)
	} else {
		m[field] = rawJSON(value)
	}
	return mustMarshal(m)
}
