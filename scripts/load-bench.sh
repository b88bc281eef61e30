#!/usr/bin/env bash
# Load against the four example servers with wrk (Debian package `wrk`), on 127.0.0.1:
# /unprotected (the framework alone), /token-check with a valid token, and with a
# garbage token. Each run is bounded (DURATION seconds); every server is stopped.
# Usage: scripts/load-bench.sh [DURATION] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-5}
connections=${2:-32}
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 1; }

cargo build --release --quiet -p approov-token -p example-axum -p example-actix -p example-rocket -p example-warp
export APPROOV_BASE64_SECRET
APPROOV_BASE64_SECRET=$(head -c 64 /dev/urandom | base64 -w0)
valid=$(target/release/approov-token --expires-in 3600)

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
printf '%-8s %-24s %12s %12s\n' framework route requests/s p50
for framework in axum actix rocket warp; do
  port=$((18000 + RANDOM % 1000))
  RUST_LOG=warn ROCKET_LOG_LEVEL=off PORT=$port target/release/example-$framework >/dev/null 2>&1 &
  pid=$!; pids+=("$pid")
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
  for run in "unprotected|" "token-check|$valid" "token-check (garbage)|garbage"; do
    name=${run%%|*}; token=${run#*|}; path=${name%% *}
    out=$(wrk -t1 -c"$connections" -d"${duration}s" --latency -H "Approov-Token: $token" "http://127.0.0.1:$port/$path")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    printf '%-8s %-24s %12s %12s\n' "$framework" "/$name" "$rps" "$p50"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
