package authserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/example/terraform-provider-auth/internal/contracttest"
)

// longRequestSeeds cover every field of LongTokenRequest, each mechanism, and the usual
// ways a body goes wrong.
var longRequestSeeds = []string{
	`{"grant_type":"client_credentials","client_id":"app","client_secret":"app-secret-0123456789abcdef"}`,
	`{"grant_type":"client_credentials","client_id":"app","otp_code":"123456","name":"ci","scopes":["tokens:write","data:read"],"ttl_days":30}`,
	`{"grant_type":"assertion","client_id":"app","assertion":"eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJl","rotate_token_id":"lt_ABCDEFGHIJKLMNOP","grace_period_seconds":3600}`,
	`{"grant_type":"token_exchange","client_id":"app","scopes":[]}`,
	` { "client_id" : "app" , "grant_type" : "client_credentials" , "client_secret" : "x" } `,
	``, `null`, `[]`, `"x"`, `{}`, `{"grant_type":null}`, `{"client_secret":1}`, `{"ttl_days":1e3}`, `{"ttl_days":"30"}`,
	`{"ttl_days":30.5}`, `{"scopes":["data:read","data:read"]}`, `{"scopes":"data:read"}`, `{"unknown":1}`,
	`{"grant_type":"client_credentials","client_id":"app"} x`, `{"grant_type":"client_credentials","client_id":"app","otp_code":"12345a"}`,
	"{\"grant_type\":\"client_credentials\",\"client_id\":\"\xff\"}",
	`{"grant_type":"client_credentials","client_id":"app","client_secret":"s","grace_period_seconds":0}`,
	`{"grant_type":"client_credentials","client_id":"app","client_secret":"s","rotate_token_id":"st_ABCDEFGHIJKLMNOP"}`,
	`{"grant_type":"client_credentials","client_id":"app","client_secret":"s","client_secret":"t"}`,
}

// FuzzParseLongRequest: the LongTokenRequest parser never panics, accepts only what the
// schema allows, hashes bodies regardless of formatting (idempotency relies on it), and
// never words an error from a credential's value.
func FuzzParseLongRequest(f *testing.F) {
	for _, s := range longRequestSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, e := parseLongRequest(body)
		checkSecretsNotQuoted(t, body, e, func(b []byte) *apiError { _, e := parseLongRequest(b); return e },
			"client_secret", "otp_code", "assertion")
		if e != nil {
			checkBadRequest(t, e)
			return
		}
		switch req.grantType {
		case grantClientCredentials, grantAssertion, grantTokenExchange:
		default:
			t.Fatalf("accepted grant_type %q", req.grantType)
		}
		if n := utf8.RuneCountInString(req.clientID); n < 1 || n > 128 {
			t.Fatalf("accepted a client_id of %d characters", n)
		}
		if req.otpCode != "" && !otpPattern.MatchString(req.otpCode) {
			t.Fatalf("accepted otp_code %q", req.otpCode)
		}
		if req.ttlDays < 1 || req.ttlDays > 365 || req.graceSeconds < 0 || req.graceSeconds > maxGraceSeconds {
			t.Fatalf("accepted ttl_days %d, grace_period_seconds %d", req.ttlDays, req.graceSeconds)
		}
		if req.rotateID != "" && !longIDPattern.MatchString(req.rotateID) {
			t.Fatalf("accepted rotate_token_id %q", req.rotateID)
		}
		if req.graceSeconds > 0 && req.rotateID == "" {
			t.Fatal("accepted grace_period_seconds without rotate_token_id")
		}
		checkScopes(t, req.scopes, req.scopesSet)
		if again, e := parseLongRequest(reformat(t, body)); e != nil || again.hash != req.hash {
			t.Fatalf("the same body formatted otherwise parses differently: %v", e)
		}
	})
}

// TestParseObjectNamesFaultsInOrder is the regression test of a FuzzParseLongRequest
// finding: with several unknown fields, the error named one at random (map order), so the
// same body could get different answers.
func TestParseObjectNamesFaultsInOrder(t *testing.T) {
	t.Parallel()
	for range 20 {
		_, e := parseLongRequest([]byte(`{"zz":1,"b":1,"a":1,"grant_type":"client_credentials","client_id":"app"}`))
		if e == nil || e.message != `unknown field "a"` {
			t.Fatalf("error %v, want unknown field \"a\"", e)
		}
	}
}

