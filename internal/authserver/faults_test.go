package authserver

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFaultStatus(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fault Fault
		code  string
		retry string
	}{
		{Fault{Status: 429}, codeRateLimited, "1"},
		{Fault{Status: 503, RetryAfter: 7}, codeUnavailable, "7"},
		{Fault{Status: 500}, codeServerError, ""},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			h := newHarness(t)
			_, secret := h.mustLong("app")
			for _, op := range operations {
				h.srv.InjectFault(op, tc.fault)
			}
			calls := map[Operation]func() reply{
				OpIssueLong:  func() reply { return h.issueLong(longBody("app", appSecret)) },
				OpIssueShort: func() reply { return h.issueShort(secret, nil) },
				OpRevoke:     func() reply { return h.revoke(secret, h.srv.Tokens()[0].ID) },
			}
			h.srv.ResetCounts()
			for _, op := range operations {
				r := calls[op]()
				wantError(t, r, tc.fault.Status, tc.code)
				if got := r.header.Get("Retry-After"); got != tc.retry {
					t.Errorf("%s: Retry-After %q, want %q", op, got, tc.retry)
				}
				if got := h.srv.RequestCounts()[op]; got != 1 {
					t.Errorf("%s counted %d times", op, got)
				}
			}
			if n := len(h.srv.Tokens()); n != 1 || h.srv.Tokens()[0].State != StateActive {
				t.Errorf("faulted requests changed tokens: %+v", h.srv.Tokens())
			}
			// Faults apply once by default: now everything works.
			for _, op := range operations {
				if r := calls[op](); r.status >= 300 {
					t.Errorf("%s after the fault: %d %s", op, r.status, r.raw)
				}
			}
		})
	}
}

func TestFaultTimesOrderAndClear(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.srv.InjectFault(OpIssueLong, Fault{Status: 503, Times: 2})
	h.srv.InjectFault(OpIssueLong, Fault{Status: 429})
	want := []int{503, 503, 429, 201}
	for i, status := range want {
		if r := h.issueLong(longBody("app", appSecret)); r.status != status {
			t.Errorf("request %d: %d, want %d", i, r.status, status)
		}
	}
	h.srv.InjectFault(OpIssueLong, Fault{Status: 500, Times: 5})
	h.srv.InjectFault(OpIssueShort, Fault{Status: 500})
	h.srv.ClearFaults()
	if r := h.issueLong(longBody("app", appSecret)); r.status != 201 {
		t.Errorf("after ClearFaults: %d", r.status)
	}
}

