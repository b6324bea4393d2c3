package authserver

import (
	"math"
	"net/http"
	"time"
)

// RateLimit configures the per-client token bucket. Buckets refill by real monotonic time,
// never by the server's Clock: a rate limit is about load over real time, and a ManualClock
// that stands still would otherwise never refill. The zero value means the default of 200
// requests per second with a burst of 400; Burst 0 with a PerSecond set means twice
// PerSecond; a negative PerSecond disables limiting.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

const (
	defaultRatePerSecond = 200
	defaultRateBurst     = 400
)

// rateLimiter keeps one token bucket per client id. Callers hold s.mu.
type rateLimiter struct {
	rate    float64 // tokens per second; <= 0 disables
	burst   float64
	buckets map[string]*bucket
	// now reads real time with its monotonic component, so that setting the wall clock
	// (or the server's Clock) neither refills nor drains a bucket; tests replace it.
	now func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(cfg RateLimit) *rateLimiter {
	l := &rateLimiter{buckets: map[string]*bucket{}, now: time.Now}
	switch {
	case cfg.PerSecond < 0:
		return l // rate 0: disabled
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
func (l *rateLimiter) allow(key string) (ok bool, retryAfter int) {
	if l.rate <= 0 {
		return true, 0
	}
	now := l.now()
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+elapsed.Seconds()*l.rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, max(1, int(math.Ceil((1-b.tokens)/l.rate)))
}

// rateLimit answers 429 when the bucket of key (a client id) is empty, else nil, and
// counts the refusal against the call's operation.
func (s *Server) rateLimit(c *call, key string) *apiError {
	s.mu.Lock()
	ok, retry := s.limiter.allow(key)
	if !ok {
		s.rateLimited[c.op]++
	}
	s.mu.Unlock()
	if ok {
		return nil
	}
	return withRetryAfter(newError(http.StatusTooManyRequests, codeRateLimited,
		"rate limit exceeded for client %q", key), retry)
}

// RateLimitedCounts returns how many requests of each operation the rate limiter refused
// with 429 (injected 429 faults are not counted here).
func (s *Server) RateLimitedCounts() map[Operation]int {
	return s.countsOf(s.rateLimited)
}
