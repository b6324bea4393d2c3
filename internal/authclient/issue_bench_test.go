//go:build unix

package authclient_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/example/terraform-provider-auth/internal/authclient"
	"github.com/example/terraform-provider-auth/internal/authserver"
)

// The benchmarks below measure what one API call costs the provider's process: the client
// over loopback against the local Auth API server (internal/authserver) running in another
// process, this test binary re-run as TestLoopbackServerProcess. The benchmark process's
// CPU time is then the client's alone: cpu-ns/op is its user+system time per request (the
// "HTTP cost" that make bench adds to the provider's CPU allowance), ns/op the round trip's
// wall time, B/op and allocs/op the client's.

const (
	loopbackServerEnv = "AUTHCLIENT_LOOPBACK_SERVER"
	loopbackClientID  = "bench"
	loopbackSecret    = "cs-benchSECRET0001" //nolint:gosec // G101: a made-up credential of a throwaway server
)

// TestLoopbackServerProcess is the benchmarks' server process, not a test: it serves the
// local server on 127.0.0.1 until its stdin closes.
func TestLoopbackServerProcess(t *testing.T) {
	if os.Getenv(loopbackServerEnv) != "1" {
		t.Skip("the server process of the loopback benchmarks")
	}
	srv, err := authserver.New(authserver.Options{
		Clients: []authserver.ClientConfig{{
			ID: loopbackClientID, Secret: loopbackSecret,
			AllowedScopes: []string{"bench:read"}, DefaultScopes: []string{"bench:read"},
		}},
		RateLimit: authserver.RateLimit{PerSecond: -1},
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	fmt.Printf("ENDPOINT=http://%s%s\n", ln.Addr(), authserver.APIPrefix)
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = hs.Close()
}

// loopbackClient starts the server process and returns a client configured as the
// provider configures it by default.
func loopbackClient(b *testing.B) *authclient.Client {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoopbackServerProcess$") //nolint:gosec // G204: this test binary
	cmd.Env = append(os.Environ(), loopbackServerEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	endpoint, ok := strings.CutPrefix(strings.TrimSpace(line), "ENDPOINT=")
	if err != nil || !ok {
		b.Fatalf("server process printed %q: %v", line, err)
	}
	c, err := authclient.New(authclient.Config{Endpoint: endpoint, MaxRetries: 4, UserAgent: "terraform-provider-auth/bench"})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// issueInput is what auth_long_term_token sends for a bench resource: a name, the
// default lifetime, the client's default scopes, a fresh Idempotency-Key.
func issueInput() authclient.IssueLongTermTokenInput {
	return authclient.IssueLongTermTokenInput{
		ClientID:       loopbackClientID,
		StepUp:         authclient.StepUp{ClientSecret: loopbackSecret},
		Name:           "bench-n400-123",
		TTLDays:        90,
		IdempotencyKey: authclient.NewIdempotencyKey(),
	}
}

// cpuTime is this process's user+system time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIssueLongTermToken is one issuance (client_secret): building the request, one
// pooled HTTP round trip, strict decoding.
func BenchmarkIssueLongTermToken(b *testing.B) {
	c := loopbackClient(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime(b)
	for range b.N {
		tok, err := c.IssueLongTermToken(ctx, issueInput())
		if err != nil {
			b.Fatal(err)
		}
		if !authclient.IsLongTermTokenID(tok.TokenID) {
			b.Fatalf("token id %q", tok.TokenID)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkRevokeToken is one revocation of a long-term token with its own secret, as
// auth_long_term_token's delete does; the tokens are issued before the clock starts.
func BenchmarkRevokeToken(b *testing.B) {
	c := loopbackClient(b)
	ctx := context.Background()
	tokens := make([]*authclient.LongTermToken, b.N)
	for i := range tokens {
		var err error
		if tokens[i], err = c.IssueLongTermToken(ctx, issueInput()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime(b)
	for _, tok := range tokens {
		if err := c.RevokeToken(ctx, tok.TokenID, tok.Token); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}
