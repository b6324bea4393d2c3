#!/usr/bin/env bash
# Runs tfplugindocs (pinned in tools/go.mod) without ever reaching a registry or the internet:
# tfplugindocs builds the provider itself and installs it with `terraform init -plugin-dir`,
# using the `terraform` it finds on PATH, here the CLI that scripts/find-terraform.sh picks,
# with an empty CLI configuration. Without a terraform on PATH it would download one.
# Usage: tools/tfplugindocs.sh generate|validate [flags]
set -euo pipefail
cd "$(dirname "$0")/.."

tf=$(scripts/find-terraform.sh)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
ln -s "$tf" "$work/bin/terraform"
: >"$work/terraformrc"

PATH="$work/bin:$PATH" TF_CLI_CONFIG_FILE="$work/terraformrc" CHECKPOINT_DISABLE=1 \
  go tool -modfile=tools/go.mod tfplugindocs "${1:?usage: $0 generate|validate [flags]}" --provider-name auth "${@:2}"
