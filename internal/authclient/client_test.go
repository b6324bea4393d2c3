package authclient_test

import (
	"bytes"
	"context"
	"crypto"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

func TestNew_Endpoint(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"https://api.example.com/v1":   "https://api.example.com/v1",
		"https://api.example.com/v1/":  "https://api.example.com/v1",
		"http://127.0.0.1:8080":        "http://127.0.0.1:8080",
		"HTTPS://api.example.com/v1//": "https://api.example.com/v1",
	} {
		c, err := authclient.New(authclient.Config{Endpoint: raw})
		if err != nil {
			t.Errorf("New(%q): %v", raw, err)
			continue
		}
		if got := c.Endpoint(); got != want {
			t.Errorf("New(%q).Endpoint() = %q, want %q", raw, got, want)
		}
	}
}

func TestNew_Invalid(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]authclient.Config{
		"no endpoint":       {},
		"relative":          {Endpoint: "/v1"},
		"no scheme":         {Endpoint: "api.example.com/v1"},
		"ftp":               {Endpoint: "ftp://api.example.com"},
		"no host":           {Endpoint: "https:///v1"},
		"credentials":       {Endpoint: "https://user:pass@api.example.com"}, //nolint:gosec // G101: the test checks that credentials in the URL are refused
		"query":             {Endpoint: "https://api.example.com/v1?x=1"},
		"fragment":          {Endpoint: "https://api.example.com/v1#x"},
		"bad URL":           {Endpoint: "https://api.example.com/%zz"},
		"negative retries":  {Endpoint: "https://a.example", MaxRetries: -1},
		"negative timeout":  {Endpoint: "https://a.example", RequestTimeout: -1},
		"bad user agent":    {Endpoint: "https://a.example", UserAgent: "x\r\ny: z"},
		"CA garbage":        {Endpoint: "https://a.example", CACertPEM: "not a certificate"},
		"CA not a cert":     {Endpoint: "https://a.example", CACertPEM: pkcs8(edKey())},
		"CA corrupt cert":   {Endpoint: "https://a.example", CACertPEM: pemOf("CERTIFICATE", []byte("junk"))},
		"CA with transport": {Endpoint: "https://a.example", CACertPEM: "junk", Transport: http.DefaultTransport},
	} {
		if _, err := authclient.New(cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

func TestNew_CACertPEM(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { issueAnswers(w, r, 0) }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))

	c, err := authclient.New(authclient.Config{Endpoint: srv.URL + "/v1", CACertPEM: caPEM})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RevokeToken(context.Background(), longID, longSecret); err != nil {
		t.Fatalf("with the CA: %v", err)
	}

	// Without it the certificate is unknown: a permanent failure, not retried.
	c, err = authclient.New(authclient.Config{Endpoint: srv.URL + "/v1", MaxRetries: 4})
	if err != nil {
		t.Fatal(err)
	}
	err = c.RevokeToken(context.Background(), longID, longSecret)
	if err == nil || !strings.Contains(err.Error(), "certificate") || strings.Contains(err.Error(), "attempts") {
		t.Fatalf("without the CA: %v", err)
	}
}

// Calls share one client, as the provider's concurrent operations do.
func TestClient_ConcurrentCalls(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n%3 == 0 {
			status(http.StatusServiceUnavailable, "Retry-After", "0")(w, r)
			return
		}
		issueAnswers(w, r, n)
	})
	c := api.client(func(cfg *authclient.Config) { cfg.MaxRetries = 10 })
	keys := []crypto.Signer{rsaKey(), ecKey(), edKey()}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 10 {
		wg.Go(func() {
			for _, op := range operations {
				errs <- op.call(c)
			}
			ctx := tflogtest.RootLogger(context.Background(), &bytes.Buffer{})
			_, err := c.IssueLongTermToken(ctx, longInput(authclient.StepUp{PrivateKey: keys[i%3]}))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// Each attempt is logged in the auth_api subsystem with its facts; no header value and no
// secret (sent or received) appears in the logs.
func TestLogging(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &buf)
	api := newFakeAPI(t, failFirst(1, status(http.StatusBadGateway)))
	c := api.client()
	if _, err := c.IssueLongTermToken(ctx, longInput(authclient.StepUp{ClientSecret: clientSecret})); err != nil {
		t.Fatal(err)
	}
	if _, err := c.IssueShortTermToken(ctx, authclient.IssueShortTermTokenInput{LongTermToken: longSecret}); err != nil {
		t.Fatal(err)
	}
	if err := c.RevokeToken(ctx, shortID, shortSecret); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{clientSecret, longSecret, shortSecret, "Bearer"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
	entries, err := tflogtest.MultilineJSONDecode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var attempts []map[string]any
	for _, e := range entries {
		if e["@module"] != "provider.auth_api" {
			t.Errorf("log entry outside the auth_api subsystem: %v", e)
		}
		if e["@message"] == "Auth API request" {
			attempts = append(attempts, e)
		}
	}
	if len(attempts) != 4 {
		t.Fatalf("got %d attempt entries, want 4: %v", len(attempts), entries)
	}
	first, revoke := attempts[0], attempts[3]
	for k, want := range map[string]any{
		"operation": "issueLongTermToken", "method": "POST", "path": "/v1/auth/tokens/long",
		"status": 502.0, "attempt": 1.0, "idempotency_key": true,
	} {
		if first[k] != want {
			t.Errorf("first attempt %s = %v, want %v", k, first[k], want)
		}
	}
	if attempts[1]["attempt"] != 2.0 || attempts[1]["status"] != 201.0 {
		t.Errorf("second attempt = %v", attempts[1])
	}
	if revoke["path"] != "/v1/auth/tokens/"+shortID+"/revoke" || revoke["idempotency_key"] != false {
		t.Errorf("revoke attempt = %v", revoke)
	}
	for _, a := range attempts {
		if _, ok := a["duration_ms"].(float64); !ok || a["request_id"] == "" {
			t.Errorf("attempt entry lacks duration_ms or request_id: %v", a)
		}
	}
}
