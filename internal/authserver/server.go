// Package authserver is a complete in-memory implementation of the Auth API contract
// (api/openapi.yaml): long-term tokens issued or rotated with step-up authentication,
// short-term JWTs exchanged for them, revocation with cascade, idempotency keys and
// per-client rate limits. Tests of the whole project run it in-process as an
// http.Handler; the auth-server command serves it for demos.
//
// Besides the contract it offers test controls: a settable clock, fault injection, a
// listing of every token with its state and request counts, both as Go methods and,
// with Options.TestControls, as HTTP endpoints under /_test/; with
// Options.RequestRecords, Requests returns a structured record of each request.
package authserver

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// APIPrefix is the path prefix of the contract's operations: the endpoint base URL is
// the server URL followed by APIPrefix.
const APIPrefix = "/v1"

// Paths of the operations, below the server root.
const (
	pathLong         = APIPrefix + "/auth/tokens/long"
	pathShort        = APIPrefix + "/auth/tokens/short"
	pathTokenPrefix  = APIPrefix + "/auth/tokens/"
	pathRevokeSuffix = "/revoke"
)

const defaultIssuer = "auth-local"

// Options configure a Server. The zero value is a usable, empty, memory-only server.
type Options struct {
	// Clients are registered at start.
	Clients []ClientConfig
	// Clock tells the time; nil means real time.
	Clock Clock
	// Issuer is the iss claim of short-term JWTs; "" means "auth-local".
	Issuer string
	// RateLimit is applied per client.
	RateLimit RateLimit
	// StatePath, when set, is a JSON file loaded at start and rewritten atomically after
	// every change. It holds hashes and metadata only: no secret, no idempotent answer,
	// no signing key (short-term tokens therefore do not survive a restart).
	StatePath string
	// Logger receives one line per request; nil discards. Secrets are never logged.
	Logger *slog.Logger
	// TestControls serves the /_test/ HTTP endpoints.
	TestControls bool
	// RequestRecords, when positive, keeps the records of that many most recent requests
	// for Requests. Off by default: a server that keeps none pays one nil check per request.
	RequestRecords int
}

// Server implements the Auth API. Create it with New; it is safe for concurrent use.
type Server struct {
	clock     Clock
	issuer    string
	log       *slog.Logger
	statePath string
	controls  bool
	signKey   *ecdsa.PrivateKey
	requests  *requestRecords // nil: no records kept

	// mu guards all state below. It is never held while sleeping or writing files.
	mu       sync.Mutex
	clients  map[string]*client
	tokens   map[string]*token
	bySecret map[string]string   // secret hash -> long-term token id
	children map[string][]string // long-term id -> ids of its short-term tokens
	usedJTIs map[string]time.Time
	counts   map[Operation]int
	// rateLimited counts the requests the rate limiter refused, per operation.
	rateLimited map[Operation]int
	faults      map[Operation][]*queuedFault
	idem        *idempotencyStore
	limiter     *rateLimiter
	version     uint64 // bumped by every change, so that saves never go backwards

	saveMu       sync.Mutex
	savedVersion uint64
}

