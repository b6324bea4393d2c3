#!/usr/bin/env bash
# Repository hygiene that CI enforces.
#   check-tree.sh files  fails when a tracked file is a binary or larger than 1 MiB, or when
#                        `go mod tidy` would change go.mod or go.sum of either module.
#   check-tree.sh clean  fails when the work tree is dirty: a check wrote or left a file that
#                        is neither committed nor ignored.
set -euo pipefail
cd "$(dirname "$0")/.."

max_bytes=$((1024 * 1024))

check_files() {
  local bad=0 file size
  while IFS= read -r -d '' file; do
    [[ -f $file ]] || continue # deleted in the work tree; `clean` reports that
    size=$(stat -c %s "$file")
    if ((size > max_bytes)); then
      echo "check-tree: $file is $size bytes, over 1 MiB: keep large files out of git" >&2
      bad=1
    fi
    # git's own test: a NUL byte in the first 8000 bytes makes a file binary.
    if [[ $(head -c 8000 "$file" | tr -d '\0' | wc -c) -ne $(head -c 8000 "$file" | wc -c) ]]; then
      echo "check-tree: $file is a binary file: build outputs never enter git" >&2
      bad=1
    fi
  done < <(git ls-files -z)

  local module
  for module in . tools; do
    if ! (cd "$module" && go mod tidy -diff 2> >(grep -v "^go: downloading" >&2)); then
      echo "check-tree: go mod tidy would change $module/go.mod or go.sum: run it and commit the result" >&2
      bad=1
    fi
  done
  return "$bad"
}

check_clean() {
  local status
  status=$(git status --porcelain --untracked-files=all)
  if [[ -n $status ]]; then
    echo "check-tree: the work tree is dirty after the checks:" >&2
    echo "$status" >&2
    return 1
  fi
}

case ${1:-} in
files) check_files ;;
clean) check_clean ;;
*)
  echo "usage: $0 files|clean" >&2
  exit 2
  ;;
esac
