package authserver

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// t0 is where every test clock starts.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// Credentials of the test clients. Tests assert that none of them leaks.
const (
	appSecret    = "app-secret-0123456789abcdef"
	otherSecret  = "other-secret-0123456789abcdef"
	readerSecret = "reader-secret-0123456789abcdef"
)

// testKeys are generated once: RSA key generation is slow.
var testKeys = sync.OnceValue(func() (k struct {
	rsa     *rsa.PrivateKey
	ec      *ecdsa.PrivateKey
	ed      ed25519.PrivateKey
	unknown *ecdsa.PrivateKey // registered nowhere
}) {
	var err error
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		panic(err)
	}
	if _, k.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
		panic(err)
	}
	if k.unknown, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		panic(err)
	}
	return k
})

func publicPEM(t testing.TB, pub crypto.PublicKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// testClients: "app" can do everything, "other" is a second client, "reader" holds
// no token-management scope.
func testClients(t testing.TB) []ClientConfig {
	k := testKeys()
	return []ClientConfig{
		{
			ID:            "app",
			Secret:        appSecret,
			AllowedScopes: []string{"tokens:write", "tokens:revoke", "data:read", "data:write"},
			DefaultScopes: []string{"tokens:write", "data:read"},
			OTPCodes:      []string{"123456", "7654321"},
			PublicKeysPEM: []string{publicPEM(t, &k.rsa.PublicKey), publicPEM(t, &k.ec.PublicKey), publicPEM(t, k.ed.Public())},
		},
		{
			ID:            "other",
			Secret:        otherSecret,
			AllowedScopes: []string{"tokens:write", "data:read"},
			DefaultScopes: []string{"tokens:write", "data:read"},
		},
		{
			ID:            "reader",
			Secret:        readerSecret,
			AllowedScopes: []string{"data:read"},
			DefaultScopes: []string{"data:read"},
		},
	}
}

// harness is one server under httptest with a manual clock.
type harness struct {
	t     *testing.T
	srv   *Server
	clock *ManualClock
	ts    *httptest.Server
	logs  *syncBuffer
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newHarness starts a server with the test clients, a manual clock at t0, rate limiting
// off and logs captured; edit adjusts the options.
func newHarness(t *testing.T, edit ...func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, clock: NewManualClock(t0), logs: &syncBuffer{}}
	opts := Options{
		Clients:      testClients(t),
		Clock:        h.clock,
		RateLimit:    RateLimit{PerSecond: -1},
		Logger:       newTextLogger(h.logs),
		TestControls: true,
	}
	for _, e := range edit {
		e(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	h.ts = httptest.NewServer(srv)
	t.Cleanup(h.ts.Close)
	return h
}

func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// reply is a decoded answer.
type reply struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r reply) str(field string) string {
	s, _ := r.body[field].(string)
	return s
}

// req describes one request: body is sent as is when it is a string or []byte, as
// JSON otherwise (nil: no body).
type req struct {
	method  string
	path    string // below the server root, e.g. /v1/auth/tokens/long
	body    any
	headers map[string]string
}

func (h *harness) do(r req) reply {
	h.t.Helper()
	rep, err := h.try(http.DefaultClient, r)
	if err != nil {
		h.t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	return rep
}

func (h *harness) try(c *http.Client, r req) (reply, error) {
	var body io.Reader
	contentType := ""
	switch b := r.body.(type) {
	case nil:
	case string:
		body, contentType = strings.NewReader(b), "application/json"
	case []byte:
		body, contentType = bytes.NewReader(b), "application/json"
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return reply{}, err
		}
		body, contentType = bytes.NewReader(data), "application/json"
	}
	method := r.method
	if method == "" {
		method = http.MethodPost
	}
	hr, err := http.NewRequest(method, h.ts.URL+r.path, body)
	if err != nil {
		return reply{}, err
	}
	if contentType != "" {
		hr.Header.Set("Content-Type", contentType)
	}
	for k, v := range r.headers {
		if v == "" {
			hr.Header.Del(k)
			continue
		}
		hr.Header.Set(k, v)
	}
	resp, err := c.Do(hr)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	rep := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &rep.body); err != nil {
			h.t.Errorf("%s %s: answer is not a JSON object: %q", method, r.path, raw)
		}
	}
	if rep.header.Get("X-Request-Id") == "" {
		h.t.Errorf("%s %s: no X-Request-Id", method, r.path)
	}
	return rep, nil
}

