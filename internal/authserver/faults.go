package authserver

import (
	"net/http"
	"time"
)

// Fault makes the next requests of one operation misbehave, to test clients' retries
// and timeouts. Faults are taken before the rate limiter and idempotency handling.
type Fault struct {
	// Status 429, 503 or 500 is answered instead of processing (nothing is minted), with
	// the contract's error body; 429 and 503 carry Retry-After. Any other value answers
	// 500. With AfterProcessing the request is processed fully (token minted, idempotent
	// answer stored) and Status is answered instead of the real answer.
	Status int
	// RetryAfter is the Retry-After in seconds (0 means 1).
	RetryAfter int
	// Delay is slept before processing (real time, not the server's clock). If the
	// client goes away meanwhile, the request is abandoned unprocessed.
	Delay time.Duration
	// Hold keeps the answer of a processed request back for this long (real time), whatever
	// the client does meanwhile: the server has acted, like a slow one, and a client that
	// gives up in the meantime never learns the outcome.
	Hold time.Duration
	// DropConnection processes the request fully (token minted, idempotent answer
	// stored), then closes the connection without answering: "the answer was lost".
	// It takes precedence over Status.
	DropConnection bool
	// AfterProcessing: see Status.
	AfterProcessing bool
	// Times is how many requests the fault applies to; 0 means 1.
	Times int
}

type queuedFault struct {
	fault     Fault
	remaining int
}

// InjectFault queues a fault for the next f.Times requests of op. Faults apply in the
// order they were injected.
func (s *Server) InjectFault(op Operation, f Fault) {
	n := max(f.Times, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[op] = append(s.faults[op], &queuedFault{fault: f, remaining: n})
}

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// takeFault dequeues the fault for one request of op (zero Fault if none). Callers
// hold s.mu.
func (s *Server) takeFault(op Operation) Fault {
	q := s.faults[op]
	if len(q) == 0 {
		return Fault{}
	}
	head := q[0]
	head.remaining--
	if head.remaining <= 0 {
		s.faults[op] = q[1:]
	}
	return head.fault
}

// faultError is the contract error that a fault answers with.
func faultError(f Fault) *apiError {
	retry := max(f.RetryAfter, 1)
	switch f.Status {
	case http.StatusTooManyRequests:
		return withRetryAfter(newError(f.Status, codeRateLimited, "rate limit exceeded (injected fault)"), retry)
	case http.StatusServiceUnavailable:
		return withRetryAfter(newError(f.Status, codeUnavailable, "service unavailable (injected fault)"), retry)
	default:
		return newError(http.StatusInternalServerError, codeServerError, "internal error (injected fault)")
	}
}

// validFaultStatus reports whether status can be injected.
func validFaultStatus(status int) bool {
	switch status {
	case 0, http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusServiceUnavailable:
		return true
	}
	return false
}

// dropConnection closes the client connection without writing an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// HTTP/2 or a recorder: aborting the handler resets the stream instead.
	panic(http.ErrAbortHandler)
}
