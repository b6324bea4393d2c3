# Only values that are not secret: ids, scopes, expiry and client ids. The tokens
# themselves stay in state, marked sensitive.

output "client_id" {
  description = "The client that both long-term tokens belong to."
  value       = auth_long_term_token.bootstrap.client_id
}

output "bootstrap_token_id" {
  description = "Id of the bootstrap token, issued with the client secret."
  value       = auth_long_term_token.bootstrap.token_id
}

output "bootstrap_scopes" {
  description = "Scopes of the bootstrap token."
  value       = auth_long_term_token.bootstrap.scopes
}

output "bootstrap_expires_at" {
  description = "When the bootstrap token expires (RFC 3339)."
  value       = auth_long_term_token.bootstrap.expires_at
}

output "app_token_id" {
  description = "Id of the app token, issued through the aliased provider with token_exchange."
  value       = auth_long_term_token.app.token_id
}

output "app_scopes" {
  description = "Scopes of the app token."
  value       = auth_long_term_token.app.scopes
}

output "app_expires_at" {
  description = "When the app token expires (RFC 3339)."
  value       = auth_long_term_token.app.expires_at
}

output "app_rotated_from" {
  description = "Id of the app token that the last rotation replaced; null before any rotation."
  value       = auth_long_term_token.app.rotated_from
}

output "app_previous_token_expires_at" {
  description = "When the replaced app token stopped working (RFC 3339); null before any rotation."
  value       = auth_long_term_token.app.previous_token_expires_at
}
