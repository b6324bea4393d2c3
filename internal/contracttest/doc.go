// Package contracttest checks live HTTP traffic against the Auth API contract
// (api/openapi.yaml, embedded as api.OpenAPI) with kin-openapi.
//
// A Validator wraps the server under test (Handler) and the client's transport
// (Transport). Every request and response it sees is validated against the contract:
// the operation's parameters, security schemes, request body schema, the response status
// (it must be declared for the operation), the declared response headers and the JSON
// body schema, plus the cross-cutting rules of the contract's info.description
// (X-Request-Id on every response and echoed when sent, Retry-After on 429/503 and on
// 409 request_in_progress, error codes that fit the status, no credential of the request
// echoed in an error answer).
//
// What is found is collected and reported with tb.Errorf when the test ends (in a
// tb.Cleanup registered by New), so a violation found on a server goroutine still fails
// the test. Violations never quote a header or body value: they name the operation,
// method, path, status and kin-openapi's reason and JSON pointer only.
//
// Who is to blame for a bad request differs by side:
//   - Handler (server side): a request that breaks the contract is a violation only when
//     the server answered it 2xx (it accepted something the contract forbids). Negative
//     tests that deliberately send malformed requests therefore pass as long as the server
//     rejects them. Responses are always validated.
//   - Transport (client side): every request that breaks the contract's schemas, parameters
//     or security schemes is a violation, whatever the answer: a correct client never sends
//     one. The semantic step-up rules of issueLongTermToken (exactly one mechanism,
//     grant_type matching it, X-Client-Id equal to client_id) are reported, on both sides,
//     only when the answer was 2xx, so that a test may send such a request raw to provoke
//     the 400.
//
// Paths under /_test/ pass through both sides unvalidated.
package contracttest
