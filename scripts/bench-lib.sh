# shellcheck shell=bash disable=SC2034 # (variables set here are read by the scripts that source it)
# Shared by scripts/load-bench.sh and scripts/soak.sh: building, minting tokens,
# starting pinned servers, reading /proc, and the wrk script that counts statuses.
# Sourced, not run. The caller has `set -euo pipefail` and is at the repository root.

# Where cargo puts binaries; the peer (its own workspace for now) builds there too.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
bin=$CARGO_TARGET_DIR/release

# The core each side runs on: the server alone on one, the load generator on the other.
server_core=0
load_core=1

bench_tmp=$(mktemp -d "${TMPDIR:-/tmp}/approov-bench.XXXXXX")
server_pids=()
load_pids=()

cleanup() {
  local pid
  for pid in "${load_pids[@]}" "${server_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${load_pids[@]}" "${server_pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$bench_tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need() {
  command -v "$1" >/dev/null || { echo "needs $1: $2" >&2; exit 1; }
}

# Builds the release binaries: the tool that mints tokens, the named examples and,
# with `peer`, the hand-rolled peer in benches/peer-axum.
build() {
  local packages=(-p approov-token) name peer=0
  for name in "$@"; do
    if [[ $name == peer ]]; then peer=1; else packages+=(-p "example-$name"); fi
  done
  cargo build --release --quiet "${packages[@]}"
  if ((peer)); then cargo build --release --quiet --manifest-path benches/peer-axum/Cargo.toml; fi
}

# The one place that knows the approov-token command line.
# mint_token SECRET EXPIRES_IN_SECONDS [BIND_HEADER_VALUE]
mint_token() {
  local secret=$1 expires_in=$2 bind=${3-}
  local args=(--secret-env APPROOV_BASE64_SECRET --expires-in "$expires_in")
  [[ -n $bind ]] && args+=(--bind-header-value "$bind")
  APPROOV_BASE64_SECRET=$secret "$bin/approov-token" "${args[@]}"
}

new_secret() { head -c 64 /dev/urandom | base64 -w0; }

# sign_requests SECRET URL COUNT: COUNT requests to URL signed by a fresh installation
# key (RFC 9421 `install`, the tool's default components), each its own signature
# (`created` a second apart), with a token for SECRET whose `ipk` is that key; printed
# as header lines, a blank line between requests.
sign_requests() {
  local secret=$1 url=$2 count=$3 key tok
  key=$bench_tmp/installation-$RANDOM.pem
  "$bin/approov-token" keygen --out "$key" >/dev/null
  tok=$(APPROOV_BASE64_SECRET=$secret "$bin/approov-token" mint --secret-env APPROOV_BASE64_SECRET \
    --expires-in 86400 --ipk-from "$key")
  "$bin/approov-token" sign-request --key "$key" --token "$tok" --headers-only --count "$count" "$url"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

server_binary() {
  if [[ $1 == peer ]]; then echo "$bin/peer-axum"; else echo "$bin/example-$1"; fi
}

# start_server NAME SECRET PORT LOGFILE: starts it on the server core with the log
# level a user gets by default (RUST_LOG and ROCKET_LOG_LEVEL unset, unless
# BENCH_RUST_LOG is given), stdout and stderr into LOGFILE, and waits until it accepts
# connections. Sets `server_pid`.
start_server() {
  local name=$1 secret=$2 port=$3 log=$4 env_args=(-u RUST_LOG -u ROCKET_LOG_LEVEL)
  [[ -n ${BENCH_RUST_LOG-} ]] && env_args+=("RUST_LOG=$BENCH_RUST_LOG")
  # Appending, so that a caller may empty the file between runs to save disk space.
  : >"$log"
  # Signed requests are made before the rounds: accepted up to a day old.
  env "${env_args[@]}" APPROOV_BASE64_SECRET="$secret" HOST=127.0.0.1 PORT="$port" \
    APPROOV_MESSAGE_SIGNATURE_MAX_AGE_SECS=86400 \
    taskset -c "$server_core" "$(server_binary "$name")" >>"$log" 2>&1 &
  server_pid=$!
  server_pids+=("$server_pid")
  local _
  for _ in $(seq 100); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "$name did not start:" >&2; cat "$log" >&2; exit 1
    fi
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$name does not accept connections on port $port after 10 s" >&2
  exit 1
}

stop_server() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local pid kept=()
  for pid in "${server_pids[@]}"; do [[ $pid == "$1" ]] || kept+=("$pid"); done
  server_pids=("${kept[@]}")
}

