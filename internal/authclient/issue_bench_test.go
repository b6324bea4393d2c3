package authclient_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

// BenchmarkIssueLongTermToken measures the client's issue path end to end: building and
// signing nothing (client_secret), one pooled HTTP round trip to an httptest server that
// answers a canned 201, strict decoding. The in-process server's allocations count too.
func BenchmarkIssueLongTermToken(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		reply(w, http.StatusCreated, longResponseBody)
	}))
	defer srv.Close()
	c, err := authclient.New(authclient.Config{Endpoint: srv.URL + "/v1", UserAgent: "terraform-provider-auth/bench"})
	if err != nil {
		b.Fatal(err)
	}
	in := authclient.IssueLongTermTokenInput{
		ClientID: clientID,
		StepUp:   authclient.StepUp{ClientSecret: clientSecret},
		Name:     "bench",
		Scopes:   []string{"tokens:read"},
		TTLDays:  30,
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		tok, err := c.IssueLongTermToken(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		if tok.TokenID != longID {
			b.Fatalf("token id %q, want %q", tok.TokenID, longID)
		}
	}
}