// longBody is a LongTokenRequest with the client_secret mechanism for client id.
func longBody(id, secret string, extra ...any) map[string]any {
	return withFields(map[string]any{"grant_type": "client_credentials", "client_id": id, "client_secret": secret}, extra...)
}

// withFields adds to body the fields given as alternating names and values.
func withFields(body map[string]any, nameValues ...any) map[string]any {
	for i := 0; i+1 < len(nameValues); i += 2 {
		name, ok := nameValues[i].(string)
		if !ok {
			panic(fmt.Sprintf("withFields: field name %v is not a string", nameValues[i]))
		}
		body[name] = nameValues[i+1]
	}
	return body
}

// issueLong posts a LongTokenRequest with X-Client-Id set to the body's client_id.
func (h *harness) issueLong(body map[string]any, headers ...string) reply {
	h.t.Helper()
	hdr := map[string]string{}
	if id, ok := body["client_id"].(string); ok {
		hdr["X-Client-Id"] = id
	}
	for i := 0; i+1 < len(headers); i += 2 {
		hdr[headers[i]] = headers[i+1]
	}
	return h.do(req{path: pathLong, body: body, headers: hdr})
}

// mustLong issues a long-term token for the client (secret mechanism) and returns its
// id and secret.
func (h *harness) mustLong(clientID string, extra ...any) (id, secret string) {
	h.t.Helper()
	secrets := map[string]string{"app": appSecret, "other": otherSecret, "reader": readerSecret}
	r := h.issueLong(longBody(clientID, secrets[clientID], extra...))
	if r.status != http.StatusCreated {
		h.t.Fatalf("issue long: %d %s", r.status, r.raw)
	}
	return r.str("token_id"), r.str("token")
}

// issueShort posts a ShortTokenRequest with the long-term secret as Bearer.
func (h *harness) issueShort(longSecret string, body any, headers ...string) reply {
	h.t.Helper()
	hdr := map[string]string{"Authorization": "Bearer " + longSecret}
	for i := 0; i+1 < len(headers); i += 2 {
		hdr[headers[i]] = headers[i+1]
	}
	return h.do(req{path: pathShort, body: body, headers: hdr})
}

func (h *harness) mustShort(longSecret string, body any) (id, jwt string) {
	h.t.Helper()
	r := h.issueShort(longSecret, body)
	if r.status != http.StatusCreated {
		h.t.Fatalf("issue short: %d %s", r.status, r.raw)
	}
	return r.str("token_id"), r.str("token")
}

func (h *harness) revoke(bearer, id string) reply {
	h.t.Helper()
	return h.do(req{path: pathTokenPrefix + id + "/revoke", headers: map[string]string{"Authorization": "Bearer " + bearer}})
}

func (h *harness) state(id string) TokenState {
	h.t.Helper()
	rec, ok := h.srv.Token(id)
	if !ok {
		h.t.Fatalf("token %s unknown", id)
	}
	return rec.State
}

// wantError checks an error answer: status, code, the Error body and the headers the
// contract asks for.
func wantError(t *testing.T, r reply, status int, code string) {
	t.Helper()
	if r.status != status || r.str("error") != code {
		t.Fatalf("got %d %s, want %d %s", r.status, r.raw, status, code)
	}
	if r.str("message") == "" || r.str("request_id") != r.header.Get("X-Request-Id") {
		t.Errorf("error body %s lacks message or request_id (X-Request-Id %q)", r.raw, r.header.Get("X-Request-Id"))
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	retry := r.header.Get("Retry-After")
	needsRetry := status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || code == codeInProgress
	if needsRetry && retry == "" {
		t.Errorf("%d %s without Retry-After", status, code)
	}
	if !needsRetry && retry != "" {
		t.Errorf("%d %s with Retry-After %q", status, code, retry)
	}
	if status == http.StatusUnauthorized && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("401 without WWW-Authenticate: Bearer")
	}
}

// assertion signs a client assertion; edit adjusts the claims.
func (h *harness) assertion(method jwt.SigningMethod, key crypto.Signer, edit func(jwt.MapClaims)) string {
	h.t.Helper()
	now := h.clock.Now()
	claims := jwt.MapClaims{
		"iss": "app",
		"sub": "app",
		"aud": h.ts.URL + pathLong,
		"iat": now.Unix(),
		"exp": now.Add(2 * time.Minute).Unix(),
		"jti": rand.Text(),
	}
	if edit != nil {
		edit(claims)
	}
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

func assertionBody(assertion string, extra ...any) map[string]any {
	return withFields(map[string]any{"grant_type": "assertion", "client_id": "app", "assertion": assertion}, extra...)
}
