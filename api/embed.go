// Package api embeds the Auth API contract, so that tests validate traffic against the
// project's own copy and never read anything outside the repository.
package api

import _ "embed"

// OpenAPI is api/openapi.yaml, the contract.
//
//go:embed openapi.yaml
var OpenAPI []byte
