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
var operations = []operation{
	{"issueLongTermToken", func(ctx context.Context, c *authclient.Client) error {
		_, err := c.IssueLongTermToken(ctx, longInput(authclient.StepUp{ClientSecret: clientSecret}))
		return err
	}},
	{"issueShortTermToken", func(ctx context.Context, c *authclient.Client) error {
		_, err := c.IssueShortTermToken(ctx, authclient.IssueShortTermTokenInput{LongTermToken: longSecret})
		return err
	}},
	{"revokeToken", func(ctx context.Context, c *authclient.Client) error {
		return c.RevokeToken(ctx, longID, longSecret)
	}},
}

type operation struct {
	name        string
	callContext func(context.Context, *authclient.Client) error
}

func (op operation) call(c *authclient.Client) error { return op.callContext(context.Background(), c) }

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

// When the caller's context ends (Terraform stopped the provider, or the operation's
// timeout passed), nothing more is sent, but the attempt under way runs to its end, bounded
// by the request timeout: its outcome is then known instead of in doubt.
func TestRetry_StopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	issue := func(c *authclient.Client, ctx context.Context) error {
		_, err := c.IssueLongTermToken(ctx, longInput(authclient.StepUp{ClientSecret: clientSecret}))
		return err
	}
	t.Run("during the wait", func(t *testing.T) {
		t.Parallel()
		api := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			reply(w, http.StatusServiceUnavailable, errorBody("unavailable", "later"), "Retry-After", "30")
		})
		c := api.client(func(cfg *authclient.Config) { cfg.MaxRetryWait = time.Minute })
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		err := issue(c, ctx)
		if elapsed := time.Since(start); elapsed > time.Second {
			t.Errorf("returned after %v", elapsed)
		}
		// The call ends with the answer the server gave, a refusal: not an outcome in doubt.
		var apiErr *authclient.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable || !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want the HTTP 503 and context.Canceled", err)
		}
		if !strings.Contains(err.Error(), "HTTP 503 unavailable: later") || !strings.Contains(err.Error(), "(after 1 attempt; no further attempt: context canceled)") {
			t.Errorf("error = %v", err)
		}
		if n := len(api.requests()); n != 1 {
			t.Errorf("the server saw %d requests, want 1", n)
		}
	})
	t.Run("during an attempt that succeeds", func(t *testing.T) {
		t.Parallel()
		api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
			time.Sleep(300 * time.Millisecond) // the server acts on the request whatever the client does
			issueAnswers(w, r, n)
		})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		if err := issue(api.client(), ctx); err != nil {
			t.Fatalf("the attempt under way was not allowed to finish: %v", err)
		}
	})
	t.Run("during an attempt that fails", func(t *testing.T) {
		t.Parallel()
		api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			time.Sleep(200 * time.Millisecond)
			status(http.StatusBadGateway)(w, r)
		})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		err := api.client().RevokeToken(ctx, longID, longSecret)
		if !strings.Contains(fmt.Sprint(err), "HTTP 502") || !errors.Is(err, context.Canceled) || errors.Is(err, authclient.ErrNotSent) {
			t.Fatalf("err = %v, want the HTTP 502, context.Canceled, and not ErrNotSent", err)
		}
		if n := len(api.requests()); n != 1 {
			t.Errorf("the server saw %d requests, want 1: no retry after the stop", n)
		}
	})
	t.Run("an attempt is still bounded by the request timeout", func(t *testing.T) {
		t.Parallel()
		api := newFakeAPI(t, func(_ http.ResponseWriter, r *http.Request, _ int) {
			<-r.Context().Done() // hang until the client gives up
		})
		c := api.client(func(cfg *authclient.Config) { cfg.RequestTimeout = 300 * time.Millisecond })
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		err := issue(c, ctx)
		if elapsed := time.Since(start); elapsed < 250*time.Millisecond || elapsed > 2*time.Second {
			t.Errorf("returned after %v, want about the request timeout (300ms)", elapsed)
		}
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, authclient.ErrNotSent) {
			t.Fatalf("err = %v, want a timeout of a request that was sent", err)
		}
		if n := len(api.requests()); n != 1 {
			t.Errorf("the server saw %d requests, want 1", n)
		}
	})
	t.Run("past the operation's deadline", func(t *testing.T) {
		t.Parallel()
		api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 0 {
				status(http.StatusBadGateway)(w, r)
				return
			}
			time.Sleep(300 * time.Millisecond)
			issueAnswers(w, r, n)
		})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := issue(api.client(), ctx); err != nil {
			t.Fatalf("the retry under way when the deadline passed was not allowed to finish: %v", err)
		}
		if n := len(api.requests()); n != 2 {
			t.Errorf("the server saw %d requests, want 2", n)
		}
	})
	t.Run("before the call", func(t *testing.T) {
		t.Parallel()
		api := newFakeAPI(t, issueAnswers)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		for _, op := range operations {
			err := op.callContext(ctx, api.client())
			if !errors.Is(err, authclient.ErrNotSent) || !errors.Is(err, context.Canceled) || !strings.Contains(fmt.Sprint(err), op.name+": not sent: context canceled") {
				t.Errorf("%s: err = %v, want ErrNotSent and context.Canceled", op.name, err)
			}
		}
		if n := len(api.requests()); n != 0 {
			t.Errorf("the server saw %d requests, want none", n)
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
