#!/usr/bin/env bash
# Prints the path of a Terraform CLI >= 1.10 (ephemeral resources need it), chosen on purpose:
# $TF_ACC_TERRAFORM_PATH first, then every `terraform` on PATH, then /usr/local/bin/terraform.
# Exits non-zero, loudly, when none qualifies: tests must never skip for want of Terraform.
set -euo pipefail

min_major=1
min_minor=10

qualifies() {
  local bin=$1 version major minor
  [ -x "$bin" ] || return 1
  version=$(TF_CLI_CONFIG_FILE=/dev/null "$bin" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([0-9][0-9.]*\)".*/\1/p' | head -n1)
  [ -n "$version" ] || return 1
  major=${version%%.*}
  minor=${version#*.}; minor=${minor%%.*}
  if [ "$major" -gt "$min_major" ] || { [ "$major" -eq "$min_major" ] && [ "$minor" -ge "$min_minor" ]; }; then
    return 0
  fi
  echo "find-terraform: skipping $bin (version $version < $min_major.$min_minor)" >&2
  return 1
}

candidates=()
[ -n "${TF_ACC_TERRAFORM_PATH:-}" ] && candidates+=("$TF_ACC_TERRAFORM_PATH")
while IFS= read -r bin; do candidates+=("$bin"); done < <(type -ap terraform 2>/dev/null || true)
candidates+=(/usr/local/bin/terraform)

for bin in "${candidates[@]}"; do
  if qualifies "$bin"; then
    echo "$bin"
    exit 0
  fi
done

echo "find-terraform: no Terraform CLI >= $min_major.$min_minor found (set TF_ACC_TERRAFORM_PATH or install one)" >&2
exit 1
