# Terraform 1.5 and later (and OpenTofu): adopt an existing token by its id with an import block.
# Its secret cannot be read back, so the apply after the import rotates it.
import {
  to = auth_long_term_token.ci
  id = "lt_0123456789abcdef"
}

resource "auth_long_term_token" "ci" {
  name   = "ci-pipeline"
  scopes = ["deploy:read", "deploy:write"]
}
