package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

// addAPIError turns a client error into a diagnostic that says what the server said, which
// mechanism was used and what to check. Client errors never contain secrets.
func addAPIError(diags *diag.Diagnostics, summary string, mechanism *authclient.Mechanism, err error) {
	diags.AddError(summary, apiErrorDetail(mechanism, err))
}

func apiErrorDetail(mechanism *authclient.Mechanism, err error) string {
	var b strings.Builder
	var apiErr *authclient.APIError
	if errors.As(err, &apiErr) {
		fmt.Fprintf(&b, "The Auth API answered HTTP %d", apiErr.StatusCode)
		if apiErr.Code != "" {
			fmt.Fprintf(&b, " %s", apiErr.Code)
		}
		if apiErr.Message != "" {
			fmt.Fprintf(&b, ": %s", apiErr.Message)
		}
		if apiErr.RequestID != "" {
			fmt.Fprintf(&b, " (request id %s)", apiErr.RequestID)
		}
		b.WriteString(".")
	} else {
		fmt.Fprintf(&b, "The request failed: %v.", err)
	}
	if mechanism != nil {
		fmt.Fprintf(&b, "\nStep-up mechanism: %s.", mechanism.Name)
	}
	if hint := errorHint(apiErr, mechanism, err); hint != "" {
		b.WriteString("\n" + hint)
	}
	return b.String()
}

// notTheAPIHint explains an answer that is not the contract's: something other than the
// Auth API answered, or the API is broken.
const notTheAPIHint = "The answer does not follow the Auth API contract: check that endpoint points at the Auth API " +
	"(a proxy, a login page or a wrong path answers like this), or report it to the API's operators."

func errorHint(apiErr *authclient.APIError, mechanism *authclient.Mechanism, err error) string {
	if apiErr == nil {
		switch {
		case errors.Is(err, context.Canceled):
			return "Terraform stopped the provider (an interrupt, or a cancelled job): a request under way was allowed to finish, nothing more was sent. Run the command again."
		case errors.Is(err, context.DeadlineExceeded):
			return "The operation timed out: check the endpoint's reachability, or raise request_timeout or the resource's timeouts."
		case errors.Is(err, authclient.ErrInvalidResponse):
			return notTheAPIHint
		}
		return "Check the provider's endpoint, the network path to it and ca_cert_pem; retries were exhausted or not allowed."
	}
	switch apiErr.Code {
	case "":
		return notTheAPIHint
	case "invalid_client":
		return "Check client_id and the client's credential (client_secret, or the key registered for assertions)."
	case "invalid_grant":
		if mechanism != nil && mechanism.InvalidGrantHint != "" {
			return mechanism.InvalidGrantHint
		}
		return "Check the step-up credential."
	case "invalid_token":
		if mechanism != nil && mechanism.InvalidTokenHint != "" {
			return mechanism.InvalidTokenHint
		}
		return "The token used is expired, revoked or unknown to the server."
	case "insufficient_scope":
		return "Request only scopes that the client (or the token used) holds, or use a credential with tokens:write or tokens:revoke."
	case "not_found":
		return "The token id is unknown or belongs to another client."
	case "rate_limited":
		return "The client's rate limit was hit after all retries: raise max_retries or run terraform with a lower -parallelism."
	case "idempotency_key_reused", "request_in_progress":
		return "A retried request collided with an earlier one; run the command again."
	case "unavailable", "server_error":
		return "The Auth API failed; retries were exhausted. Run the command again later."
	}
	return ""
}
