# Warn a month ahead about tokens that nothing rotates automatically.
provider "auth" {
  endpoint            = "https://api.example.com/v1"
  client_id           = "ci-pipeline"
  expiry_warning_days = 30
}