// FuzzParseShortRequest: the ShortTokenRequest parser, like FuzzParseLongRequest.
func FuzzParseShortRequest(f *testing.F) {
	for _, s := range []string{
		`{"scopes":["tokens:write"],"ttl_seconds":600,"audience":"deploy.example.com"}`,
		`{}`, ``, `null`, `[]`, `{"ttl_seconds":59}`, `{"ttl_seconds":3601}`, `{"ttl_seconds":"900"}`, `{"audience":""}`,
		`{"audience":null}`, `{"scopes":[1]}`, `{"scopes":["Bad Scope"]}`, `{"scope":["data:read"]}`, `{"audience":"x"}{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, e := parseShortRequest(body)
		if e != nil {
			checkBadRequest(t, e)
			return
		}
		if req.ttlSeconds < 60 || req.ttlSeconds > 3600 {
			t.Fatalf("accepted ttl_seconds %d", req.ttlSeconds)
		}
		if n := utf8.RuneCountInString(req.audience); n < 1 || n > 256 {
			t.Fatalf("accepted an audience of %d characters", n)
		}
		checkScopes(t, req.scopes, req.scopesSet)
		if len(bytes.TrimSpace(body)) == 0 {
			return // no body: all defaults
		}
		if again, e := parseShortRequest(reformat(t, body)); e != nil || again.hash != req.hash {
			t.Fatalf("the same body formatted otherwise parses differently: %v", e)
		}
	})
}

// FuzzServeRequest sends whatever a caller could send to each operation through the
// whole pipeline (headers, body, authentication, idempotency): the server never panics,
// never fails with a 5xx, answers as the contract says (validated by contracttest), and
// never echoes a credential. In authorization, LONG and SHORT stand for a valid long-term
// secret and short-term JWT of client "app".
func FuzzServeRequest(f *testing.F) {
	for _, s := range longRequestSeeds {
		f.Add(uint8(0), "", "key-1", "application/json", []byte(s))
	}
	f.Add(uint8(0), "Bearer SHORT", "", "application/json", []byte(`{"grant_type":"token_exchange","client_id":"app"}`))
	f.Add(uint8(1), "Bearer LONG", "key-2", "application/json", []byte(`{"scopes":["data:read"],"ttl_seconds":60}`))
	f.Add(uint8(1), "Bearer LONG", "", "", []byte(nil))
	f.Add(uint8(1), "bearer  LONG ", strings.Repeat("k", 256), "text/plain", []byte(`{}`))
	f.Add(uint8(1), "Bearer SHORT", "", "application/json; charset=utf-8", []byte(`{"audience":"x"}`))
	f.Add(uint8(2), "Bearer LONG", "", "", []byte(nil))
	f.Add(uint8(2), "Basic dXNlcjpwYXNz", "", "", []byte(nil))
	f.Add(uint8(3), "Bearer SHORT", "st_ABCDEFGHIJKLMNOP", "", []byte(nil))
	f.Add(uint8(3), "Bearer LONG", "../long", "", []byte(nil))

	srv, err := New(Options{Clients: testClients(f), Clock: NewManualClock(t0), RateLimit: RateLimit{PerSecond: -1}})
	if err != nil {
		f.Fatal(err)
	}
	longID, longSecret, shortID, shortJWT := fuzzCredentials(f, srv)
	paths := []string{pathLong, pathShort, pathTokenPrefix + shortID + pathRevokeSuffix}
	secrets := []string{appSecret, otherSecret, readerSecret, longSecret, shortJWT}

	f.Fuzz(func(t *testing.T, target uint8, authorization, idempotencyKey, contentType string, body []byte) {
		path := pathTokenPrefix + url.PathEscape(idempotencyKey) + pathRevokeSuffix
		if int(target) < len(paths) {
			path = paths[target]
		}
		if path != pathLong && path != pathShort {
			// The contract forbids a revoke body but declares no status to refuse one with;
			// the server's 400 is covered by TestRevokeAuthorization.
			body = nil
		}
		r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		authorization = strings.NewReplacer("LONG", longSecret, "SHORT", shortJWT).Replace(authorization)
		for name, value := range map[string]string{
			"Authorization": authorization, "Idempotency-Key": idempotencyKey, "Content-Type": contentType, "X-Client-Id": "app",
		} {
			if value != "" {
				r.Header.Set(name, value)
			}
		}
		w := httptest.NewRecorder()
		contracttest.New(t).Handler(srv).ServeHTTP(w, r)

		if w.Code >= 500 {
			t.Fatalf("%s answered %d: %s", path, w.Code, w.Body)
		}
		answer := w.Body.String()
		for _, secret := range secrets {
			if strings.Contains(answer, secret) {
				t.Fatalf("%s answered %d with a credential in the body", path, w.Code)
			}
		}
		if w.Code >= 400 && strings.Contains(answer, "ltk_") {
			t.Fatalf("%s answered %d with a long-term secret", path, w.Code)
		}
		if rec, ok := srv.Token(longID); !ok || rec.State != StateActive {
			t.Fatalf("the fuzzing credential %s was ended by %s", longID, path)
		}
	})
}

// fuzzCredentials issues a long-term token of "app" without tokens:write, so that no
// fuzzed request can revoke it, and a short-term token of it.
func fuzzCredentials(f *testing.F, srv *Server) (longID, longSecret, shortID, shortJWT string) {
	f.Helper()
	post := func(path, auth string, body string) map[string]string {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Client-Id", "app")
		if auth != "" {
			r.Header.Set("Authorization", "Bearer "+auth)
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		var out struct {
			TokenID string `json:"token_id"`
			Token   string `json:"token"`
		}
		if w.Code != http.StatusCreated || json.Unmarshal(w.Body.Bytes(), &out) != nil {
			f.Fatalf("%s: %d %s", path, w.Code, w.Body)
		}
		return map[string]string{"id": out.TokenID, "secret": out.Token}
	}
	long := post(pathLong, "", `{"grant_type":"client_credentials","client_id":"app","client_secret":"`+appSecret+`","scopes":["data:read"]}`)
	short := post(pathShort, long["secret"], `{}`)
	return long["id"], long["secret"], short["id"], short["secret"]
}

// checkBadRequest: every parse error is a 400 invalid_request with a message.
func checkBadRequest(t *testing.T, e *apiError) {
	t.Helper()
	if e.status != http.StatusBadRequest || e.code != codeInvalidRequest || e.message == "" {
		t.Fatalf("parse error %+v, want 400 invalid_request with a message", e)
	}
}

func checkScopes(t *testing.T, scopes []string, set bool) {
	t.Helper()
	if !set && scopes != nil {
		t.Fatalf("scopes %q without a scopes field", scopes)
	}
	if len(scopes) > maxScopes {
		t.Fatalf("accepted %d scopes", len(scopes))
	}
	seen := map[string]bool{}
	for _, s := range scopes {
		if !validScope(s) || seen[s] {
			t.Fatalf("accepted scopes %q", scopes)
		}
		seen[s] = true
	}
}

// reformat re-encodes a JSON object body with its members in another order and other
// white space; a body that is not a JSON object is returned unchanged.
func reformat(t *testing.T, body []byte) []byte {
	t.Helper()
	var o map[string]json.RawMessage
	if json.Unmarshal(body, &o) != nil || o == nil {
		return body
	}
	var b bytes.Buffer
	b.WriteString("{\n")
	first := true
	for k, v := range o { // map order: any order will do
		if !first {
			b.WriteString(" ,\n")
		}
		first = false
		key, _ := json.Marshal(k)
		b.Write(key)
		b.WriteString(" : ")
		if err := json.Indent(&b, v, "", "\t"); err != nil {
			t.Fatalf("re-indenting %q: %v", v, err)
		}
	}
	b.WriteString("\n}")
	return b.Bytes()
}

// checkSecretsNotQuoted asserts that the parse error does not depend on the value of any
// credential field: the same body with each credential's characters replaced by others of
// the same class fails (or succeeds) exactly alike, so no message can quote a credential.
func checkSecretsNotQuoted(t *testing.T, body []byte, e *apiError, parse func([]byte) *apiError, fields ...string) {
	t.Helper()
	var o map[string]json.RawMessage
	if json.Unmarshal(body, &o) != nil || o == nil {
		return
	}
	changed := false
	for _, f := range fields {
		var v string
		if json.Unmarshal(o[f], &v) != nil {
			continue
		}
		if s := scramble(v); s != v {
			o[f], _ = json.Marshal(s)
			changed = true
		}
	}
	if !changed {
		return
	}
	other, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	e2 := parse(other)
	if (e == nil) != (e2 == nil) || e != nil && e.message != e2.message {
		t.Fatalf("the error depends on a credential's value: %v / %v", e, e2)
	}
}

// scramble replaces each digit and letter by another of its kind, keeping the length,
// the character classes and so the validity of the value.
func scramble(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return '0' + (r-'0'+1)%10
		case r >= 'a' && r <= 'z':
			return 'a' + (r-'a'+1)%26
		case r >= 'A' && r <= 'Z':
			return 'A' + (r-'A'+1)%26
		case unicode.IsLetter(r):
			return 'x'
		}
		return r
	}, s)
}
