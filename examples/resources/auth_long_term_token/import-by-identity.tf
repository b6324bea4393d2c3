# Terraform 1.12 and later (and OpenTofu 1.12 and later): adopt an existing token by its
# resource identity with an import block. Its secret cannot be read back, so the apply after
# the import rotates it; the identity then follows the new token's id.
import {
  to = auth_long_term_token.ci
  identity = {
    token_id = "lt_0123456789abcdef"
  }
}

resource "auth_long_term_token" "ci" {
  name   = "ci-pipeline"
  scopes = ["deploy:read", "deploy:write"]
}
