# With AUTH_LONG_TERM_TOKEN set to a token of scope tokens:revoke, revoke the leaked token.
# Revoking a long-term token also revokes every short-term token exchanged for it.
terraform apply -invoke=action.auth_revoke_token.leaked -var leaked_token_id=lt_0123456789abcdef
