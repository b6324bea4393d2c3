variable "access_token" {
  type        = string
  sensitive   = true
  description = "A short-term token, for example the one a CI pipeline received."
}

locals {
  claims = provider::auth::token_claims(var.access_token)
}

# The claims are not secret, but they come from a sensitive value: nonsensitive()
# says so. They are decoded without verifying the signature: read them, never
# trust them.
output "token_subject" {
  value = nonsensitive(local.claims.subject)
}

output "token_scopes" {
  value = nonsensitive(local.claims.scopes)
}

output "token_expires_at" {
  value = nonsensitive(local.claims.expires_at)
}
