#!/usr/bin/env bash
# The action's run step: runs the command, then hands GitHub what it reads. Under GitHub Actions
# the binary itself appends its markdown summary to $GITHUB_STEP_SUMMARY and annotates each
# failure; this step adds the JUnit file and the exit code as step outputs, a summary when the
# command stopped before judging anything, and an annotation that says what a failing exit code
# means. The exit code is passed through.
set -uo pipefail

binary="${MFA_CONTRACT_DIR:+$MFA_CONTRACT_DIR/}mfa-contract"
summary="${GITHUB_STEP_SUMMARY:-}"
[ "${MFA_CONTRACT_SUMMARY:-true}" = "true" ] || summary=""
outputs="${GITHUB_OUTPUT:-/dev/null}"

# Words as a shell would group them (quotes, backslashes), with nothing expanded or run.
args=()
while IFS= read -r -d '' word; do args+=("$word"); done < <(printf '%s' "${MFA_CONTRACT_COMMAND:-}" | xargs printf '%s\0')
if [ ${#args[@]} -eq 0 ]; then
  echo "::error title=mfa-contract action::the command input is empty (e.g. check --target URL)"
  exit 2
fi

given() {
  local word
  for word in "${args[@]}"; do
    case "$word" in "$1" | "$1"=*) return 0 ;; esac
  done
  return 1
}

# The value given to a flag (`--flag VALUE` or `--flag=VALUE`).
value_of() {
  local i
  for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
      "$1") echo "${args[i + 1]:-}" && return ;;
      "$1"=*) echo "${args[i]#*=}" && return ;;
    esac
  done
}

junit=""
if [ "${args[0]}" = "check" ]; then
  if given --junit; then
    junit="$(value_of --junit)"
  else
    junit="${MFA_CONTRACT_JUNIT:-mfa-contract-junit.xml}"
    args+=(--junit "$junit")
  fi
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# The summary input off: the binary finds no summary file to write to.
summary_env=()
[ -n "$summary" ] || summary_env=(-u GITHUB_STEP_SUMMARY)
env ${summary_env[@]+"${summary_env[@]}"} "$binary" "${args[@]}" 2> >(tee "$log" >&2) | tee -a "$log"
code=${PIPESTATUS[0]}
wait

if [ -n "$summary" ] && [ "$code" -ge 2 ]; then
  # The command wrote no summary: it stopped before judging anything.
  # shellcheck disable=SC2016 # the backticks are a markdown fence
  printf '## mfa-contract %s (exit %s)\n\n```text\n%s\n```\n' "${args[0]}" "$code" "$(tail -n 20 "$log")" >>"$summary"
fi

echo "exit-code=$code" >>"$outputs"
if [ -n "$junit" ] && [ -f "$junit" ]; then echo "junit=$junit" >>"$outputs"; fi
case "$code" in
  0) ;;
  1) echo "::error title=mfa-contract ${args[0]}::exit 1: the contract is broken (violations, drift or a breaking change); see the summary" ;;
  3) echo "::error title=mfa-contract ${args[0]}::exit 3: the environment, not the contract (target unreachable, token refused, or a rate limit that never lifts)" ;;
  *) echo "::error title=mfa-contract ${args[0]}::exit $code: usage or configuration error; see the log" ;;
esac
exit "$code"
