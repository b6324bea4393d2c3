#!/usr/bin/env bash
# `generate`: formats examples/ and renders docs/ from the provider's schema, templates/ and
# examples/ with tfplugindocs. `check`: fails, changing nothing, when examples/ is not
# formatted or docs/ differs from what `generate` would render.
set -euo pipefail
cd "$(dirname "$0")/.."

# The action's page needs a CLI >= 1.14; tools/tfplugindocs.sh finds the same one through
# TF_ACC_TERRAFORM_PATH.
tf=$(tools/terraform-for-actions.sh)
export TF_ACC_TERRAFORM_PATH=$tf
rendered=.build/docs-check
# terraform fmt needs no CLI configuration; a missing one would only add warnings.
export TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1

# validate checks docs/ against the Registry's rules; its log is shown only when it fails.
validate() {
  local log
  log=$(mktemp)
  if ! tools/tfplugindocs.sh validate >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "docs: tfplugindocs validate failed" >&2
    exit 1
  fi
  rm -f "$log"
}

case "${1:-}" in
generate)
  "$tf" fmt -recursive examples
  tools/tfplugindocs.sh generate --rendered-provider-name Auth
  validate
  ;;
check)
  if ! "$tf" fmt -check -recursive -diff examples; then
    echo "docs-check: examples/ is not formatted; run 'make generate' and commit the result" >&2
    exit 1
  fi
  rm -rf "$rendered"
  tools/tfplugindocs.sh generate --rendered-provider-name Auth --rendered-website-dir "$rendered" >/dev/null
  if ! diff -ru docs "$rendered"; then
    echo "docs-check: docs/ is not what 'make generate' renders; run it and commit the result" >&2
    exit 1
  fi
  validate
  echo "docs-check: examples/ formatted, docs/ up to date"
  ;;
*)
  echo "usage: $0 generate|check" >&2
  exit 2
  ;;
esac
