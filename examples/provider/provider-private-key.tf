# No shared secret: the provider signs a fresh JWT assertion for every issuance
# with a key registered for the client (RSA, EC P-256 or Ed25519).
variable "signing_key_pem" {
  type      = string
  sensitive = true
}

provider "auth" {
  client_id       = "ci-pipeline"
  private_key_pem = var.signing_key_pem
}
