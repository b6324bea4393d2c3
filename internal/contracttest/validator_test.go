package contracttest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/example/terraform-provider-auth/internal/contracttest"
)

// fakeTB records what the Validator reports, so that a test can provoke violations
// without failing itself. Everything else goes to the real testing.TB.
type fakeTB struct {
	testing.TB

	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

// finish runs the cleanups registered so far (as the end of a test would) and returns
// what was reported with Errorf.
func (f *fakeTB) finish() []string {
	f.mu.Lock()
	cleanups := f.cleanups
	f.cleanups = nil
	f.mu.Unlock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.errs...)
}

func newFakeValidator(t *testing.T) (*contracttest.Validator, *fakeTB) {
	t.Helper()
	ftb := &fakeTB{TB: t}
	return contracttest.New(ftb), ftb
}

const (
	testClientSecret = "sup3r-s3cret-client-value"
	testIssuedToken  = "lt-secret-material-0123456789abcdef"
	testTokenID      = "lt_ABCDEFGH12345678"
)

func longTokenRequestBody(extra map[string]any) string {
	body := map[string]any{
		"grant_type":    "client_credentials",
		"client_id":     "client-a",
		"client_secret": testClientSecret,
		"name":          "ci",
	}
	maps.Copy(body, extra)
	for k, v := range body {
		if v == nil {
			delete(body, k) // nil removes a field
		}
	}
	b, _ := json.Marshal(body)
	return string(b)
}

func longTokenResponse(change func(map[string]any)) map[string]any {
	resp := map[string]any{
		"token_id":   testTokenID,
		"token":      testIssuedToken,
		"token_type": "Bearer",
		"client_id":  "client-a",
		"name":       "ci",
		"scopes":     []string{"tokens:read"},
		"issued_at":  "2030-01-01T00:00:00Z",
		"expires_at": "2030-04-01T00:00:00Z",
	}
	if change != nil {
		change(resp)
	}
	return resp
}

func errorResponse(code string) map[string]any {
	return map[string]any{"error": code, "message": "rejected", "request_id": "req-1"}
}

// jsonHandler answers every request with status, body (JSON, or nothing when nil) and
// header, plus an X-Request-Id unless header sets one (empty to leave it out).
func jsonHandler(status int, body any, header map[string]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Request-Id", "req-1")
		for k, v := range header {
			if v == "" {
				w.Header().Del(k)
			} else {
				w.Header().Set(k, v)
			}
		}
		if body == nil {
			w.WriteHeader(status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	})
}

func issueLongRequest(body string, header map[string]string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/v1/auth/tokens/long", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Client-Id", "client-a")
	for k, v := range header {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	return r
}

