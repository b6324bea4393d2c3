variable "release" {
  type        = string
  description = "Changing the release rotates the token."
}

resource "auth_long_term_token" "deployer" {
  name     = "deployer"
  scopes   = ["deploy:read", "deploy:write"]
  ttl_days = 30

  # Rotate on the first apply once expires_at - 7 days has passed.
  rotate_before_days = 7

  # The replaced token keeps working for an hour after a rotation, so that its
  # consumers can pick up the new one without downtime.
  grace_period_seconds = 3600

  # Any change to these values rotates the token in place.
  rotation_triggers = {
    release = var.release
  }
}
