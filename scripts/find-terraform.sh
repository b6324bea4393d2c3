#!/usr/bin/env bash
# Prints the path of the Terraform CLI to run, chosen on purpose: $TF_ACC_TERRAFORM_PATH
# first, then every `terraform` on PATH, then /usr/local/bin/terraform; the first whose
# `version -json` reports at least 1.10 (ephemeral resources need it). TEST_TERRAFORM_MIN_VERSION
# lowers that minimum on purpose (`make testcompat`, and cmd/testmatrix for each CLI it runs).
# Exits non-zero, loudly, when none qualifies: tests must never skip for want of Terraform.
#
# This is the only Terraform discovery: make, the docs and demo scripts, and the provider
# tests' TestMain all run it, so any CLI (OpenTofu too) is used by pointing
# TF_ACC_TERRAFORM_PATH at it.
set -euo pipefail

min=${TEST_TERRAFORM_MIN_VERSION:-1.10.0}
[[ $min =~ ^[0-9]+(\.[0-9]+){0,2}$ ]] || {
  echo "find-terraform: TEST_TERRAFORM_MIN_VERSION=$min is not a version such as 1.5.7" >&2
  exit 1
}

# at_least VERSION: whether VERSION is $min or later. A prerelease counts as its release,
# as tfversion.SkipBelow counts it.
at_least() {
  local -a have want
  local i
  IFS=. read -ra have <<<"${1%%[-+]*}"
  IFS=. read -ra want <<<"$min"
  for i in 0 1 2; do
    ((10#${have[i]:-0} > 10#${want[i]:-0})) && return 0
    ((10#${have[i]:-0} < 10#${want[i]:-0})) && return 1
  done
  return 0
}

# qualifies BIN: whether BIN runs and is recent enough; says why not on stderr.
qualifies() {
  local bin=$1 version
  if [[ ! -x $bin ]]; then
    echo "find-terraform: skipping $bin (not an executable file)" >&2
    return 1
  fi
  version=$(TF_CLI_CONFIG_FILE=/dev/null "$bin" version -json 2>/dev/null |
    sed -n 's/.*"terraform_version": *"\([0-9][0-9A-Za-z.+-]*\)".*/\1/p' | head -n1)
  if [[ ! $version =~ ^[0-9]+(\.[0-9]+)*([-+].*)?$ ]]; then
    echo "find-terraform: skipping $bin (\`version -json\` reports no terraform_version)" >&2
    return 1
  fi
  if ! at_least "$version"; then
    echo "find-terraform: skipping $bin (version $version < $min)" >&2
    return 1
  fi
}

candidates=()
[[ -n ${TF_ACC_TERRAFORM_PATH:-} ]] && candidates+=("$TF_ACC_TERRAFORM_PATH")
while IFS= read -r bin; do candidates+=("$bin"); done < <(type -ap terraform 2>/dev/null || true)
candidates+=(/usr/local/bin/terraform)

tried=()
for bin in "${candidates[@]}"; do
  [[ " ${tried[*]} " == *" $bin "* ]] && continue
  tried+=("$bin")
  if qualifies "$bin"; then
    echo "$bin"
    exit 0
  fi
done

echo "find-terraform: no Terraform CLI >= $min found (set TF_ACC_TERRAFORM_PATH or install one)" >&2
exit 1
