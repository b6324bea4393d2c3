package authclient_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

// Secrets used by the tests; none of them may ever show up in an error or a log line.
//
//nolint:gosec // G101: made-up credentials, the very values the tests keep out of errors and logs
const (
	clientID         = "client-1"
	clientSecret     = "cs-SECRETclientSECRET0001"
	otpCode          = "73914265"
	preAssertion     = "eyJhbGciOiJFUzI1NiJ9.eyJQUkVTSUdORUQiOiJ4In0.PRESIGNEDsecretASSERTION"
	accessToken      = "eyJhbGciOiJFZERTQSJ9.eyJBQ0NFU1MiOiJ4In0.ACCESSsecretTOKEN"
	longSecret       = "ltsecret_LONGtermSECRETvalue0001"
	shortSecret      = "eyJhbGciOiJFUzI1NiJ9.eyJTSE9SVCI6IngifQ.SHORTsecretJWT"
	longID           = "lt_ABCDEFGHIJKLMNOP0001"
	otherLongID      = "lt_ZYXWVUTSRQPONMLK0002"
	shortID          = "st_ABCDEFGHIJKLMNOP0003"
	serverRequestID  = "req_server_123"
	longResponseBody = `{"token_id":"` + longID + `","token":"` + longSecret + `","token_type":"Bearer",` +
		`"client_id":"` + clientID + `","name":null,"scopes":["tokens:write","tokens:read"],` +
		`"issued_at":"2030-01-01T00:00:00Z","expires_at":"2030-03-31T00:00:00Z",` +
		`"rotated_from":null,"previous_token_expires_at":null,"future_field":{"x":1}}`
	shortResponseBody = `{"token_id":"` + shortID + `","token":"` + shortSecret + `","token_type":"Bearer",` +
		`"expires_in":900,"expires_at":"2030-01-01T00:15:00Z","scopes":["tokens:read"],` +
		`"parent_token_id":"` + longID + `"}`
)

// recorded is one request as the fake server saw it.
type recorded struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	At     time.Time
}

// fakeAPI is an httptest server that records requests and answers with respond, which
// gets the 0-based number of the request.
type fakeAPI struct {
	t       *testing.T
	srv     *httptest.Server
	respond func(w http.ResponseWriter, r *http.Request, n int)

	mu   sync.Mutex
	reqs []recorded
}

func newFakeAPI(t *testing.T, respond func(w http.ResponseWriter, r *http.Request, n int)) *fakeAPI {
	t.Helper()
	f := &fakeAPI{t: t, respond: respond}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	n := len(f.reqs)
	f.reqs = append(f.reqs, recorded{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body, At: time.Now()})
	f.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body)) // respond may read it again
	f.respond(w, r, n)
}

func readBody(r *http.Request) []byte {
	b, _ := io.ReadAll(r.Body)
	return b
}

func (f *fakeAPI) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// endpoint is the base URL the clients use; the /v1 prefix checks path joining.
func (f *fakeAPI) endpoint() string { return f.srv.URL + "/v1" }

// client returns a fast-retrying client for f, adjusted by mods.
func (f *fakeAPI) client(mods ...func(*authclient.Config)) *authclient.Client {
	f.t.Helper()
	cfg := authclient.Config{
		Endpoint:     f.endpoint(),
		MaxRetries:   4,
		MinRetryWait: time.Millisecond,
		MaxRetryWait: 20 * time.Millisecond,
		UserAgent:    "terraform-provider-auth/test",
	}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := authclient.New(cfg)
	if err != nil {
		f.t.Fatalf("New: %v", err)
	}
	return c
}

// reply writes status with a JSON body and an X-Request-Id, like the contract's server.
func reply(w http.ResponseWriter, status int, body string, headers ...string) {
	for i := 0; i+1 < len(headers); i += 2 {
		w.Header().Set(headers[i], headers[i+1])
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	if w.Header().Get("X-Request-Id") == "" {
		w.Header().Set("X-Request-Id", serverRequestID)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func errorBody(code, message string) string {
	b, _ := json.Marshal(map[string]string{"error": code, "message": message, "request_id": serverRequestID})
	return string(b)
}

// issueAnswers answers every request with the success of its operation.
func issueAnswers(w http.ResponseWriter, r *http.Request, _ int) {
	switch r.URL.Path {
	case "/v1/auth/tokens/long":
		reply(w, http.StatusCreated, longResponseBody)
	case "/v1/auth/tokens/short":
		reply(w, http.StatusCreated, shortResponseBody)
	default:
		w.Header().Set("X-Request-Id", serverRequestID)
		w.WriteHeader(http.StatusNoContent)
	}
}

// failFirst answers the first n requests with failure, then succeeds.
func failFirst(n int, failure func(w http.ResponseWriter, r *http.Request)) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, r *http.Request, i int) {
		if i < n {
			failure(w, r)
			return
		}
		issueAnswers(w, r, i)
	}
}

func status(code int, headers ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		reply(w, code, errorBody("server_error", fmt.Sprintf("failure %d", code)), headers...)
	}
}

// hangUp drops the connection without an answer.
func hangUp(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	_ = conn.Close()
}

var (
	rsaKey = sync.OnceValue(func() *rsa.PrivateKey { return must(rsa.GenerateKey(rand.Reader, 2048)) })
	ecKey  = sync.OnceValue(func() *ecdsa.PrivateKey { return must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)) })
	edKey  = sync.OnceValue(func() ed25519.PrivateKey {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return must(k, err)
	})
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func longInput(step authclient.StepUp) authclient.IssueLongTermTokenInput {
	return authclient.IssueLongTermTokenInput{ClientID: clientID, StepUp: step}
}

// bodyFields decodes a recorded JSON body into a map.
func bodyFields(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("request body is not a JSON object: %v", err)
	}
	return m
}

func itoa(n int) string { return strconv.Itoa(n) }

type rawJSON = json.RawMessage

func mustUnmarshal(s string, v any) {
	if err := json.Unmarshal([]byte(s), v); err != nil {
		panic(err)
	}
}

func mustMarshal(v any) string { return string(must(json.Marshal(v))) }
