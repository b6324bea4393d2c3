# A read-only token for another provider, exchanged for the provider's long_term_token
# (AUTH_LONG_TERM_TOKEN). revoke_on_close = false leaves it to expire on its own, for a
# provider that keeps using the token after Terraform closes it.
ephemeral "auth_short_term_token" "reader" {
  scopes          = ["deploy:read"]
  ttl_seconds     = 3600
  audience        = "deploy.example.com"
  revoke_on_close = false
}
