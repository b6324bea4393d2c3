# A bootstrap long-term token that may issue others (tokens:write), kept in state.
resource "auth_long_term_token" "bootstrap" {
  name     = "bootstrap"
  scopes   = ["tokens:write", "deploy:read", "deploy:write"]
  ttl_days = 30
}

# A short-term token of 15 minutes with all of the bootstrap token's scopes. It is
# never stored in state or plan, and is revoked when Terraform closes it.
ephemeral "auth_short_term_token" "writer" {
  long_term_token = auth_long_term_token.bootstrap.token
  ttl_seconds     = 900
}

# An aliased provider configured with the short-term token (grant token_exchange);
# client_id is taken from the token's subject.
provider "auth" {
  alias        = "scoped"
  access_token = ephemeral.auth_short_term_token.writer.token
}

# Issued through the aliased provider, within the short-term token's scopes.
resource "auth_long_term_token" "deployer" {
  provider = auth.scoped
  name     = "deployer"
  scopes   = ["deploy:read", "deploy:write"]
}
