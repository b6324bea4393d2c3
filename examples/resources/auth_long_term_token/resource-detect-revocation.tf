# Every refresh checks that the token still works (two requests per refresh):
# a token revoked outside Terraform is re-issued by the next apply, with a warning.
resource "auth_long_term_token" "watched" {
  name              = "watched"
  scopes            = ["deploy:read"]
  detect_revocation = true
}
