#!/usr/bin/env bash
# The single test command (`npm test`, also run by CI through .ci/run). Works on a fresh clone:
#
#   1. npm ci when node_modules is missing or older than package-lock.json
#   2. browser for the UI tests: apt-get install chromium when root and missing (best effort)
#   3. graphql-codegen --check, tsc --noEmit, eslint, prettier --check
#   4. unit tests (vitest project "unit")
#   5. start Elasticsearch (scripts/elasticsearch.sh), integration tests (vitest project
#      "integration") with ELASTICSEARCH_URL set, and always stop Elasticsearch again
#
# Stops at the first failing step and exits with its status.
#
# Environment (all optional):
#   LSHQL_TEST_FILTER    extra arguments for both vitest runs, e.g. "similar" or "-t ranking"
#                        (with a filter, a project without matching files does not fail)
#   LSHQL_SKIP_BROWSER   set to skip the chromium install step
#   LSHQL_KEEP_ES        set to leave Elasticsearch running afterwards
#   ES_PORT, ES_HEAP, ES_JAVA_OPTS, LSHQL_CACHE_DIR   see scripts/elasticsearch.sh
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_DIR"

ES_SCRIPT="$REPO_DIR/scripts/elasticsearch.sh"
SUMMARY=()

section() { printf '\n==== %s ====\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }

# step NAME COMMAND...: prints a header, runs the command, stops the whole run on failure.
step() {
  local name=$1 started=$SECONDS rc=0
  shift
  section "$name"
  "$@" || rc=$?
  if [ "$rc" -ne 0 ]; then
    SUMMARY+=("FAILED  $name ($((SECONDS - started))s, exit $rc)")
    printf '\n==== FAILED: %s (exit %s) ====\n' "$name" "$rc" >&2
    exit "$rc"
  fi
  SUMMARY+=("ok      $name ($((SECONDS - started))s)")
}

print_summary() {
  local line
  [ "${#SUMMARY[@]}" -gt 0 ] || return 0
  section "Summary"
  for line in "${SUMMARY[@]}"; do printf '  %s\n' "$line"; done
}

ES_STARTED=
on_exit() {
  local rc=$?
  trap - EXIT
  if [ -n "$ES_STARTED" ]; then
    if [ -n "${LSHQL_KEEP_ES:-}" ]; then
      section "Leaving Elasticsearch running (LSHQL_KEEP_ES): $(bash "$ES_SCRIPT" url)"
    else
      section "Stopping Elasticsearch"
      bash "$ES_SCRIPT" stop || warn "could not stop Elasticsearch"
    fi
  fi
  print_summary
  if [ "$rc" -eq 0 ]; then section "All checks passed"; fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Extra vitest arguments.
VITEST_EXTRA=()
if [ -n "${LSHQL_TEST_FILTER:-}" ]; then
  read -r -a VITEST_EXTRA <<<"$LSHQL_TEST_FILTER"
  VITEST_EXTRA+=(--passWithNoTests)
fi

# Never let npx fetch a missing tool from the registry: everything comes from package-lock.json.
run_bin() { npx --no -- "$@"; }

needs_npm_ci() {
  [ -d node_modules ] || return 0
  [ -f node_modules/.package-lock.json ] || return 0
  [ package-lock.json -nt node_modules/.package-lock.json ] && return 0
  return 1
}

install_deps() {
  if needs_npm_ci; then
    npm ci --no-audit --no-fund
  else
    echo "node_modules is up to date with package-lock.json"
  fi
}

# Hook for the browser used by the UI tests (playwright-core drives a system chromium).
install_browser() {
  if [ -n "${LSHQL_SKIP_BROWSER:-}" ]; then
    echo "skipped (LSHQL_SKIP_BROWSER is set)"
    return 0
  fi
  if [ -x /usr/bin/chromium ]; then
    echo "chromium present: /usr/bin/chromium"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    warn "/usr/bin/chromium not found and cannot be installed here (needs root and apt-get)"
    return 0
  fi
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; then
    echo "installed chromium: /usr/bin/chromium"
  else
    warn "could not install chromium with apt-get; continuing without it"
  fi
  return 0
}

codegen_check() {
  if [ -f codegen.ts ]; then
    run_bin graphql-codegen --config codegen.ts --check
  else
    warn "codegen.ts not found; skipping the generated-types check"
  fi
}

section "lshql tests in $REPO_DIR (node $(node --version), npm $(npm --version))"

step "Install dependencies (npm ci)" install_deps
step "Browser (chromium)" install_browser
step "GraphQL codegen check" codegen_check
step "Type check (tsc)" run_bin tsc -p tsconfig.json --noEmit
step "Lint (eslint)" run_bin eslint .
step "Format (prettier --check)" run_bin prettier --check .
step "Unit tests" run_bin vitest run --project unit ${VITEST_EXTRA[@]+"${VITEST_EXTRA[@]}"}

# The integration tests are short-lived: a C1-only JIT starts Elasticsearch ~30% faster.
export ES_JAVA_OPTS="${ES_JAVA_OPTS:--XX:TieredStopAtLevel=1}"
ES_STARTED=1
step "Start Elasticsearch" bash "$ES_SCRIPT" start
ELASTICSEARCH_URL=$(bash "$ES_SCRIPT" url)
export ELASTICSEARCH_URL
echo "ELASTICSEARCH_URL=$ELASTICSEARCH_URL"
step "Integration tests" run_bin vitest run --project integration ${VITEST_EXTRA[@]+"${VITEST_EXTRA[@]}"}
