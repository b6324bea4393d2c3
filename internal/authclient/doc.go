// Package authclient is the only code that speaks HTTP to the Auth API (api/openapi.yaml).
//
// It issues and rotates long-term tokens, exchanges them for short-term tokens and revokes
// tokens. It owns the transport concerns the contract puts on clients: step-up mechanisms,
// Idempotency-Key handling, retry rules (429/503 after Retry-After; 5xx and transport errors
// only for idempotent requests; never another 4xx), strict response validation, and
// keeping token secrets out of errors and logs. A Client is safe for concurrent use.
package authclient
