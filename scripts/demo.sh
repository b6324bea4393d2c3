#!/usr/bin/env bash
# make demo: builds the provider and the local Auth API server, starts the server on a free
# loopback port with a demo client, applies examples/demo through Terraform CLI dev_overrides
# (no registry, no terraform init), rotates the app token, destroys, shows that the server
# holds no active token, stops the server and checks that nothing printed holds a secret.
# A failure at any step stops the server and exits non-zero, naming the step.
#
# The script runs itself twice: the outer run records everything the inner run (the demo)
# prints, then searches that transcript for secrets.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly repo
readonly client_id=demo-pipeline

# ---------------------------------------------------------------------------------------
# Inner run: the demo itself. $1 is the work directory; DEMO_CLIENT_SECRET the client secret.

step_count=0
step_title="(before the first step)"
work=""
terraform=""
server_pid=""
server_root=""

step() {
  step_count=$((step_count + 1))
  step_title=$*
  printf '\n==> Step %d. %s\n' "$step_count" "$step_title"
}

say() { printf '    %s\n' "$@"; }

# indent sets off what a tool printed from the story around it.
indent() { sed 's/^/    | /'; }

fail() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}


# demo_cli: the CLI the demo runs. TF names it (`make demo TF=tofu`): a path, a command on
# PATH, or a CLI that scripts/cli-cache.sh unpacks (tofu means OpenTofu 1.12.6 there when
# no tofu is on PATH); without TF, the Terraform that scripts/find-terraform.sh picks.
demo_cli() {
  case ${TF:-} in
  "") scripts/find-terraform.sh ;;
  */*) echo "$TF" ;;
  *)
    command -v "$TF" ||
      { [[ $TF == tofu ]] && scripts/cli-cache.sh tofu-1.12.6; } ||
      scripts/cli-cache.sh "$TF" ||
      { echo "demo: no CLI named $TF (a path, a command on PATH, or a name scripts/cli-cache.sh knows)" >&2; return 1; }
    ;;
  esac
}
# tf runs Terraform on the demo's copy of examples/demo.
tf() { "$terraform" -chdir="$work/config" "$@" 2>&1 | indent; }

# tf_output prints one output's value as it is.
tf_output() { "$terraform" -chdir="$work/config" output -no-color -raw "$1"; }

# tf_output_list prints a list output, such as ["a","b"], as "a, b".
tf_output_list() { "$terraform" -chdir="$work/config" output -no-color -json "$1" | sed 's/[]["]//g; s/,/, /g'; }

# show_outputs prints what terraform output says about the demo's long-term tokens.
show_outputs() {
  local client name id scopes expires
  client=$(tf_output client_id)
  say "terraform output (client $client):"
  for name in bootstrap app; do
    id=$(tf_output "${name}_token_id")
    scopes=$(tf_output_list "${name}_scopes")
    expires=$(tf_output "${name}_expires_at")
    printf '    | %-9s  %s  expires %s  scopes %s\n' "$name" "$id" "$expires" "$scopes"
  done
}

# server_tokens prints the server's record of every token and checks it (see scripts/demo-tokens).
server_tokens() { "$work/bin/demo-tokens" -server "$server_root" "$@" | indent; }

stop_server() {
  local pid=$server_pid
  server_pid=""
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid"
}

on_inner_exit() {
  local status=$?
  if [[ -n "$server_pid" ]]; then
    stop_server || true
    if ((status != 0)) && [[ -s "$work/server.log" ]]; then
      printf '\nLast lines of the server log:\n'
      tail -n 15 "$work/server.log" | indent
    fi
  fi
  if ((status != 0)); then
    printf '\nDEMO FAILED at step %d, "%s" (exit status %d). The server is stopped.\n' "$step_count" "$step_title" "$status" >&2
  fi
  exit "$status"
}

run_demo() {
  work=$1
  local client_secret=$DEMO_CLIENT_SECRET
  unset DEMO_CLIENT_SECRET
  trap on_inner_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  # The demo's own settings only: no AUTH_* or extra CLI arguments from the caller's shell,
  # and no Terraform version check over the network.
  local name
  while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep -E '^(AUTH_|TF_CLI_ARGS)' || true)
  export CHECKPOINT_DISABLE=1

  step "build the provider and the local Auth API server"
  cd "$repo"
  go build -o "$work/plugins/terraform-provider-auth" .
  go build -o "$work/bin/auth-server" ./cmd/auth-server
  go build -o "$work/bin/demo-tokens" ./scripts/demo-tokens
  say "built terraform-provider-auth, auth-server and demo-tokens into $work"

  step "write a Terraform CLI configuration with dev_overrides for example/auth"
  terraform=$(demo_cli)
  cat >"$work/terraformrc" <<EOF
# The provider comes from the build above; there is no installation method, so nothing
# can come from a registry, and terraform init is not needed.
provider_installation {
  dev_overrides {
    "example/auth" = "$work/plugins"
  }
}
EOF
  export TF_CLI_CONFIG_FILE=$work/terraformrc TF_IN_AUTOMATION=1
  mkdir -p "$work/config"
  cp examples/demo/*.tf "$work/config/"
  say "CLI: $terraform ($("$terraform" version | sed -n 1p))" \
    "TF_CLI_CONFIG_FILE=$TF_CLI_CONFIG_FILE:"
  indent <"$work/terraformrc"
  say "configuration: examples/demo, copied to $work/config"

  step "start the local Auth API server on a free loopback port"
  (
    umask 077
    printf '{"clients":[{"id":"%s","secret":"%s","allowed_scopes":["tokens:write","tokens:revoke","deploy:read","deploy:write"],"default_scopes":["deploy:read"]}]}\n' \
      "$client_id" "$client_secret" >"$work/clients.json"
  )
  "$work/bin/auth-server" -clients "$work/clients.json" -listen 127.0.0.1:0 -url-file "$work/endpoint" \
    >/dev/null 2>"$work/server.log" &
  server_pid=$!
  local waited
  for ((waited = 0; waited < 100; waited++)); do
    [[ -s "$work/endpoint" ]] && break
    kill -0 "$server_pid" 2>/dev/null || fail "the server exited at start"
    sleep 0.1
  done
  [[ -s "$work/endpoint" ]] || fail "the server wrote no endpoint within 10 seconds"
  rm "$work/clients.json" # the server keeps only a hash of the secret
  local endpoint
  endpoint=$(<"$work/endpoint")
  server_root=${endpoint%/v1}
  say "server up at $endpoint (pid $server_pid)" \
    "demo client \"$client_id\" with a random secret made for this run (never printed)"
  export TF_VAR_endpoint=$endpoint TF_VAR_client_id=$client_id TF_VAR_client_secret=$client_secret

  step "terraform apply #1: bootstrap token -> short-term token -> aliased provider -> app token"
  tf apply -input=false -auto-approve -no-color -compact-warnings -var app_version=1
  show_outputs
  local bootstrap_id app_id
  bootstrap_id=$(tf_output bootstrap_token_id)
  app_id=$(tf_output app_token_id)
  say "bootstrap $bootstrap_id was issued with the client secret; the short-term token exchanged" \
    "for it configured provider auth.scoped, which issued app $app_id with token_exchange." \
    "The server's record (GET $server_root/_test/tokens):"
  server_tokens -expect "$bootstrap_id=active/client_secret" -expect "$app_id=active/token_exchange" -active 2

  step "terraform apply #2: rotation_triggers.version 1 -> 2 rotates the app token"
  tf apply -input=false -auto-approve -no-color -compact-warnings -var app_version=2
  show_outputs
  local new_app_id rotated_from old_end
  new_app_id=$(tf_output app_token_id)
  rotated_from=$(tf_output app_rotated_from)
  old_end=$(tf_output app_previous_token_expires_at)
  [[ "$new_app_id" != "$app_id" ]] || fail "the app token was not rotated: still $app_id"
  [[ "$rotated_from" == "$app_id" ]] || fail "app_rotated_from is $rotated_from, want $app_id"
  [[ "$(tf_output bootstrap_token_id)" == "$bootstrap_id" ]] || fail "the bootstrap token changed, want it untouched"
  say "rotated: $app_id -> $new_app_id; the old token stopped working at $old_end (no grace period)." \
    "The server lists the old one as revoked and the new one as active:"
  server_tokens -expect "$app_id=revoked" -expect "$new_app_id=active/token_exchange" \
    -expect "$bootstrap_id=active/client_secret" -active 2

  step "terraform destroy"
  tf destroy -input=false -auto-approve -no-color -compact-warnings -var app_version=2
  [[ -z "$("$terraform" -chdir="$work/config" state list)" ]] || fail "the Terraform state still lists resources"

  step "the server's record after destroy: no active token"
  say "GET $server_root/_test/tokens"
  server_tokens -active 0

  step "stop the server"
  local pid=$server_pid
  stop_server || fail "the server exited with status $? on SIGTERM"
  say "server (pid $pid) stopped"
}

# ---------------------------------------------------------------------------------------
# Outer run: keeps the transcript, then makes sure that no secret is in it.

# find_secrets prints where the transcript or the server log holds the client secret, a
# long-term token secret (ltk_...) or a short-term JWT, naming lines but never the text.
find_secrets() {
  local secret=$1 file pattern what lines
  shift
  for file in "$@"; do
    [[ -f "$file" ]] || continue
    for pattern in "F:$secret" "E:ltk_" 'E:eyJ[A-Za-z0-9_-]+\.eyJ'; do
      case $pattern in
        F:*) what="the client secret" ;;
        E:ltk_) what="a long-term token secret (ltk-prefixed)" ;;
        *) what="a short-term token (JWT)" ;;
      esac
      lines=$(grep -n "-${pattern%%:*}" -- "${pattern#*:}" "$file" | cut -d: -f1 | paste -sd, -) || true
      [[ -z "$lines" ]] || printf '%s: %s on line(s) %s\n' "$(basename "$file")" "$what" "$lines"
    done
  done
}

main() {
  # Global, not local: the EXIT trap runs after main has returned.
  work=$(mktemp -d "${TMPDIR:-/tmp}/auth-demo.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  local secret status=0
  secret=demo-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  DEMO_CLIENT_SECRET=$secret "$BASH" "${BASH_SOURCE[0]}" --inner "$work" 2>&1 | tee -i "$work/transcript.log" || status=$?

  printf '\n==> Last step: search everything the demo printed, and the server log, for secrets\n'
  local leaks
  leaks=$(find_secrets "$secret" "$work/transcript.log" "$work/server.log")
  if [[ -n "$leaks" ]]; then
    say "$leaks"
    printf '\nDEMO FAILED at step "search for secrets": a secret was printed.\n' >&2
    exit 1
  fi
  say "no client secret, no long-term token secret (ltk-prefixed), no JWT: nothing secret was printed or logged"
  if ((status != 0)); then
    printf '\nDEMO FAILED: the failed step is named above.\n' >&2
    exit "$status"
  fi
  printf '\nDemo complete: every token the demo issued is revoked and the server is stopped.\n'
}

if [[ "${1:-}" == --inner ]]; then
  run_demo "$2"
else
  main
fi