// TestValidatorHandler_Cases drives the server-side validator with hand-written handlers
// and checks what it reports.
func TestValidatorHandler_Cases(t *testing.T) {
	tests := []struct {
		name    string
		request *http.Request
		handler http.Handler
		want    []string // substrings, one per expected violation (in order); nil: none
	}{
		{
			name:    "conforming 201 passes",
			request: issueLongRequest(longTokenRequestBody(nil), nil),
			handler: jsonHandler(201, longTokenResponse(nil), nil),
		},
		{
			name:    "201 without token_id",
			request: issueLongRequest(longTokenRequestBody(nil), nil),
			handler: jsonHandler(201, longTokenResponse(func(m map[string]any) { delete(m, "token_id") }), nil),
			want:    []string{`property "token_id" is missing`},
		},
		{
			name:    "201 with a wrong token_type",
			request: issueLongRequest(longTokenRequestBody(nil), nil),
			handler: jsonHandler(201, longTokenResponse(func(m map[string]any) { m["token_type"] = "bearer" }), nil),
			want:    []string{`at "/token_type": value is not one of the allowed values`},
		},
		{
			name:    "201 with a bad date-time",
			request: issueLongRequest(longTokenRequestBody(nil), nil),
			handler: jsonHandler(201, longTokenResponse(func(m map[string]any) { m["expires_at"] = "next tuesday at noon" }), nil),
			want:    []string{`at "/expires_at": doesn't match the format "date-time"`},
		},
		{
			name:    "undeclared status",
			request: issueLongRequest(longTokenRequestBody(nil), nil),
			handler: jsonHandler(http.StatusTeapot, errorResponse("invalid_request"), nil),
			want:    []string{"-> 418: response: status is not supported"},
		},
		{
			name:    "204 is not declared for issue",
			request: issueLongRequest(longTokenRequestBody(nil), nil),
			handler: jsonHandler(http.StatusNoContent, nil, nil),
			want:    []string{"-> 204: response: status is not supported"},
		},
		{
			name:    "unknown body field answered 201",
			request: issueLongRequest(longTokenRequestBody(map[string]any{"colour": "blue"}), nil),
			handler: jsonHandler(201, longTokenResponse(nil), nil),
			want:    []string{`[server] issueLongTermToken POST /v1/auth/tokens/long -> 201: request: request body: doesn't match schema`},
		},
		{
			name:    "unknown body field answered 400 is the server doing its job",
			request: issueLongRequest(longTokenRequestBody(map[string]any{"colour": "blue"}), nil),
			handler: jsonHandler(400, errorResponse("invalid_request"), nil),
		},
		{
			name:    "missing credential answered 401 is not a violation",
			request: issueLongRequest(longTokenRequestBody(nil), map[string]string{"X-Client-Id": ""}),
			handler: jsonHandler(401, errorResponse("invalid_client"), nil),
		},
		{
			name:    "missing credential answered 201",
			request: issueLongRequest(longTokenRequestBody(nil), map[string]string{"X-Client-Id": ""}),
			handler: jsonHandler(201, longTokenResponse(nil), nil),
			want:    []string{"request: security requirements failed", "X-Client-Id differs from body client_id"},
		},
		{
			name:    "two mechanisms answered 201",
			request: issueLongRequest(longTokenRequestBody(map[string]any{"otp_code": "123456"}), nil),
			handler: jsonHandler(201, longTokenResponse(nil), nil),
			want:    []string{"step-up needs exactly one mechanism, found 2"},
		},
		{
			name:    "X-Client-Id differing from client_id answered 201",
			request: issueLongRequest(longTokenRequestBody(nil), map[string]string{"X-Client-Id": "client-b"}),
			handler: jsonHandler(201, longTokenResponse(nil), nil),
			want:    []string{"X-Client-Id differs from body client_id"},
		},
		{
			name:    "response without X-Request-Id",
			request: issueLongRequest(longTokenRequestBody(nil), nil),
			handler: jsonHandler(201, longTokenResponse(nil), map[string]string{"X-Request-Id": ""}),
			want:    []string{`header "X-Request-Id" missing`},
		},
		{
			name:    "X-Request-Id not echoed",
			request: issueLongRequest(longTokenRequestBody(nil), map[string]string{"X-Request-Id": "mine-42"}),
			handler: jsonHandler(201, longTokenResponse(nil), nil),
			want:    []string{`does not echo the request's X-Request-Id`},
		},
		{
			name:    "429 without Retry-After",
			request: issueLongRequest(longTokenRequestBody(nil), nil),
			handler: jsonHandler(429, errorResponse("rate_limited"), nil),
			want:    []string{`header "Retry-After" missing`},
		},
		{
			name:    "503 with a non-integer Retry-After",
			request: issueLongRequest(longTokenRequestBody(nil), nil),
			handler: jsonHandler(503, errorResponse("unavailable"), map[string]string{"Retry-After": "soon"}),
			want:    []string{`unable to decode header "Retry-After" value`, `"Retry-After" is not a non-negative integer`},
		},
		{
			name:    "error code not fitting the status",
			request: issueLongRequest(longTokenRequestBody(nil), nil),
			handler: jsonHandler(404, errorResponse("invalid_token"), nil),
			want:    []string{"error code does not fit status 404"},
		},
		{
			name:    "error that is not an Error object",
			request: issueLongRequest(longTokenRequestBody(nil), nil),
			handler: jsonHandler(400, map[string]any{"problem": "bad"}, nil),
			want:    []string{`property "error" is missing`},
		},
		{
			name:    "error body echoing the client secret",
			request: issueLongRequest(longTokenRequestBody(nil), nil),
			handler: jsonHandler(401, map[string]any{"error": "invalid_client", "message": "bad secret " + testClientSecret}, nil),
			want:    []string{"error body contains the request's client_secret"},
		},
		{
			name: "revoke answered 204 passes",
			request: func() *http.Request {
				r := httptest.NewRequest(http.MethodPost, "/v1/auth/tokens/"+testTokenID+"/revoke", nil)
				r.Header.Set("Authorization", "Bearer some-long-term-token")
				return r
			}(),
			handler: jsonHandler(204, nil, nil),
		},
		{
			name: "revoke with a malformed token id answered 404 is not a violation",
			request: func() *http.Request {
				r := httptest.NewRequest(http.MethodPost, "/v1/auth/tokens/nope/revoke", nil)
				r.Header.Set("Authorization", "Bearer some-long-term-token")
				return r
			}(),
			handler: jsonHandler(404, errorResponse("not_found"), nil),
		},
		{
			name:    "undeclared operation answered 404 is not a violation",
			request: httptest.NewRequest(http.MethodGet, "/v1/auth/tokens/long", nil),
			handler: jsonHandler(404, errorResponse("not_found"), nil),
		},
		{
			name:    "undeclared operation answered 200",
			request: httptest.NewRequest(http.MethodGet, "/v1/auth/tokens/long", nil),
			handler: jsonHandler(200, map[string]any{}, nil),
			want:    []string{"matches no operation of the contract"},
		},
		{
			name:    "test control path is not validated",
			request: httptest.NewRequest(http.MethodPost, "/_test/anything", nil),
			handler: jsonHandler(200, map[string]any{"whatever": true}, map[string]string{"X-Request-Id": ""}),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, ftb := newFakeValidator(t)
			rec := httptest.NewRecorder()
			v.Handler(tc.handler).ServeHTTP(rec, tc.request)
			assertViolations(t, v.Violations(), tc.want)
			reported := ftb.finish()
			if len(reported) != len(v.Violations()) {
				t.Errorf("cleanup reported %d violations with Errorf, want %d: %q", len(reported), len(v.Violations()), reported)
			}
			for _, msg := range v.Violations() {
				assertNoSecret(t, msg)
			}
		})
	}
}