// New creates a server from opts, loading opts.StatePath if the file exists.
func New(opts Options) (*Server, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	s := &Server{
		clock:       opts.Clock,
		issuer:      opts.Issuer,
		log:         opts.Logger,
		statePath:   opts.StatePath,
		controls:    opts.TestControls,
		signKey:     key,
		requests:    newRequestRecords(opts.RequestRecords),
		clients:     map[string]*client{},
		tokens:      map[string]*token{},
		bySecret:    map[string]string{},
		children:    map[string][]string{},
		usedJTIs:    map[string]time.Time{},
		counts:      map[Operation]int{},
		rateLimited: map[Operation]int{},
		faults:      map[Operation][]*queuedFault{},
		idem:        newIdempotencyStore(),
		limiter:     newRateLimiter(opts.RateLimit),
	}
	if s.clock == nil {
		s.clock = realClock{}
	}
	if s.issuer == "" {
		s.issuer = defaultIssuer
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.statePath != "" {
		if err := s.load(); err != nil {
			return nil, err
		}
	}
	for _, cfg := range opts.Clients {
		keys, err := validateClientConfig(cfg)
		if err != nil {
			return nil, err
		}
		if c, ok := s.clients[cfg.ID]; ok {
			// Restored from the state file: take the configuration again, but codes
			// spent before the restart stay spent.
			c.configure(cfg, keys, false)
			continue
		}
		s.clients[cfg.ID] = newClient(cfg, keys)
	}
	s.changed()
	if err := s.save(); err != nil {
		return nil, err
	}
	return s, nil
}

// SigningPublicKey returns the key that verifies short-term JWTs (ES256). It is
// generated at start and never persisted.
func (s *Server) SigningPublicKey() crypto.PublicKey {
	return &s.signKey.PublicKey
}

// now returns the clock's time in UTC.
func (s *Server) now() time.Time {
	return s.clock.Now().UTC()
}

// ServeHTTP serves the contract's operations under /v1 and, with TestControls, the
// test controls under /_test/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rid := requestID(r)
	w.Header().Set("X-Request-Id", rid)

	path := r.URL.Path
	if s.controls && strings.HasPrefix(path, controlsPrefix) {
		s.serveControls(w, r, rid)
		return
	}
	var (
		op      Operation
		tokenID string
	)
	switch {
	case path == pathLong:
		op = OpIssueLong
	case path == pathShort:
		op = OpIssueShort
	case strings.HasPrefix(path, pathTokenPrefix) && strings.HasSuffix(path, pathRevokeSuffix):
		tokenID = strings.TrimSuffix(strings.TrimPrefix(path, pathTokenPrefix), pathRevokeSuffix)
		if tokenID == "" || strings.Contains(tokenID, "/") {
			s.finish(w, &call{r: r, requestID: rid}, errorResponse(notFound("no such resource"), rid))
			return
		}
		op = OpRevoke
	default:
		s.finish(w, &call{r: r, requestID: rid}, errorResponse(notFound("no such resource"), rid))
		return
	}
	c := &call{r: r, op: op, requestID: rid, targetID: tokenID, started: time.Now()}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.finish(w, c, errorResponse(newError(http.StatusMethodNotAllowed, codeInvalidRequest,
			"method %s not allowed; use POST", r.Method), rid))
		return
	}
	s.serveOperation(w, c)
}

// call carries one request of an operation through the pipeline, and what the log
// line says about it.
type call struct {
	r         *http.Request
	op        Operation
	requestID string
	started   time.Time
	fault     Fault
	delayDone bool

	// For the log line; ids only, never secrets.
	clientID      string
	callerTokenID string
	targetID      string // revoke: the token to revoke
	issuedID      string // issue: the token minted
	replayed      bool
	outcome       Outcome // "" for a plain answer
}

// serveOperation runs the pipeline shared by the three operations: count, take a
// fault, answer the fault or run the handler, then deliver the answer as the fault
// says (normally, as a 500, or not at all).
func (s *Server) serveOperation(w http.ResponseWriter, c *call) {
	s.mu.Lock()
	s.counts[c.op]++
	c.fault = s.takeFault(c.op)
	s.mu.Unlock()

	if f := c.fault; f.Status != 0 && !f.AfterProcessing && !f.DropConnection {
		if !c.wait() {
			s.abandon(w, c)
			return
		}
		c.outcome = OutcomeFault
		s.finish(w, c, errorResponse(faultError(f), c.requestID))
		return
	}

	var resp *response
	switch c.op {
	case OpIssueLong:
		resp = s.issueLong(c)
	case OpIssueShort:
		resp = s.issueShort(c)
	case OpRevoke:
		resp = s.revoke(c)
	}
	if resp == nil {
		s.abandon(w, c)
		return
	}
	if c.fault.Hold > 0 {
		time.Sleep(c.fault.Hold)
	}
	switch {
	case c.fault.DropConnection:
		c.outcome = OutcomeDropped
		s.logCall(c, 0, "")
		dropConnection(w)
	case c.fault.Status != 0 && c.fault.AfterProcessing:
		c.outcome = OutcomeFault
		s.finish(w, c, errorResponse(faultError(c.fault), c.requestID))
	default:
		s.finish(w, c, resp)
	}
}

// wait applies the fault's Delay once, before processing. It reports false when the
// client went away meanwhile: the request is then abandoned unprocessed.
func (c *call) wait() bool {
	if c.delayDone {
		return c.r.Context().Err() == nil
	}
	c.delayDone = true
	if d := c.fault.Delay; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-c.r.Context().Done():
		}
	}
	return c.r.Context().Err() == nil
}

