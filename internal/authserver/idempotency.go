package authserver

import (
	"net/http"
	"time"
	"unicode/utf8"
)

// idempotencyWindow is how long, by the server's clock, an answer is replayed.
const idempotencyWindow = 24 * time.Hour

// idemKey scopes an Idempotency-Key to one operation and one caller, so that two
// callers (or one caller on two operations) never see each other's answers.
type idemKey struct {
	op     Operation
	caller string // "client:<id>" for ClientKey, "token:<id>" for a bearer token
	key    string
}

// idemEntry is an answer being produced (resp == nil) or produced. The stored bodies
// hold token secrets: they live in memory only, never in the state file or logs.
type idemEntry struct {
	bodyHash [32]byte
	created  time.Time
	resp     *response
}

type idempotencyStore struct {
	entries   map[idemKey]*idemEntry
	nextSweep time.Time
}

func newIdempotencyStore() *idempotencyStore {
	return &idempotencyStore{entries: map[idemKey]*idemEntry{}}
}

// expired reports a finished entry past the idempotency window; one still in progress
// never expires.
func (e *idemEntry) expired(now time.Time) bool {
	return e.resp != nil && !now.Before(e.created.Add(idempotencyWindow))
}

// sweep forgets answers older than the window, at most once a minute of clock time.
func (st *idempotencyStore) sweep(now time.Time) {
	if now.Before(st.nextSweep) {
		return
	}
	st.nextSweep = now.Add(time.Minute)
	for k, e := range st.entries {
		if e.expired(now) {
			delete(st.entries, k)
		}
	}
}

// idempotencyKey reads the Idempotency-Key header: "" when absent, 400 when malformed.
func idempotencyKey(r *http.Request) (string, *apiError) {
	values, ok := r.Header["Idempotency-Key"]
	if !ok {
		return "", nil
	}
	if len(values) != 1 {
		return "", badRequest("send one Idempotency-Key header")
	}
	if n := utf8.RuneCountInString(values[0]); n < 1 || n > 255 {
		return "", badRequest("Idempotency-Key must be 1-255 characters long")
	}
	return values[0], nil
}

// idempotent runs process at most once per (operation, caller, key) within the window.
// A repeat with the same body gets the stored answer (marked replayed), with another
// body 422, and while the first is still being processed 409 with Retry-After. Only
// answers that process produced are stored, and only below 500; faults, rate limits and
// the answers above never are. Without a key, process just runs. nil means abandoned.
func (s *Server) idempotent(c *call, key, caller string, bodyHash [32]byte, process func() *response) *response {
	if key == "" {
		if !c.wait() {
			return nil
		}
		return process()
	}
	k := idemKey{op: c.op, caller: caller, key: key}

	s.mu.Lock()
	now := s.now()
	s.idem.sweep(now)
	e := s.idem.entries[k]
	if e != nil && e.expired(now) {
		e = nil // too old: the key is free again
	}
	if e != nil {
		sameBody, stored := e.bodyHash == bodyHash, e.resp
		s.mu.Unlock()
		switch {
		case !sameBody:
			return c.early(newError(http.StatusUnprocessableEntity, codeKeyReused,
				"Idempotency-Key was already used with a different request body"))
		case stored == nil:
			return c.early(withRetryAfter(newError(http.StatusConflict, codeInProgress,
				"a request with this Idempotency-Key is still being processed"), 1))
		}
		if !c.wait() {
			return nil
		}
		c.replayed = true
		return stored.clone()
	}
	e = &idemEntry{bodyHash: bodyHash, created: now}
	s.idem.entries[k] = e
	s.mu.Unlock()

	var resp *response
	if c.wait() {
		resp = process()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if resp == nil || resp.status >= 500 {
		if s.idem.entries[k] == e {
			delete(s.idem.entries, k) // nothing to replay: a retry processes afresh
		}
		return resp
	}
	e.resp = resp.clone()
	return resp
}

// clone copies a response so that a stored answer is never changed by a later write.
func (r *response) clone() *response {
	c := *r
	c.header = r.header.Clone()
	return &c
}