func TestFaultDelayAbandoned(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.srv.InjectFault(OpIssueLong, Fault{Delay: 2 * time.Second})
	impatient := &http.Client{Timeout: 100 * time.Millisecond}
	start := time.Now()
	_, err := h.try(impatient, req{path: pathLong, body: longBody("app", appSecret),
		headers: map[string]string{"X-Client-Id": "app", "Idempotency-Key": "k"}})
	if err == nil {
		t.Fatal("the request did not time out")
	}
	// The handler notices that the client left and abandons the request, freeing the key.
	for {
		h.srv.mu.Lock()
		n := len(h.srv.idem.entries)
		h.srv.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Since(start) > 1500*time.Millisecond {
			t.Fatal("the abandoned request still holds its idempotency key")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(h.srv.Tokens()); n != 0 {
		t.Errorf("abandoned request minted %d tokens", n)
	}
	if r := h.issueLong(longBody("app", appSecret), "Idempotency-Key", "k"); r.status != 201 || r.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("retry: %d %s", r.status, r.raw)
	}
}

// hijackRecorder records whether the handler took over (and closed) the connection.
type hijackRecorder struct {
	*httptest.ResponseRecorder
	hijacked bool
}

func (w *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.hijacked = true
	server, client := net.Pipe()
	_ = client.Close()
	return server, bufio.NewReadWriter(bufio.NewReader(server), bufio.NewWriter(server)), nil
}

// TestFaultAbandonedClosesConnection: a request whose client left during the delay gets
// no answer at all, not the implicit 200 that net/http would send for a silent handler.
func TestFaultAbandonedClosesConnection(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.srv.InjectFault(OpRevoke, Fault{Delay: time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, pathTokenPrefix+"lt_ABCDEFGHIJKLMNOP"+pathRevokeSuffix, nil)
	w := &hijackRecorder{ResponseRecorder: httptest.NewRecorder()}
	h.srv.ServeHTTP(w, r)
	if !w.hijacked || w.Body.Len() != 0 {
		t.Fatalf("abandoned request: hijacked %v, body %q", w.hijacked, w.Body)
	}
	if !strings.Contains(h.logs.String(), "outcome=abandoned") {
		t.Errorf("no abandoned log line:\n%s", h.logs)
	}
}

func TestFaultDelayThenAnswer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.srv.InjectFault(OpIssueShort, Fault{Delay: 50 * time.Millisecond, Status: 503})
	_, secret := h.mustLong("app")
	start := time.Now()
	wantError(t, h.issueShort(secret, nil), 503, codeUnavailable)
	if time.Since(start) < 50*time.Millisecond {
		t.Error("no delay")
	}
}

// A held answer comes late, and the request took effect even when its client left meanwhile.
func TestFaultHold(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.srv.InjectFault(OpIssueLong, Fault{Hold: 50 * time.Millisecond, Times: 2})
	start := time.Now()
	if r := h.issueLong(longBody("app", appSecret)); r.status != 201 || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("held issuance: %d after %v", r.status, time.Since(start))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	gone := httptest.NewRequestWithContext(ctx, http.MethodPost, pathLong, strings.NewReader(mustJSON(longBody("app", appSecret))))
	gone.Header.Set("X-Client-Id", "app")
	gone.Header.Set("Content-Type", "application/json")
	h.srv.ServeHTTP(httptest.NewRecorder(), gone)
	if n := len(h.srv.ActiveTokens(KindLong)); n != 2 {
		t.Errorf("%d active tokens, want 2: a held request is processed whether its client waits or not", n)
	}
}

func TestFaultDropConnection(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.srv.InjectFault(OpIssueLong, Fault{DropConnection: true})
	// A fresh connection: Go's transport would silently retry a request carrying an
	// Idempotency-Key on a reused one.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	_, err := h.try(fresh, req{path: pathLong, body: longBody("app", appSecret),
		headers: map[string]string{"X-Client-Id": "app", "Idempotency-Key": "lost"}})
	if err == nil {
		t.Fatal("the client got an answer")
	}
	tokens := h.srv.Tokens()
	if len(tokens) != 1 || tokens[0].State != StateActive {
		t.Fatalf("tokens after the lost answer: %+v", tokens)
	}
	r := h.issueLong(longBody("app", appSecret), "Idempotency-Key", "lost")
	if r.status != 201 || r.header.Get("Idempotent-Replayed") != "true" || r.str("token_id") != tokens[0].ID {
		t.Fatalf("retry: %d %s", r.status, r.raw)
	}
	if r := h.issueShort(r.str("token"), nil); r.status != 201 {
		t.Errorf("the recovered token does not work: %d", r.status)
	}
}

func TestFaultAfterProcessing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, secret := h.mustLong("app")
	h.srv.InjectFault(OpIssueShort, Fault{Status: 500, AfterProcessing: true})
	wantError(t, h.issueShort(secret, nil, "Idempotency-Key", "k"), 500, codeServerError)
	if n := len(h.srv.ActiveTokens(KindShort)); n != 1 {
		t.Fatalf("%d short tokens after a 500 after processing", n)
	}
	r := h.issueShort(secret, nil, "Idempotency-Key", "k")
	if r.status != 201 || r.header.Get("Idempotent-Replayed") != "true" || r.str("token_id") != h.srv.ActiveTokens(KindShort)[0].ID {
		t.Fatalf("retry: %d %s", r.status, r.raw)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
