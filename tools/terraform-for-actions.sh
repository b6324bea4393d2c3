#!/usr/bin/env bash
# Prints the path of a Terraform CLI >= 1.14, which the auth_revoke_token action needs: older
# CLIs reject `action` blocks and leave actions out of `providers schema -json`, so
# tfplugindocs would drop the action's page. $TF_ACC_TERRAFORM_PATH if set, else the
# matrix's Terraform 1.15.9 when scripts/cli-cache.sh can unpack it, else what
# scripts/find-terraform.sh picks; fails loudly when that is older than 1.14.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${TF_ACC_TERRAFORM_PATH:-}" ] && cached=$(scripts/cli-cache.sh terraform-1.15.9 2>/dev/null); then
  export TF_ACC_TERRAFORM_PATH=$cached
fi
tf=$(scripts/find-terraform.sh)
version=$(TF_CLI_CONFIG_FILE=/dev/null "$tf" version -json | sed -n 's/.*"terraform_version": *"\([0-9][0-9.]*\)".*/\1/p' | head -n1)
major=${version%%.*}
minor=${version#*.}
minor=${minor%%.*}
if [ "$major" -lt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -lt 14 ]; }; then
  echo "terraform-for-actions: $tf is Terraform $version; the auth_revoke_token action needs 1.14 or later (set TF_ACC_TERRAFORM_PATH)" >&2
  exit 1
fi
echo "$tf"