// early finishes a request that failed before processing: the Delay still applies.
// It returns nil (abandon) when the client went away during the delay.
func (c *call) early(e *apiError) *response {
	if !c.wait() {
		return nil
	}
	return errorResponse(e, c.requestID)
}

// abandon ends a request whose client went away. The connection is closed rather than
// left to net/http, which would answer an implicit 200 that the contract does not declare.
func (s *Server) abandon(w http.ResponseWriter, c *call) {
	c.outcome = OutcomeAbandoned
	s.logCall(c, 0, "")
	dropConnection(w)
}

// finish writes the answer and logs the request.
func (s *Server) finish(w http.ResponseWriter, c *call, resp *response) {
	if c.replayed {
		resp.header.Set("Idempotent-Replayed", "true")
	}
	resp.write(w)
	s.logCall(c, resp.status, resp.code)
}

// logCall writes the one log line of a request, and its record when the server keeps
// them: ids and outcome, never a credential, an Authorization header or a body.
func (s *Server) logCall(c *call, status int, code string) {
	s.record(c, status, code)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelWarn
	}
	if !s.log.Enabled(context.Background(), level) {
		return // no line to write: build none (a quiet server, as make bench runs it)
	}
	attrs := []slog.Attr{
		slog.String("method", c.r.Method),
		slog.String("path", safePath(c.r.URL.Path)),
		slog.Int("status", status),
		slog.String("request_id", c.requestID),
	}
	add := func(k, v string) {
		if v != "" {
			attrs = append(attrs, slog.String(k, v))
		}
	}
	add("operation", string(c.op))
	add("client_id", c.clientID)
	add("caller_token_id", c.callerTokenID)
	add("token_id", c.issuedID)
	if c.targetID != "" {
		add("target_token_id", safeSegment(c.targetID))
	}
	add("error", code)
	add("outcome", string(c.outcome))
	if c.replayed {
		attrs = append(attrs, slog.Bool("replayed", true))
	}
	if !c.started.IsZero() {
		attrs = append(attrs, slog.Duration("duration", time.Since(c.started)))
	}
	s.log.LogAttrs(context.Background(), level, "request", attrs...)
}

// safePath redacts path segments that could be a credential pasted where a token id
// belongs (e.g. a token instead of its id in the revoke path).
func safePath(p string) string {
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		segs[i] = safeSegment(seg)
	}
	return strings.Join(segs, "/")
}

func safeSegment(seg string) string {
	if len(seg) > 40 && !tokenIDPattern.MatchString(seg) {
		return "{redacted}"
	}
	return seg
}

// requestID echoes a sane X-Request-Id (at most 128 printable ASCII characters) or
// makes one up.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 128 && printableASCII(id) {
		return id
	}
	return "req_" + rand.Text()
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// Tokens returns every token ever issued, sorted by IssuedAt then ID, with states
// computed at the clock's current time.
func (s *Server) Tokens() []TokenRecord {
	return s.listTokens(func(*token) bool { return true })
}

// ActiveTokens returns the tokens of the kind ("" for both) that are active now.
func (s *Server) ActiveTokens(kind TokenKind) []TokenRecord {
	now := s.now()
	return s.listTokens(func(t *token) bool {
		return (kind == "" || t.Kind == kind) && s.active(t, now)
	})
}

func (s *Server) listTokens(keep func(*token) bool) []TokenRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := []TokenRecord{}
	for _, t := range s.tokens {
		if keep(t) {
			out = append(out, s.recordOf(t, now))
		}
	}
	slices.SortFunc(out, func(a, b TokenRecord) int { return compareFacts(a.TokenFacts, b.TokenFacts) })
	return out
}

// Token returns one token's record.
func (s *Server) Token(id string) (TokenRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[id]
	if !ok {
		return TokenRecord{}, false
	}
	return s.recordOf(t, s.now()), true
}

// RequestCounts returns how many requests each operation received, including those
// answered by a fault, the rate limiter or an error.
func (s *Server) RequestCounts() map[Operation]int {
	return s.countsOf(s.counts)
}

// countsOf copies a per-operation counter under the lock, with every operation present.
func (s *Server) countsOf(counter map[Operation]int) map[Operation]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[Operation]int, len(operations))
	for _, op := range operations {
		out[op] = counter[op]
	}
	return out
}

// ResetCounts sets all request counts, and the rate limiter's refusals, to zero.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.counts)
	clear(s.rateLimited)
}
