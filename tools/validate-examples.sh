#!/usr/bin/env bash
# Checks every documented example configuration with `terraform validate` against the provider
# built from this tree, through a CLI configuration of its own with dev_overrides for
# example/auth: no registry, no `terraform init`. Each example file is a configuration on its
# own, as the docs show it; examples/demo (a multi-file configuration) is left to `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."

# The action's examples need a CLI >= 1.14; it validates the other examples as well.
tf=$(tools/terraform-for-actions.sh)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir "$work/plugins"
go build -o "$work/plugins/terraform-provider-auth" .
cat >"$work/terraformrc" <<CONFIG
provider_installation {
  dev_overrides {
    "example/auth" = "$work/plugins"
  }
  direct {}
}
CONFIG
export TF_CLI_CONFIG_FILE="$work/terraformrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

failed=0
count=0
while IFS= read -r example; do
  dir="$work/config-$count"
  mkdir "$dir"
  cp "$example" "$dir/"
  # An example that does not say where auth comes from would mean hashicorp/auth.
  if ! grep -q 'required_providers' "$example"; then
    printf 'terraform {\n  required_providers {\n    auth = { source = "example/auth" }\n  }\n}\n' >"$dir/providers.tf"
  fi
  if out=$("$tf" -chdir="$dir" validate -no-color 2>&1); then
    echo "ok      $example"
  else
    echo "FAILED  $example"
    echo "$out" | sed 's/^/        /'
    failed=$((failed + 1))
  fi
  count=$((count + 1))
done < <(find examples -name '*.tf' -not -path 'examples/demo/*' | sort)

if [ "$count" -eq 0 ]; then
  echo "validate-examples: no example found" >&2
  exit 1
fi
if [ "$failed" -gt 0 ]; then
  echo "validate-examples: $failed of $count examples are not valid" >&2
  exit 1
fi
echo "validate-examples: $count examples valid ($("$tf" version | head -n1))"
