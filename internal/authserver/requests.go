package authserver

import (
	"slices"
	"sync"
	"time"
)

// Outcome is how a request ended when it did not end with a plain answer.
type Outcome string

const (
	// OutcomeFault: an injected fault's status was answered instead of, or after, processing.
	OutcomeFault Outcome = "fault"
	// OutcomeDropped: processed, then the connection closed without an answer.
	OutcomeDropped Outcome = "dropped"
	// OutcomeAbandoned: the client went away first; nothing was processed.
	OutcomeAbandoned Outcome = "abandoned"
)

// RequestRecord is what the server saw of one request, for tests that ask more than the
// counts: the fields of its log line, structured. Like the log line it holds ids and
// outcomes only, never a credential, a header value or a body.
type RequestRecord struct {
	// Seq numbers the requests from 1, in the order they finished.
	Seq int
	// Time is the server's clock when the request finished.
	Time time.Time
	// Operation is "" for a path outside the contract.
	Operation Operation
	// Status is the HTTP status answered; 0 when none was (dropped or abandoned).
	Status int
	// Error is the contract's error code answered; "" for a success.
	Error string
	// Outcome is "" for a plain answer.
	Outcome  Outcome
	Replayed bool
	// IdempotencyKey reports whether the request carried an Idempotency-Key.
	IdempotencyKey bool
	// RequestID is the X-Request-Id echoed, the client's or one made up.
	RequestID     string
	ClientID      string
	CallerTokenID string
	// TokenID is the token an issue minted; TargetTokenID the one a revoke named.
	TokenID       string
	TargetTokenID string
}

// requestRecords keeps the last limit records. It has its own lock so that recording
// never waits for the token state; a server without it (the default) records nothing.
type requestRecords struct {
	mu      sync.Mutex
	limit   int
	lastSeq int
	records []RequestRecord
}

func newRequestRecords(limit int) *requestRecords {
	if limit <= 0 {
		return nil
	}
	return &requestRecords{limit: limit}
}

func (l *requestRecords) add(r RequestRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lastSeq++
	r.Seq = l.lastSeq
	l.records = append(l.records, r)
	if len(l.records) > l.limit {
		l.records = l.records[1:]
	}
}

// Requests returns the records of the last Options.RequestRecords requests, oldest first;
// nil when the server keeps none.
func (s *Server) Requests() []RequestRecord {
	if s.requests == nil {
		return nil
	}
	s.requests.mu.Lock()
	defer s.requests.mu.Unlock()
	return slices.Clone(s.requests.records)
}

// record keeps c's record when the server keeps records.
func (s *Server) record(c *call, status int, code string) {
	if s.requests == nil {
		return
	}
	_, keyed := c.r.Header["Idempotency-Key"]
	s.requests.add(RequestRecord{
		Time:           s.now(),
		Operation:      c.op,
		Status:         status,
		Error:          code,
		Outcome:        c.outcome,
		Replayed:       c.replayed,
		IdempotencyKey: keyed,
		RequestID:      c.requestID,
		ClientID:       c.clientID,
		CallerTokenID:  c.callerTokenID,
		TokenID:        c.issuedID,
		TargetTokenID:  safeSegment(c.targetID),
	})
}
