# The headline chain of the auth provider: a bootstrap long-term token issued with the
# client secret, a short-term token exchanged for it, an aliased provider configured with
# that short-term token, and a second long-term token issued through the alias.
# `make demo` applies it against the local Auth API server; see README.md.

terraform {
  # Ephemeral resources need Terraform 1.10.
  required_version = ">= 1.10"

  required_providers {
    auth = {
      source = "example/auth"
    }
  }
}

# Null variables fall back to AUTH_ENDPOINT, AUTH_CLIENT_ID and AUTH_CLIENT_SECRET.
provider "auth" {
  endpoint      = var.endpoint
  client_id     = var.client_id
  client_secret = var.client_secret
}

resource "auth_long_term_token" "bootstrap" {
  name   = "bootstrap"
  scopes = ["tokens:write", "deploy:read"]
}

# Never stored in state or plan: opened during plan and apply, revoked when closed.
ephemeral "auth_short_term_token" "writer" {
  long_term_token = auth_long_term_token.bootstrap.token
  scopes          = ["tokens:write", "deploy:read"]
}

# A mechanism set in configuration beats the AUTH_* mechanism variables, and client_id
# comes from the short-term token's subject.
provider "auth" {
  alias        = "scoped"
  endpoint     = var.endpoint
  access_token = ephemeral.auth_short_term_token.writer.token
}

resource "auth_long_term_token" "app" {
  provider = auth.scoped
  name     = "app"
  scopes   = ["deploy:read"]

  # Any change rotates the token in place; the replaced one is revoked at once
  # (grace_period_seconds = 0).
  rotation_triggers = {
    version = var.app_version
  }
}
