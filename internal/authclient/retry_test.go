package authclient_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

// operations runs each operation once against api, so a retry rule is checked for all.
var operations = []struct {
	name string
	call func(*authclient.Client) error
}{
	{"issueLongTermToken", func(c *authclient.Client) error {
		_, err := c.IssueLongTermToken(context.Background(), longInput(authclient.StepUp{ClientSecret: clientSecret}))
		return err
	}},
	{"issueShortTermToken", func(c *authclient.Client) error {
		_, err := c.IssueShortTermToken(context.Background(), authclient.IssueShortTermTokenInput{LongTermToken: longSecret})
		return err
	}},
	{"revokeToken", func(c *authclient.Client) error {
		return c.RevokeToken(context.Background(), longID, longSecret)
	}},
}

func TestRetry_RetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, failFirst(1, status(http.StatusTooManyRequests, "Retry-After", "1")))
	c := api.client(func(cfg *authclient.Config) { cfg.MaxRetryWait = 5 * time.Second })
	if _, err := c.IssueShortTermToken(context.Background(), authclient.IssueShortTermTokenInput{LongTermToken: longSecret}); err != nil {
		t.Fatal(err)
	}
	reqs := api.requests()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want 2", len(reqs))
	}
	if wait := reqs[1].At.Sub(reqs[0].At); wait < 950*time.Millisecond || wait > 3*time.Second {
		t.Errorf("waited %v between attempts, want about 1s", wait)
	}
}

func TestRetry_MaxRetryWaitCapsRetryAfter(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, failFirst(2, status(http.StatusServiceUnavailable, "Retry-After", "3600")))
	start := time.Now()
	if err := api.client().RevokeToken(context.Background(), longID, longSecret); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("took %v; Retry-After should be capped by MaxRetryWait (20ms)", elapsed)
	}
	if n := len(api.requests()); n != 3 {
		t.Errorf("got %d requests, want 3", n)
	}
}

func TestRetry_OtherClientErrorsNotRetried(t *testing.T) {
	t.Parallel()
	for _, code := range []int{400, 401, 403, 404, 409, 422} {
		for _, op := range operations {
			t.Run(fmt.Sprintf("%d/%s", code, op.name), func(t *testing.T) {
				// 409 request_in_progress carries Retry-After, and still must not be retried.
				api := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
					reply(w, code, errorBody("invalid_request", "no"), "Retry-After", "0")
				})
				err := op.call(api.client())
				var apiErr *authclient.APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != code {
					t.Fatalf("err = %v, want *APIError with status %d", err, code)
				}
				if n := len(api.requests()); n != 1 {
					t.Errorf("got %d requests, want 1", n)
				}
			})
		}
	}
}

func TestRetry_ServerErrorsRetriedWithSameIdempotencyKey(t *testing.T) {
	t.Parallel()
	for _, code := range []int{500, 502, 504, 503, 429} {
		for _, op := range operations {
			t.Run(fmt.Sprintf("%d/%s", code, op.name), func(t *testing.T) {
				api := newFakeAPI(t, failFirst(2, status(code)))
				if err := op.call(api.client()); err != nil {
					t.Fatal(err)
				}
				reqs := api.requests()
				if len(reqs) != 3 {
					t.Fatalf("got %d requests, want 3", len(reqs))
				}
				for _, r := range reqs[1:] {
					if r.Header.Get("Idempotency-Key") != reqs[0].Header.Get("Idempotency-Key") {
						t.Error("Idempotency-Key changed across retries")
					}
				}
			})
		}
	}
}

func TestRetry_TransportErrorRetried(t *testing.T) {
	t.Parallel()
	for _, op := range operations {
		t.Run(op.name, func(t *testing.T) {
			api := newFakeAPI(t, failFirst(1, hangUp))
			if err := op.call(api.client()); err != nil {
				t.Fatal(err)
			}
			if n := len(api.requests()); n < 2 {
				t.Errorf("got %d requests, want a retry", n)
			}
		})
	}
}

