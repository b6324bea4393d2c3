# Rotation whose overlap ends when the consumer has the new token: the grace period is
# only the longest the replaced token may live if the action never runs.
variable "release" {
  type        = string
  description = "Changing the release rotates the token."
}

resource "auth_long_term_token" "deployer" {
  name                 = "deployer"
  scopes               = ["deploy:read", "deploy:write"]
  grace_period_seconds = 86400
  rotation_triggers    = { release = var.release }
}

# The credential that revokes. Without `token` in the action, the provider's
# long_term_token would be used.
resource "auth_long_term_token" "revoker" {
  name   = "revoker"
  scopes = ["tokens:revoke"]
}

# Stands for the resource that hands the token to its consumer: a CI secret, a Kubernetes
# secret, a vault entry. Such a resource takes auth_long_term_token.deployer.token in a
# sensitive argument; terraform_data would show its output in clear in the next plan
# (hashicorp/terraform#35609), so here it gets a hash of the token, which changes with it.
resource "terraform_data" "consumer" {
  input = sha256(auth_long_term_token.deployer.token)

  lifecycle {
    action_trigger {
      events  = [after_update]
      actions = [action.auth_revoke_token.previous]
    }
  }
}

# Runs after the consumer's update, in the apply that rotates the token. rotated_from is
# null before the first rotation, which revokes nothing.
action "auth_revoke_token" "previous" {
  config {
    token_id = auth_long_term_token.deployer.rotated_from
    token    = auth_long_term_token.revoker.token
  }
}
