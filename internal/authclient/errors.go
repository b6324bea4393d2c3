package authclient

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinel errors matched by errors.Is against an *APIError according to its HTTP status.
var (
	ErrNotFound     = errors.New("not found")    // 404
	ErrUnauthorized = errors.New("unauthorized") // 401
	ErrForbidden    = errors.New("forbidden")    // 403
	ErrRateLimited  = errors.New("rate limited") // 429
	ErrConflict     = errors.New("conflict")     // 409
	// ErrUnprocessable is the answer to an Idempotency-Key reused with another body.
	ErrUnprocessable = errors.New("unprocessable") // 422
)

// ErrInvalidResponse is matched by errors.Is against an answer that breaks the contract: an
// unexpected status, or a success whose body is not the operation's schema.
var ErrInvalidResponse = errors.New("invalid response")

// ErrNotSent is matched by errors.Is against the error of a call that never reached the
// server: every attempt failed to connect, so the server cannot have acted on it.
var ErrNotSent = errors.New("request not sent")

// notSentError marks the error of a call that never reached the server.
type notSentError struct{ err error }

func (e *notSentError) Error() string        { return e.err.Error() }
func (e *notSentError) Unwrap() error        { return e.err }
func (e *notSentError) Is(target error) bool { return target == ErrNotSent }

// APIError is an error answer (4xx or 5xx) of the Auth API.
type APIError struct {
	// Operation is the operationId of the contract, e.g. "issueLongTermToken".
	Operation string
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Code is the Error schema's `error` value, or "" when the body was not a valid Error.
	Code string
	// Message is the server's message, or a description of the unexpected content.
	Message string
	// RequestID identifies the request in server logs.
	RequestID string
}

// Error renders e.g. `issueLongTermToken: HTTP 401 invalid_client: bad secret (request id req_123)`.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: HTTP %d", e.Operation, e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	return b.String()
}

// Is lets errors.Is match the sentinel errors by status code.
func (e *APIError) Is(target error) bool {
	switch e.StatusCode {
	case http.StatusNotFound:
		return target == ErrNotFound
	case http.StatusUnauthorized:
		return target == ErrUnauthorized
	case http.StatusForbidden:
		return target == ErrForbidden
	case http.StatusTooManyRequests:
		return target == ErrRateLimited
	case http.StatusConflict:
		return target == ErrConflict
	case http.StatusUnprocessableEntity:
		return target == ErrUnprocessable
	}
	return false
}

// responseError is an answer the client cannot use: an unexpected status, or a success
// whose body breaks the contract. Problem never quotes the body.
type responseError struct {
	operation  string
	statusCode int
	requestID  string
	problem    string
}

// Is lets errors.Is match ErrInvalidResponse.
func (e *responseError) Is(target error) bool { return target == ErrInvalidResponse }

func (e *responseError) Error() string {
	s := fmt.Sprintf("%s: HTTP %d: %s", e.operation, e.statusCode, e.problem)
	if e.requestID != "" {
		s += fmt.Sprintf(" (request id %s)", e.requestID)
	}
	return s
}

// attemptsError adds the number of attempts to the final error of a call that was retried
// or whose caller's context ended, and then that end and what the server last said.
type attemptsError struct {
	err      error
	attempts int
	stopped  error  // the caller's context error, when it ended before the call did
	last     string // outcome of the last attempt when err does not already say it
}

func (e *attemptsError) Error() string {
	s := fmt.Sprintf("%v (after %d attempt", e.err, e.attempts)
	if e.attempts != 1 {
		s += "s"
	}
	if e.last != "" {
		s += ", last: " + e.last
	}
	if e.stopped != nil && !errors.Is(e.err, e.stopped) {
		s += "; no further attempt: " + e.stopped.Error()
	}
	return s + ")"
}

// Unwrap lets errors.Is match both the call's error and the context's.
func (e *attemptsError) Unwrap() []error {
	if e.stopped == nil {
		return []error{e.err}
	}
	return []error{e.err, e.stopped}
}