# CPU time the process has used, all its threads, in clock ticks: user and system, from
# one read (user_system_ticks), or their sum (cpu_ticks). Fields 14 and 15 of
# /proc/PID/stat; the fields after the command name, which may hold spaces, start at
# field 3.
user_system_ticks() {
  local stat
  stat=$(<"/proc/$1/stat")
  stat=${stat##*) }
  awk '{ print $12, $13 }' <<<"$stat"
}
cpu_ticks() { user_system_ticks "$1" | awk '{ print $1 + $2 }'; }
clk_tck=$(getconf CLK_TCK)

# CPU time the process's threads have run, in nanoseconds (field 1 of
# /proc/PID/task/TID/schedstat, summed): the same time as cpu_ticks, at nanosecond
# rather than clock-tick (10 ms) resolution, so short runs still measure it well.
cpu_ns() {
  cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# Nanoseconds the process's threads have spent runnable but waiting for a CPU (field 2
# of /proc/PID/task/TID/schedstat, summed): how much a neighbour got in its way.
run_delay_ns() {
  cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $2 } END { printf "%.0f\n", s }'
}

# Resident memory in KiB: rss_kib PID [VmRSS|VmHWM]
rss_kib() {
  awk -v key="${2:-VmRSS}:" '$1 == key { print $2 }' "/proc/$1/status"
}

file_bytes() { stat -c %s "$1"; }

cpu_model() {
  local model
  model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  printf '%s, %s cores online%s\n' "$model" "$(nproc --all)" \
    "$(lscpu 2>/dev/null | awk -F': *' '/^Hypervisor vendor/ { printf ", hypervisor %s", $2 }')"
}

# The wrk script: counts every answer by status (wrk itself only counts status >= 400
# as "Non-2xx or 3xx"), and prints one line that the scripts parse:
#   RESULT requests=N duration_us=N p50_us=N p99_us=N connect=N read=N write=N timeout=N statuses=200:N,401:N
# Defining `response` makes wrk hand each answer to Lua: see BENCHMARKING.md for what
# that costs the load generator.
status_lua=$bench_tmp/statuses.lua
cat >"$status_lua" <<'EOF'
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format("%d:%d", status, n))
  end
  table.sort(parts)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d connect=%d read=%d write=%d timeout=%d statuses=%s\n",
    summary.requests, summary.duration, math.floor(latency:percentile(50)),
    math.floor(latency:percentile(99)), e.connect, e.read, e.write, e.timeout,
    table.concat(parts, ",")))
end
EOF

# The wrk script of signed requests: the status counting above, and each request the
# next of the file SIGNED_REQUESTS names (header blocks, a blank line between them).
signed_lua=$bench_tmp/signed.lua
{
  cat "$status_lua"
  cat <<'EOF'

local signed = {}
do
  local block = {}
  for line in io.lines(os.getenv("SIGNED_REQUESTS")) do
    if line == "" then
      table.insert(signed, block)
      block = {}
    else
      local name, value = line:match("^([^:]+): (.*)$")
      block[name] = value
    end
  end
  if next(block) then table.insert(signed, block) end
end
local next_request = 0

function request()
  next_request = next_request % #signed + 1
  local headers = {}
  for name, value in pairs(signed[next_request]) do headers[name] = value end
  return wrk.format("GET", nil, headers)
end
EOF
} >"$signed_lua"

# result_field FIELD <<<"$wrk_output": one value of the RESULT line.
result_field() {
  awk -v key="$1" '$1 == "RESULT" { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == key) print kv[2] } }'
}
