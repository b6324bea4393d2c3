package contracttest_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/example/terraform-provider-auth/internal/authclient"
	"github.com/example/terraform-provider-auth/internal/authserver"
	"github.com/example/terraform-provider-auth/internal/contracttest"
)

// The registered clients of every harness.
const (
	clientA = "client-a"
	secretA = "client-a-secret-f00dfeed-0123456789"
	clientB = "client-b"
	secretB = "client-b-secret-deadbeef-9876543210"
)

// otpCodesA are client-a's one-time codes at start.
var otpCodesA = []string{"111111", "2222222", "33333333", "444444"}

// scopesA are client-a's allowed scopes; defaultScopesA are granted when none are asked.
var (
	scopesA        = []string{"tokens:read", "tokens:write", "tokens:revoke", "reports:read"}
	defaultScopesA = []string{"tokens:read", "tokens:write"}
)

// t0 is where every manual clock starts.
var t0 = time.Date(2030, time.January, 2, 3, 4, 5, 0, time.UTC)

// testKeys are generated once per process: RSA generation is slow under -race.
var testKeys = sync.OnceValue(func() (k struct {
	rsa      *rsa.PrivateKey
	ec       *ecdsa.PrivateKey
	ed       ed25519.PrivateKey
	stranger ed25519.PrivateKey // registered for nobody
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
	if _, k.stranger, err = ed25519.GenerateKey(rand.Reader); err != nil {
		panic(err)
	}
	return k
})

func publicKeyPEM(t testing.TB, key crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// privateKeyViaPEM round-trips key through PKCS#8 PEM and authclient.ParsePrivateKeyPEM,
// as the provider does with a key from its configuration.
func privateKeyViaPEM(t testing.TB, key crypto.Signer) crypto.Signer {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := authclient.ParsePrivateKeyPEM(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	if err != nil {
		t.Fatalf("ParsePrivateKeyPEM: %v", err)
	}
	return signer
}

// harnessOptions tune one harness.
type harnessOptions struct {
	rateLimit    authserver.RateLimit
	maxRetries   int
	minRetryWait time.Duration
	maxRetryWait time.Duration
	// wrap goes between the client and the validating transport: it sees every attempt
	// the client makes, and what it sends on is what the validator sees.
	wrap func(http.RoundTripper) http.RoundTripper
	// serverMiddleware goes between the validating handler and the server.
	serverMiddleware func(http.Handler) http.Handler
	// validatorTB receives the validator's report instead of the test (for tests of the
	// harness itself).
	validatorTB testing.TB
}

type harnessOption func(*harnessOptions)

func withServerMiddleware(mw func(http.Handler) http.Handler) harnessOption {
	return func(o *harnessOptions) { o.serverMiddleware = mw }
}

func withValidatorTB(tb testing.TB) harnessOption {
	return func(o *harnessOptions) { o.validatorTB = tb }
}

func withMaxRetries(n int) harnessOption { return func(o *harnessOptions) { o.maxRetries = n } }

func withRateLimit(rl authserver.RateLimit) harnessOption {
	return func(o *harnessOptions) { o.rateLimit = rl }
}

func withRetryWaits(lo, hi time.Duration) harnessOption {
	return func(o *harnessOptions) { o.minRetryWait, o.maxRetryWait = lo, hi }
}

func withClientTransport(wrap func(http.RoundTripper) http.RoundTripper) harnessOption {
	return func(o *harnessOptions) { o.wrap = wrap }
}

// harness is the real client talking to the real server, with the contract validated on
// both sides: the server runs behind validator.Handler, the client's requests go through
// validator.Transport.
type harness struct {
	t        *testing.T
	v        *contracttest.Validator
	clock    *authserver.ManualClock
	server   *authserver.Server
	ts       *httptest.Server
	client   *authclient.Client
	endpoint string       // ts.URL + "/v1"
	raw      *http.Client // net/http through the validating transport, for raw requests
}

func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	o := harnessOptions{maxRetries: 2, minRetryWait: time.Millisecond, maxRetryWait: 2 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	keys := testKeys()

	// New first: its cleanup reports after the server's cleanup has waited for handlers.
	var vtb testing.TB = t
	if o.validatorTB != nil {
		vtb = o.validatorTB
	}
	v := contracttest.New(vtb)
	clock := authserver.NewManualClock(t0)
	srv, err := authserver.New(authserver.Options{
		Clients: []authserver.ClientConfig{
			{
				ID:            clientA,
				Secret:        secretA,
				AllowedScopes: scopesA,
				DefaultScopes: defaultScopesA,
				OTPCodes:      otpCodesA,
				PublicKeysPEM: []string{publicKeyPEM(t, keys.rsa), publicKeyPEM(t, keys.ec), publicKeyPEM(t, keys.ed)},
			},
			{
				ID:            clientB,
				Secret:        secretB,
				AllowedScopes: []string{"tokens:read", "tokens:write"},
				DefaultScopes: []string{"tokens:read", "tokens:write"},
			},
		},
		Clock:     clock,
		RateLimit: o.rateLimit,
	})
	if err != nil {
		t.Fatalf("authserver.New: %v", err)
	}
	var handler http.Handler = srv
	if o.serverMiddleware != nil {
		handler = o.serverMiddleware(handler)
	}
	ts := httptest.NewServer(v.Handler(handler))
	t.Cleanup(ts.Close)

	defaultTransport, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		t.Fatalf("http.DefaultTransport is a %T", http.DefaultTransport)
	}
	base := defaultTransport.Clone()
	t.Cleanup(base.CloseIdleConnections)
	var rt = v.Transport(base)
	if o.wrap != nil {
		rt = o.wrap(rt)
	}
	client, err := authclient.New(authclient.Config{
		Endpoint:       ts.URL + "/v1",
		MaxRetries:     o.maxRetries,
		RequestTimeout: 10 * time.Second,
		MinRetryWait:   o.minRetryWait,
		MaxRetryWait:   o.maxRetryWait,
		Clock:          clock.Now,
		Transport:      rt,
	})
	if err != nil {
		t.Fatalf("authclient.New: %v", err)
	}
	return &harness{
		t:        t,
		v:        v,
		clock:    clock,
		server:   srv,
		ts:       ts,
		client:   client,
		endpoint: ts.URL + "/v1",
		raw:      &http.Client{Transport: v.Transport(base), Timeout: 10 * time.Second},
	}
}

func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

// issueLong issues a long-term token for client-a with its client secret.
func (h *harness) issueLong(scopes ...string) *authclient.LongTermToken {
	h.t.Helper()
	tok, err := h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{
		ClientID: clientA, StepUp: authclient.StepUp{ClientSecret: secretA}, Name: "test", Scopes: scopes,
	})
	if err != nil {
		h.t.Fatalf("IssueLongTermToken: %v", err)
	}
	return tok
}

// issueLongFor issues a long-term token for another client with its secret.
func (h *harness) issueLongFor(clientID, secret string) *authclient.LongTermToken {
	h.t.Helper()
	tok, err := h.client.IssueLongTermToken(h.ctx(), authclient.IssueLongTermTokenInput{
		ClientID: clientID, StepUp: authclient.StepUp{ClientSecret: secret},
	})
	if err != nil {
		h.t.Fatalf("IssueLongTermToken(%s): %v", clientID, err)
	}
	return tok
}

// issueShort exchanges long for a short-term token.
func (h *harness) issueShort(long string, scopes ...string) *authclient.ShortTermToken {
	h.t.Helper()
	tok, err := h.client.IssueShortTermToken(h.ctx(), authclient.IssueShortTermTokenInput{LongTermToken: long, Scopes: scopes})
	if err != nil {
		h.t.Fatalf("IssueShortTermToken: %v", err)
	}
	return tok
}

// longTokens lists the server's long-term token records.
func (h *harness) longTokens() []authserver.TokenRecord {
	var out []authserver.TokenRecord
	for _, r := range h.server.Tokens() {
		if r.Kind == authserver.KindLong {
			out = append(out, r)
		}
	}
	return out
}

// state returns the state of a token as the server sees it.
func (h *harness) state(id string) authserver.TokenState {
	h.t.Helper()
	rec, ok := h.server.Token(id)
	if !ok {
		h.t.Fatalf("server has no token %s", id)
	}
	return rec.State
}

// signAssertion signs a client assertion for client-a the way the contract describes it:
// iss = sub = client, aud = the absolute URL of issueLongTermToken, iat, exp, jti.
func (h *harness) signAssertion(key crypto.Signer, jti string) string {
	h.t.Helper()
	var method jwt.SigningMethod
	switch key.(type) {
	case *rsa.PrivateKey:
		method = jwt.SigningMethodRS256
	case *ecdsa.PrivateKey:
		method = jwt.SigningMethodES256
	case ed25519.PrivateKey:
		method = jwt.SigningMethodEdDSA
	default:
		h.t.Fatalf("unsupported key %T", key)
	}
	now := h.clock.Now()
	signed, err := jwt.NewWithClaims(method, jwt.MapClaims{
		"iss": clientA,
		"sub": clientA,
		"aud": h.endpoint + "/auth/tokens/long",
		"iat": now.Unix(),
		"exp": now.Add(2 * time.Minute).Unix(),
		"jti": jti,
	}).SignedString(key)
	if err != nil {
		h.t.Fatal(err)
	}
	return signed
}

// rawIssueLong sends a hand-made issueLongTermToken request through the validating
// transport and decodes the Error body of the answer.
func (h *harness) rawIssueLong(header map[string]string, body string) (status int, code string) {
	h.t.Helper()
	const path = "/auth/tokens/long"
	req, err := http.NewRequestWithContext(h.ctx(), http.MethodPost, h.endpoint+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := h.raw.Do(req)
	if err != nil {
		h.t.Fatalf("raw POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var e struct {
		Error string `json:"error"`
	}
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &e)
	return resp.StatusCode, e.Error
}

// requireAPIError checks that err is an *authclient.APIError with status and code, that
// errors.Is matches sentinel (when not nil), and that nothing in it quotes a secret.
func requireAPIError(t *testing.T, err error, status int, code string, sentinel error, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want HTTP %d %s", status, code)
	}
	var apiErr *authclient.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T) is not an *authclient.APIError", err, err)
	}
	if apiErr.StatusCode != status || apiErr.Code != code {
		t.Errorf("got HTTP %d %q, want HTTP %d %q (error: %v)", apiErr.StatusCode, apiErr.Code, status, code, err)
	}
	if apiErr.RequestID == "" {
		t.Errorf("APIError has no RequestID: %v", err)
	}
	if sentinel != nil && !errors.Is(err, sentinel) {
		t.Errorf("errors.Is(err, %v) = false for %v", sentinel, err)
	}
	for _, sentinelOther := range []error{authclient.ErrNotFound, authclient.ErrUnauthorized, authclient.ErrForbidden, authclient.ErrRateLimited, authclient.ErrConflict} {
		if sentinelOther != sentinel && errors.Is(err, sentinelOther) {
			t.Errorf("errors.Is(err, %v) = true for HTTP %d", sentinelOther, apiErr.StatusCode)
		}
	}
	for _, s := range append(secrets, secretA, secretB) {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error text quotes a secret: %v", err)
		}
	}
}

