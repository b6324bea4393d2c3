package authclient_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

// The tests that close their server's port are not parallel: each counts on the port refusing
// connections, and a parallel test's new listener could take it. Go runs them before any
// parallel test.

// A call whose every attempt failed to connect cannot have been processed: the provider
// reports it as a plain failure instead of an outcome in doubt (no placeholder, no replay).
func TestErrNotSent_EveryAttemptRefused(t *testing.T) {
	for _, op := range operations {
		t.Run(op.name, func(t *testing.T) {
			api := newFakeAPI(t, issueAnswers)
			c := api.client()
			api.srv.Close() // the port now refuses connections
			err := op.call(c)
			if !errors.Is(err, authclient.ErrNotSent) {
				t.Errorf("err = %v; want errors.Is ErrNotSent", err)
			}
			if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "after 5 attempts") {
				t.Errorf("err = %v; want the cause and the attempts", err)
			}
		})
	}
}

// Once one attempt reached the server, later refusals do not make the call unsent: the
// first attempt may have minted a token.
func TestErrNotSent_EarlierAttemptReachedTheServer(t *testing.T) {
	for _, op := range operations {
		t.Run(op.name, func(t *testing.T) {
			var api *fakeAPI
			api = newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				_ = api.srv.Listener.Close() // every later attempt is refused
				hangUp(w, r)
			})
			err := op.call(api.client())
			if err == nil || errors.Is(err, authclient.ErrNotSent) {
				t.Errorf("err = %v; want a failure that is not ErrNotSent", err)
			}
			if n := len(api.requests()); n != 1 {
				t.Errorf("the server saw %d requests, want 1", n)
			}
		})
	}
}

// On a reused keep-alive connection that breaks, http.Transport resends the request (it
// carries an Idempotency-Key) on a new connection within the same attempt; when that dial
// fails, the attempt's error is a dial error, yet the server may have acted on the request.
func TestErrNotSent_ReusedConnectionBrokeThenRefused(t *testing.T) {
	for _, op := range operations {
		t.Run(op.name, func(t *testing.T) {
			var api *fakeAPI
			api = newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 0 {
					issueAnswers(w, r, n) // leaves an idle keep-alive connection in the client's pool
					return
				}
				_ = api.srv.Listener.Close() // the resend and every later attempt are refused
				hangUp(w, r)
			})
			c := api.client()
			if err := op.call(c); err != nil {
				t.Fatalf("first call: %v", err)
			}
			err := op.call(c)
			if err == nil || errors.Is(err, authclient.ErrNotSent) {
				t.Errorf("err = %v; want a failure that is not ErrNotSent", err)
			}
			if n := len(api.requests()); n != 2 {
				t.Errorf("the server saw %d requests, want 2 (one per call)", n)
			}
		})
	}
}

// An error answer reached the server, obviously.
func TestErrNotSent_AnswerIsNotUnsent(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) { status(http.StatusBadRequest)(w, r) })
	if err := operations[0].call(api.client()); err == nil || errors.Is(err, authclient.ErrNotSent) {
		t.Errorf("err = %v; want a failure that is not ErrNotSent", err)
	}
}
