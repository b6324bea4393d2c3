# A long-term token is imported by its id. Its secret cannot be read back, so the
# next apply rotates it: the new token's secret is then in state.
terraform import auth_long_term_token.ci lt_0123456789abcdef
