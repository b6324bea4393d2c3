resource "auth_long_term_token" "ci" {
  name     = "ci-pipeline"
  scopes   = ["deploy:read", "deploy:write"]
  ttl_days = 90
}
