package authclient

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// logSubsystem is the tflog subsystem of this package; its level can be set apart with
// TF_LOG_PROVIDER_AUTH_API.
const logSubsystem = "auth_api"

// call is one API operation with all its attempts. It is created per call and travels in
// the request context, so the shared http.Client holds no per-call state.
type call struct {
	op             string // contract operationId
	url            string
	header         http.Header
	body           []byte // nil: no body; the same bytes are sent by every attempt
	wantStatus     int
	requestID      string // suffixed with the attempt number on the wire
	idempotencyKey string
	secrets        []string // masked in logs and redacted from server messages

	// The caller's context, which attempts do not inherit (see send): Done and Err.
	callerDoneCh <-chan struct{}
	callerErr    func() error

	// Written by attemptTransport. Attempts of a call run one after another on the
	// goroutine that called Do, so no locking is needed.
	attempts int
	last     string // outcome of the latest attempt
	reached  bool   // some attempt got past connecting: the server may have acted on it
}

type callKey struct{}

func callFrom(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

// callerDone reports whether the caller's context has ended: no attempt may start.
func (c *call) callerDone() bool { return c.callerErr() != nil }

// pause waits d between attempts; it reports false when the caller's context ends first.
func (c *call) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return !c.callerDone()
	case <-c.callerDoneCh:
		return false
	}
}

// errAttemptNotSent is the error of an attempt that the end of the caller's context kept
// from starting.
var errAttemptNotSent = errors.New("not sent")

// retrySafe reports whether a 5xx or a lost connection may be retried: the server may have
// acted already, which is harmless only for revoke (idempotent by contract) and for
// requests that carry an Idempotency-Key.
func (c *call) retrySafe() bool {
	return c != nil && (c.op == opRevoke || c.idempotencyKey != "")
}

// newID returns a random identifier for request ids, idempotency keys and assertion jti.
func newID() string { return rand.Text() }

// NewIdempotencyKey returns a fresh random Idempotency-Key. A caller that must remember the
// key of a call, to replay it after a lost answer, takes one here and passes it in.
func NewIdempotencyKey() string { return newID() }

// idempotencyKey returns key, or a fresh random one when key is "".
func idempotencyKey(key string) (string, error) {
	switch {
	case key == "":
		return NewIdempotencyKey(), nil
	case len(key) > 255 || !validHeaderValue(key):
		return "", errors.New("IdempotencyKey must be at most 255 characters without control characters")
	}
	return key, nil
}

// logContext sets up the call's tflog subsystem with its secrets masked.
func logContext(ctx context.Context, secrets ...string) context.Context {
	ctx = tflog.NewSubsystem(ctx, logSubsystem,
		tflog.WithRootFields(), tflog.WithLevelFromEnv("TF_LOG_PROVIDER_AUTH_API"))
	return maskSecrets(ctx, secrets...)
}

// maskSecrets masks secrets in the subsystem's messages and field values.
func maskSecrets(ctx context.Context, secrets ...string) context.Context {
	var nonEmpty []string
	for _, s := range secrets {
		if s != "" { // masking "" would mangle every log line
			nonEmpty = append(nonEmpty, s)
		}
	}
	if len(nonEmpty) == 0 {
		return ctx
	}
	ctx = tflog.SubsystemMaskAllFieldValuesStrings(ctx, logSubsystem, nonEmpty...)
	return tflog.SubsystemMaskMessageStrings(ctx, logSubsystem, nonEmpty...)
}

// attemptTransport numbers, tags and logs each attempt. It sits under http.Client, so it
// sees every attempt retryablehttp makes.
type attemptTransport struct{ base http.RoundTripper }

func (t attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c := callFrom(req.Context())
	if c == nil {
		return t.base.RoundTrip(req)
	}
	if err := c.callerErr(); err != nil {
		return nil, fmt.Errorf("%w: %w", errAttemptNotSent, err) // the caller gave up before this attempt
	}
	c.attempts++
	requestID := c.requestID + "-" + strconv.Itoa(c.attempts)
	req = req.Clone(req.Context()) // a RoundTripper must not modify the caller's request
	req.Header.Set("X-Request-Id", requestID)

	// A request on a reused connection that breaks is resent by http.Transport on a new
	// one, within this attempt: a failed dial then follows a connection that may have
	// carried the request. Any connection obtained counts as reaching the server.
	var gotConn atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { gotConn.Store(true) },
	}))

	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	c.reached = c.reached || gotConn.Load() || !failedToConnect(err)
	fields := map[string]any{
		"operation":       c.op,
		"method":          req.Method,
		"path":            req.URL.Path,
		"attempt":         c.attempts,
		"request_id":      requestID,
		"idempotency_key": c.idempotencyKey != "",
		"duration_ms":     time.Since(start).Milliseconds(),
	}
	if err != nil {
		c.last = err.Error()
		fields["error"] = err.Error()
		tflog.SubsystemWarn(req.Context(), logSubsystem, "Auth API request failed", fields)
		return nil, err
	}
	c.last = "HTTP " + strconv.Itoa(resp.StatusCode)
	fields["status"] = resp.StatusCode
	if replayed := resp.Header.Get("Idempotent-Replayed"); replayed != "" {
		fields["idempotent_replayed"] = strings.EqualFold(replayed, "true")
	}
	tflog.SubsystemDebug(req.Context(), logSubsystem, "Auth API request", fields)
	return resp, nil
}

// failedToConnect reports an attempt whose last connection attempt failed to dial. Only
// with no connection obtained before it (see RoundTrip) was no byte of the request sent.
func failedToConnect(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// issuedToken is an answer of an issuance: it knows its secret and how to log itself.
type issuedToken interface {
	issued() (secret, message string, fields map[string]any)
}

// issue sends an issuance call and decodes its answer, the path both issuances share.
func issue[T issuedToken](ctx context.Context, c *Client, cl *call, decode func([]byte) (T, error)) (T, error) {
	var none T
	ctx = logContext(ctx, cl.secrets...)
	ans, err := c.send(ctx, cl)
	if err != nil {
		return none, err
	}
	tok, err := decode(ans.body)
	if err != nil {
		return none, ans.invalid(cl.op, err)
	}
	secret, message, fields := tok.issued()
	tflog.SubsystemDebug(maskSecrets(ctx, secret), logSubsystem, message, fields)
	return tok, nil
}
