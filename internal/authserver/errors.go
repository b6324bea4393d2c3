package authserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Error codes of the contract's Error schema.
const (
	codeInvalidRequest    = "invalid_request"
	codeInvalidClient     = "invalid_client"
	codeInvalidGrant      = "invalid_grant"
	codeInvalidToken      = "invalid_token"
	codeInsufficientScope = "insufficient_scope"
	codeNotFound          = "not_found"
	codeInProgress        = "request_in_progress"
	codeKeyReused         = "idempotency_key_reused"
	codeRateLimited       = "rate_limited"
	codeServerError       = "server_error"
	codeUnavailable       = "unavailable"
)

// apiError is an error answer before it is rendered. Messages never contain secrets:
// they are built from constants, field names and token ids only.
type apiError struct {
	status     int
	code       string
	message    string
	retryAfter int // seconds; sent as Retry-After when > 0
}

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, codeInvalidRequest, format, args...)
}

func unauthorized(code, format string, args ...any) *apiError {
	return newError(http.StatusUnauthorized, code, format, args...)
}

func forbidden(format string, args ...any) *apiError {
	return newError(http.StatusForbidden, codeInsufficientScope, format, args...)
}

func notFound(format string, args ...any) *apiError {
	return newError(http.StatusNotFound, codeNotFound, format, args...)
}

func withRetryAfter(e *apiError, seconds int) *apiError {
	e.retryAfter = max(seconds, 1)
	return e
}

// response is a complete answer, kept as bytes so that it can be stored for
// idempotent replay.
type response struct {
	status int
	header http.Header
	body   []byte
	code   string // the error code, for logs; "" on success
}

func jsonResponse(status int, v any) *response {
	body, err := json.Marshal(v)
	if err != nil {
		// Only plain structs are marshalled here; this cannot happen.
		panic(err)
	}
	return &response{status: status, header: http.Header{}, body: body}
}

// errorResponse renders an apiError as the contract's Error body with the headers the
// contract asks for: Retry-After on 429/503/409 in progress, WWW-Authenticate on 401.
func errorResponse(e *apiError, requestID string) *response {
	r := jsonResponse(e.status, struct {
		Error     string `json:"error"`
		Message   string `json:"message"`
		RequestID string `json:"request_id"`
	}{e.code, e.message, requestID})
	r.code = e.code
	if e.retryAfter > 0 {
		r.header.Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	if e.status == http.StatusUnauthorized {
		r.header.Set("WWW-Authenticate", "Bearer")
	}
	return r
}

// write sends a response. X-Request-Id was set on w already.
func (r *response) write(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range r.header {
		h[k] = v
	}
	if r.body != nil {
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(r.body)))
	}
	h.Set("Cache-Control", "no-store") // answers may hold token secrets
	w.WriteHeader(r.status)
	if r.body != nil {
		_, _ = w.Write(r.body) //nolint:gosec // G705: a JSON body served as application/json, never HTML
	}
}
