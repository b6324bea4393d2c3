package authserver

import (
	"math"
	"net/http"
	"time"
)

// RateLimit configures the per-client token bucket, refilled by the server's Clock (a
// ManualClock that does not move refills nothing). The zero value means the default of
// 200 requests per second with a burst of 400; Burst 0 with a PerSecond set means twice
// PerSecond; a negative PerSecond disables limiting.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

const (
	defaultRatePerSecond = 200
	defaultRateBurst     = 400
)

// rateLimiter keeps one token bucket per client id, refilled by the server's clock so
// that tests with a ManualClock are deterministic. Callers hold s.mu.
type rateLimiter struct {
	rate     float64 // tokens per second; <= 0 disables
	burst    float64
	buckets  map[string]*bucket
	disabled bool
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(cfg RateLimit) *rateLimiter {
	l := &rateLimiter{buckets: map[string]*bucket{}}
	switch {
	case cfg.PerSecond < 0:
		l.disabled = true
		return l
	case cfg.PerSecond == 0:
		l.rate = defaultRatePerSecond
	default:
		l.rate = cfg.PerSecond
	}
	switch {
	case cfg.Burst > 0:
		l.burst = float64(cfg.Burst)
	case cfg.PerSecond == 0:
		l.burst = defaultRateBurst
	default:
		l.burst = max(1, math.Ceil(2*l.rate))
	}
	return l
}

// allow takes one token from key's bucket. When the bucket is empty it returns the
// whole seconds until a token is available.
func (l *rateLimiter) allow(key string, now time.Time) (ok bool, retryAfter int) {
	if l.disabled {
		return true, 0
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+elapsed.Seconds()*l.rate)
	}
	b.last = now // a clock set backwards just stops the refill for a while
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, max(1, int(math.Ceil((1-b.tokens)/l.rate)))
}

// rateLimit answers 429 when the client's bucket is empty, else nil.
func (s *Server) rateLimit(clientID string) *apiError {
	s.mu.Lock()
	ok, retry := s.limiter.allow(clientID, s.now())
	s.mu.Unlock()
	if ok {
		return nil
	}
	return withRetryAfter(newError(http.StatusTooManyRequests, codeRateLimited,
		"rate limit exceeded for client %q", clientID), retry)
}
