#!/usr/bin/env bash
# Unpacks the Terraform and OpenTofu CLIs of the compatibility matrix, shipped xz-compressed
# in ../shared/terraform/ (SHARED_TERRAFORM_DIR overrides it), into a cache outside the
# repository (AUTH_CLI_CACHE, default ~/.cache/terraform-provider-auth/cli), checking each
# file against the SHA256SUMS beside it and each unpacked binary against the README's sum.
# Prints one line per CLI: its name (terraform-1.15.9, tofu-1.12.6) and its path.
#   cli-cache.sh            every CLI shipped there
#   cli-cache.sh NAME       only NAME's path; fails when it is not shipped
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src=${SHARED_TERRAFORM_DIR:-$root/../shared/terraform}
cache=${AUTH_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-auth/cli}

[[ -d $src ]] || {
  echo "cli-cache: $src does not exist (set SHARED_TERRAFORM_DIR)" >&2
  exit 1
}
(cd "$src" && sha256sum --quiet -c SHA256SUMS) || {
  echo "cli-cache: the files in $src do not match their SHA256SUMS" >&2
  exit 1
}
mkdir -p "$cache"

# unpack FILE: the binary FILE holds, in the cache; unpacked again when its sum is wrong.
unpack() {
  local file=$1 name want bin
  name=$(basename "$file" -linux-amd64.xz)
  bin=$cache/$name
  # The README lists the unpacked binaries' sums as "<sum>  <name>".
  want=$(sed -n "s/^ *\([0-9a-f]\{64\}\)  $name\$/\1/p" "$src/README.md")
  if [[ ! -x $bin ]] || [[ -n $want && $(sha256sum "$bin" | cut -d' ' -f1) != "$want" ]]; then
    xz -dc "$file" >"$bin.tmp"
    chmod +x "$bin.tmp"
    if [[ -n $want && $(sha256sum "$bin.tmp" | cut -d' ' -f1) != "$want" ]]; then
      rm -f "$bin.tmp"
      echo "cli-cache: $file does not unpack to the binary its README names" >&2
      exit 1
    fi
    mv "$bin.tmp" "$bin"
  fi
  echo "$name $bin"
}

found=0
for file in "$src"/*-linux-amd64.xz; do
  name=$(basename "$file" -linux-amd64.xz)
  if [[ -z ${1:-} ]]; then
    unpack "$file"
    found=1
  elif [[ $name == "$1" ]]; then
    unpack "$file" | cut -d' ' -f2
    found=1
  fi
done
((found)) || {
  echo "cli-cache: no ${1:-CLI} in $src" >&2
  exit 1
}
