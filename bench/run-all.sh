#!/usr/bin/env bash
# bench/run-all.sh — run every benchmark (bench/*/*.bench.ts) one after the other and print their tables.
#
# Usage: bench/run-all.sh [name...]      names are bench folders: event-store, bus (default: all of them)
#
# - Loads the local infrastructure URLs (POSTGRES_URL, KAFKA_BROKERS, MONGO_URL) from `deploy/local/env`
#   when it works; a variable already set in the environment wins. Without them, the benchmarks skip
#   PostgreSQL / Kafka and say so.
# - Each benchmark bounds itself; BENCH_TIMEOUT (seconds, default 600) is an outer guard that kills a
#   benchmark that hangs anyway.
# - Tables go to stdout (markdown), progress and warnings to stderr: `bench/run-all.sh > results.md`.
# - Exit status: 0 if every benchmark succeeded, 1 if one failed or timed out (the others still run),
#   2 on a usage error.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
TIMEOUT="${BENCH_TIMEOUT:-600}"

log() { printf '[bench] %s\n' "$*" >&2; }

# Infrastructure URLs, without overriding what the caller already exported.
if infra_env="$(deploy/local/env 2>/dev/null)"; then
  while IFS= read -r line; do
    [[ $line =~ ^export\ ([A-Z_][A-Z0-9_]*)= ]] || continue
    name="${BASH_REMATCH[1]}"
    if [[ -z ${!name:-} ]]; then eval "$line"; fi
  done <<<"$infra_env"
  log "infrastructure from deploy/local/env: POSTGRES_URL=${POSTGRES_URL:-} KAFKA_BROKERS=${KAFKA_BROKERS:-}"
else
  log "deploy/local/env: nothing is up (deploy/local/up); using the environment as is"
fi

# Which benchmarks.
mapfile -t all < <(find bench -mindepth 2 -maxdepth 2 -name '*.bench.ts' | sort)
if [[ ${#all[@]} -eq 0 ]]; then
  log "no bench/*/*.bench.ts found"
  exit 2
fi
selected=()
if [[ $# -eq 0 ]]; then
  selected=("${all[@]}")
else
  for name in "$@"; do
    match=()
    for file in "${all[@]}"; do [[ $file == "bench/$name/"* ]] && match+=("$file"); done
    if [[ ${#match[@]} -eq 0 ]]; then
      log "unknown benchmark '$name' (available: $(printf '%s ' "${all[@]}" | sed -E 's#bench/([^/]+)/[^ ]+#\1#g'))"
      exit 2
    fi
    selected+=("${match[@]}")
  done
fi

log "$(nproc 2>/dev/null || echo '?') cores, node $(node --version), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
failed=()
for file in "${selected[@]}"; do
  printf '\n## %s\n\n' "$file"
  log "running $file (outer limit ${TIMEOUT}s)"
  began=$SECONDS
  # --foreground: Ctrl-C reaches the benchmark; on the limit, TERM and 10 s later KILL.
  timeout --foreground -k 10 "$TIMEOUT" node -r ./tools/jest/register-ts.js "$file"
  status=$?
  if [[ $status -eq 0 ]]; then
    log "$file: ok in $((SECONDS - began))s"
  else
    [[ $status -eq 124 || $status -eq 137 ]] && why="timed out after ${TIMEOUT}s" || why="exit status $status"
    log "$file: FAILED ($why)"
    failed+=("$file")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  log "failed: ${failed[*]}"
  exit 1
fi
log "all ${#selected[@]} benchmark(s) passed"
