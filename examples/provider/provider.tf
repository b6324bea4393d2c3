terraform {
  required_providers {
    auth = {
      source = "example/auth"
    }
  }
}

# Secrets stay out of the configuration: the provider reads AUTH_CLIENT_SECRET
# (or another step-up mechanism's variable) from the environment.
provider "auth" {
  endpoint  = "https://api.example.com/v1"
  client_id = "ci-pipeline"
}