// attempt is one request the client sent, as seen under it.
type attempt struct {
	idempotencyKey string
	status         int // 0: no answer
	replayed       string
}

// attemptRecorder records every attempt of the client (it sits above the validating
// transport) so that a test can check retries and their Idempotency-Key.
type attemptRecorder struct {
	next http.RoundTripper

	mu       sync.Mutex
	attempts []attempt
}

func (r *attemptRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	a := attempt{idempotencyKey: req.Header.Get("Idempotency-Key")}
	if err == nil {
		a.status = resp.StatusCode
		a.replayed = resp.Header.Get("Idempotent-Replayed")
	}
	r.mu.Lock()
	r.attempts = append(r.attempts, a)
	r.mu.Unlock()
	return resp, err
}

func (r *attemptRecorder) all() []attempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]attempt(nil), r.attempts...)
}

// addOTPToIssue turns every issueLongTermToken request into one that carries a second
// step-up mechanism (an otp_code next to the client_secret): the contract's 400. The
// client cannot be made to send it, so a test that needs a 400 through the client edits
// the request on its way, before the validating transport.
type addOTPToIssue struct{ next http.RoundTripper }

func (t addOTPToIssue) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(req.URL.Path, "/auth/tokens/long") || req.Body == nil {
		return t.next.RoundTrip(req)
	}
	b, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		return nil, err
	}
	body["otp_code"] = otpCodesA[0]
	b, _ = json.Marshal(body)
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(b))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	out.ContentLength = int64(len(b))
	return t.next.RoundTrip(out)
}
