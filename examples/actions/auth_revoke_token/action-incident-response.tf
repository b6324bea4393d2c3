# Incident response: revoke a token that Terraform does not manage, such as one found in a
# log, with `terraform apply -invoke`. Nothing else is planned or changed.
variable "leaked_token_id" {
  type        = string
  description = "The id of the token to revoke (lt_... or st_...), never its secret."
}

# The provider's long_term_token (AUTH_LONG_TERM_TOKEN) revokes: a token of the same
# client with scope tokens:revoke or tokens:write.
action "auth_revoke_token" "leaked" {
  config {
    token_id = var.leaked_token_id
  }
}
