package authclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryPolicy decides whether and when a call tries again. Its check is the
// retryablehttp.CheckRetry of every call, and it also waits out the backoff there (the
// retryablehttp.Backoff is zero): a caller that gives up during the wait then ends the call
// with the last attempt's answer, not a bare context error, and no attempt starts after it.
type retryPolicy struct {
	maxRetries int
	lo, hi     time.Duration // the backoff's base and cap
}

// check reports whether to retry, after waiting the backoff. When the caller's context has
// ended (Terraform stopped the provider, or the operation's timeout passed), or ends during
// the wait, nothing more is sent: the call ends with the attempt that ran.
func (p retryPolicy) check(ctx context.Context, resp *http.Response, err error) (bool, error) {
	c := callFrom(ctx)
	if c == nil || c.callerDone() || !retryable(c, resp, err) || c.attempts > p.maxRetries {
		return false, nil
	}
	return c.pause(backoff(p.lo, p.hi, c.attempts-1, resp)), nil
}

// noWait is the retryablehttp.Backoff: retryPolicy.check has waited already.
func noWait(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 }

// retryable applies the contract: 429 and 503 may always be retried; a 5xx or a lost
// connection may have taken effect, so those are retried only when the call is safe to
// repeat; no other 4xx is ever retried.
func retryable(c *call, resp *http.Response, err error) bool {
	safe := c.retrySafe()
	if err != nil {
		// With a response, err comes from reading its body (see bufferBody), and the status
		// was already judged not retryable. A success cut short is retried like a lost
		// connection: the replay under the same Idempotency-Key returns the same token.
		if resp != nil && (resp.StatusCode >= 400 || errors.Is(err, errBodyTooLarge)) {
			return false
		}
		return safe && !permanent(err)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return safe
	}
	return false
}

// permanent reports transport errors that a retry cannot fix.
func permanent(err error) bool {
	var (
		verifyErr    *tls.CertificateVerificationError
		recordErr    tls.RecordHeaderError
		authorityErr x509.UnknownAuthorityError
		hostnameErr  x509.HostnameError
		invalidErr   x509.CertificateInvalidError
	)
	return errors.As(err, &verifyErr) || errors.As(err, &recordErr) || errors.As(err, &authorityErr) ||
		errors.As(err, &hostnameErr) || errors.As(err, &invalidErr)
}

// backoff is the retryablehttp.Backoff of every call: exponential from lo with jitter, never
// more than hi. For 429 and 503 the server's Retry-After is the least wait.
func backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	wait := lo
	for i := 0; i < attempt && wait < hi; i++ {
		if wait > hi/2 {
			wait = hi // doubling would pass the cap (or overflow)
		} else {
			wait *= 2
		}
	}
	wait = min(wait, hi)
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if after, ok := retryAfter(resp.Header.Get("Retry-After"), hi); ok {
			// Clients refused in the same second are told the same Retry-After: waiting
			// exactly that long brings them back together to be refused together again.
			// Growing past it and jitter above it spread them out.
			wait = max(wait, after)
			return min(hi, wait+rand.N(wait/2+1)) //nolint:gosec // G404: jitter needs no unpredictability
		}
	}
	// Jitter in [wait/2, wait] spreads the retries of concurrent operations.
	return wait/2 + rand.N(wait/2+1) //nolint:gosec // G404: jitter needs no unpredictability
}

// retryAfter parses the contract's Retry-After (integer seconds), capped at hi.
func retryAfter(header string, hi time.Duration) (time.Duration, bool) {
	secs, err := strconv.ParseInt(strings.TrimSpace(header), 10, 64)
	if err != nil || secs < 0 {
		return 0, false
	}
	if secs > int64(hi/time.Second) {
		return hi, true
	}
	return time.Duration(secs) * time.Second, true
}
