variable "endpoint" {
  description = "Base URL of the Auth API, such as http://127.0.0.1:8080/v1. Null: AUTH_ENDPOINT."
  type        = string
  default     = null
}

variable "client_id" {
  description = "The client that the tokens are issued to. Null: AUTH_CLIENT_ID."
  type        = string
  default     = null
}

variable "client_secret" {
  description = "The client's secret, for issuing the bootstrap token. Null: AUTH_CLIENT_SECRET."
  type        = string
  default     = null
  sensitive   = true
}

variable "app_version" {
  description = "Any change rotates auth_long_term_token.app through rotation_triggers."
  type        = string
  default     = "1"
}