// TestValidatorTransport_Cases drives the client-side validator against hand-written
// servers: every bad request is reported, whatever the server answered.
func TestValidatorTransport_Cases(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		header  map[string]string
		handler http.Handler
		want    []string
	}{
		{
			name:    "conforming request and answer pass",
			body:    longTokenRequestBody(nil),
			handler: jsonHandler(201, longTokenResponse(nil), nil),
		},
		{
			name:    "client request with an extra field is reported although the server said 400",
			body:    longTokenRequestBody(map[string]any{"colour": "blue"}),
			handler: jsonHandler(400, errorResponse("invalid_request"), nil),
			want:    []string{`[client] issueLongTermToken POST /v1/auth/tokens/long -> 400: request: request body: doesn't match schema #/components/schemas/LongTokenRequest: at "/": property "colour" is unsupported`},
		},
		{
			name:    "client request without X-Client-Id",
			body:    longTokenRequestBody(nil),
			header:  map[string]string{"X-Client-Id": ""},
			handler: jsonHandler(401, errorResponse("invalid_client"), nil),
			want:    []string{"request: security requirements failed"},
		},
		{
			name:    "client request with a malformed otp_code",
			body:    longTokenRequestBody(map[string]any{"client_secret": nil, "otp_code": "12ab"}),
			handler: jsonHandler(401, errorResponse("invalid_grant"), nil),
			want:    []string{`at "/otp_code": string doesn't match the regular expression`},
		},
		{
			name:    "client sees a bad answer",
			body:    longTokenRequestBody(nil),
			handler: jsonHandler(201, longTokenResponse(func(m map[string]any) { delete(m, "token_id") }), nil),
			want:    []string{`[client] issueLongTermToken POST /v1/auth/tokens/long -> 201: response: response body doesn't match schema`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, ftb := newFakeValidator(t)
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/v1/auth/tokens/long", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Client-Id", "client-a")
			for k, v := range tc.header {
				if v == "" {
					req.Header.Del(k)
				} else {
					req.Header.Set(k, v)
				}
			}
			client := &http.Client{Transport: v.Transport(nil)}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !json.Valid(got) {
				t.Errorf("the caller did not get the response body intact: %q", got)
			}
			assertViolations(t, v.Violations(), tc.want)
			ftb.finish()
			for _, msg := range v.Violations() {
				assertNoSecret(t, msg)
			}
		})
	}
}

// TestValidator_BodiesReachTheirReaderIntact checks that validation neither consumes nor
// rewrites the bodies: the server reads the request as sent (no defaults filled in), the
// client reads the response as sent.
func TestValidator_BodiesReachTheirReaderIntact(t *testing.T) {
	v, ftb := newFakeValidator(t)
	sent := longTokenRequestBody(nil) // no ttl_days: kin-openapi must not add its default
	var seen string
	answer := longTokenResponse(nil)
	srv := httptest.NewServer(v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seen = string(b)
		jsonHandler(201, answer, nil).ServeHTTP(w, r)
	})))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/auth/tokens/long", strings.NewReader(sent))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Client-Id", "client-a")
	resp, err := (&http.Client{Transport: v.Transport(nil)}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatalf("decoding the response the client got: %v", err)
	}
	resp.Body.Close()
	srv.Close() // wait for the handler
	if seen != sent {
		t.Errorf("server read %q, client sent %q", seen, sent)
	}
	if got["token_id"] != testTokenID {
		t.Errorf("client got %v", got)
	}
	if vs := ftb.finish(); len(vs) != 0 {
		t.Errorf("unexpected violations: %q", vs)
	}
}