// A connection lost in the middle of the body is a transport error too: the 201 may have
// minted a token, and only the replay under the same key gets it back.
func TestRetry_TruncatedBodyRetried(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, failFirst(1, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(longResponseBody)))
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(longResponseBody[:20]))
		hangUpAfterWrite(w)
	}))
	tok, err := api.client().IssueLongTermToken(context.Background(), longInput(authclient.StepUp{ClientSecret: clientSecret}))
	if err != nil {
		t.Fatal(err)
	}
	if tok.TokenID != longID || len(api.requests()) != 2 {
		t.Errorf("token %q after %d requests", tok.TokenID, len(api.requests()))
	}
}

func hangUpAfterWrite(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil {
		panic(err)
	}
	conn, buf, err := rc.Hijack()
	if err != nil {
		panic(err)
	}
	_ = buf.Flush()
	_ = conn.Close()
}

func TestRetry_AttemptTimeoutRetried(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, failFirst(1, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	c := api.client(func(cfg *authclient.Config) { cfg.RequestTimeout = 200 * time.Millisecond })
	start := time.Now()
	if _, err := c.IssueLongTermToken(context.Background(), longInput(authclient.StepUp{ClientSecret: clientSecret})); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("took %v; the first attempt should time out after 200ms", elapsed)
	}
}

func TestRetry_StopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	t.Run("during the wait", func(t *testing.T) {
		api := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			reply(w, http.StatusServiceUnavailable, errorBody("unavailable", "later"), "Retry-After", "30")
		})
		c := api.client(func(cfg *authclient.Config) { cfg.MaxRetryWait = time.Minute })
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.IssueLongTermToken(ctx, longInput(authclient.StepUp{ClientSecret: clientSecret}))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if elapsed := time.Since(start); elapsed > time.Second {
			t.Errorf("returned after %v", elapsed)
		}
		if !strings.Contains(err.Error(), "issueLongTermToken: context canceled (after 1 attempt, last: HTTP 503)") {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("during an attempt", func(t *testing.T) {
		api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 0 {
				status(http.StatusBadGateway)(w, r)
				return
			}
			<-r.Context().Done() // hang until the client gives up
		})
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := api.client().RevokeToken(ctx, longID, longSecret)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("returned after %v", elapsed)
		}
		// After retries the error tells how many attempts ran and what the server said.
		if !strings.Contains(err.Error(), "after 2 attempts") || !strings.Contains(err.Error(), "HTTP 502") {
			t.Errorf("error = %v", err)
		}
	})
}

func TestRetry_MaxRetriesBoundsAttempts(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		maxRetries int
		failure    func(http.ResponseWriter, *http.Request)
		wantInErr  string
	}{
		{0, status(http.StatusServiceUnavailable), "HTTP 503"},
		{2, status(http.StatusServiceUnavailable), "HTTP 503"},
		{3, status(http.StatusInternalServerError), "HTTP 500"},
		{2, hangUp, "EOF"},
	} {
		t.Run(fmt.Sprintf("%d retries %s", tt.maxRetries, tt.wantInErr), func(t *testing.T) {
			api := newFakeAPI(t, failFirst(100, tt.failure))
			c := api.client(func(cfg *authclient.Config) { cfg.MaxRetries = tt.maxRetries })
			_, err := c.IssueLongTermToken(context.Background(), longInput(authclient.StepUp{ClientSecret: clientSecret}))
			attempts := tt.maxRetries + 1
			if n := len(api.requests()); n != attempts {
				t.Errorf("got %d requests, want %d", n, attempts)
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantInErr) || !strings.Contains(err.Error(), "issueLongTermToken") {
				t.Fatalf("err = %v", err)
			}
			if attempts > 1 && !strings.Contains(err.Error(), fmt.Sprintf("after %d attempts", attempts)) {
				t.Errorf("error does not count the attempts: %v", err)
			}
		})
	}
}
