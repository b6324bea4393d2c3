# A pipeline's own long-term token (with scope tokens:write) is the step-up: the provider
# exchanges it for a short-term token just before each issuance or rotation, so a long
# apply never meets an expired credential. client_id comes from the token.
variable "pipeline_token" {
  type      = string
  sensitive = true
  ephemeral = true
}

provider "auth" {
  endpoint        = "https://api.example.com/v1"
  long_term_token = var.pipeline_token
}