// TestValidatorHandler_HijackedConnectionIsNotValidated checks that the Handler keeps
// http.Hijacker working and skips the response of a hijacked request.
func TestValidatorHandler_HijackedConnectionIsNotValidated(t *testing.T) {
	v, ftb := newFakeValidator(t)
	hijacked := make(chan bool, 1)
	srv := httptest.NewServer(v.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, ok := w.(http.Hijacker)
		if !ok {
			hijacked <- false
			http.Error(w, "no hijack", 500)
			return
		}
		conn, _, err := h.Hijack()
		if err != nil {
			hijacked <- false
			return
		}
		conn.Close()
		hijacked <- true
	})))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/auth/tokens/long", strings.NewReader(longTokenRequestBody(nil)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Client-Id", "client-a")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("expected the connection to be lost, got %s", resp.Status)
	}
	if !<-hijacked {
		t.Fatal("the handler could not hijack the connection through the validator")
	}
	srv.Close()
	if vs := ftb.finish(); len(vs) != 0 {
		t.Errorf("unexpected violations: %q", vs)
	}
}

// TestValidator_ViolationsNeverQuoteValues checks that no header or body value (secrets
// included) makes it into a violation, even when kin-openapi's own text would quote it.
func TestValidator_ViolationsNeverQuoteValues(t *testing.T) {
	v, ftb := newFakeValidator(t)
	badOTP := "98765x"
	req := issueLongRequest(longTokenRequestBody(map[string]any{
		"client_secret": testClientSecret,
		"otp_code":      badOTP,
		"ttl_days":      "ninety-days-please",
		"scopes":        []string{"Not A Scope value"},
	}), map[string]string{
		"Authorization":   "Bearer not-a-jwt-but-a-secret-token",
		"Idempotency-Key": strings.Repeat("k", 300),
		"Content-Type":    "application/json; charset=utf-8",
	})
	handler := jsonHandler(201, longTokenResponse(func(m map[string]any) {
		m["token_type"] = "bearer-" + testIssuedToken
		m["issued_at"] = "yesterday-" + testIssuedToken
		m["scopes"] = []string{"BAD " + testIssuedToken}
	}), map[string]string{"Idempotent-Replayed": "yes-" + testIssuedToken})
	v.Handler(handler).ServeHTTP(httptest.NewRecorder(), req)
	vs := ftb.finish()
	if len(vs) == 0 {
		t.Fatal("expected violations")
	}
	for _, msg := range vs {
		for _, value := range []string{testClientSecret, badOTP, "ninety-days-please", "Not A Scope value",
			"not-a-jwt-but-a-secret-token", strings.Repeat("k", 300), testIssuedToken, "yesterday", "yes-"} {
			if strings.Contains(msg, value) {
				t.Errorf("violation quotes the value %q: %s", value, msg)
			}
		}
	}
	t.Logf("violations (values withheld):\n%s", strings.Join(vs, "\n"))
}

// TestValidator_CleanupReportsWithErrorf checks that New reports at the end of the test,
// through tb.Errorf, what was found on other goroutines.
func TestValidator_CleanupReportsWithErrorf(t *testing.T) {
	v, ftb := newFakeValidator(t)
	srv := httptest.NewServer(v.Handler(jsonHandler(http.StatusTeapot, errorResponse("invalid_request"), nil)))
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/auth/tokens/long", strings.NewReader(longTokenRequestBody(nil)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Client-Id", "client-a")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	srv.Close()
	reported := ftb.finish()
	if len(reported) != 1 || !strings.Contains(reported[0], "contract violation: [server] issueLongTermToken POST /v1/auth/tokens/long -> 418") {
		t.Errorf("reported %q", reported)
	}
}

func assertViolations(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d violations, want %d:\n got: %s\nwant: %q", len(got), len(want), strings.Join(got, "\n      "), want)
		return
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("violation %d = %q, want it to contain %q", i, got[i], want[i])
		}
	}
}

func assertNoSecret(t *testing.T, msg string) {
	t.Helper()
	for _, secret := range []string{testClientSecret, testIssuedToken} {
		if strings.Contains(msg, secret) {
			t.Errorf("violation quotes a secret: %s", msg)
		}
	}
}
