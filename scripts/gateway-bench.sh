#!/usr/bin/env bash
# What approov-gateway costs per request next to nginx doing the same proxying, with
# wrk (Debian package `wrk`) and Debian's nginx on 127.0.0.1. The method is
# scripts/load-bench.sh's (see BENCHMARKING.md); in short:
#
# - One upstream for all: nginx on 127.0.0.1:9000 answering `200 {"ok":true}` with
#   keep-alive, pinned to core 1 with wrk. Its CPU is not what is measured: it only has
#   to keep up (it does far less than the proxy in front of it).
# - Four scenarios, each server under test alone on core 0 (`taskset -c 0`), wrk
#   (`-t1 -c32`) on core 1:
#     nginx-default    nginx (1 worker) on :8084 with `proxy_pass` alone, as its
#                      documentation writes it: HTTP/1.0 and a new connection to the
#                      upstream per request (its defaults)
#     nginx-proxy      a second nginx (1 worker) on :8080, `proxy_pass` to the upstream
#                      over a keep-alive pool (`upstream api { ... keepalive 64; }`,
#                      HTTP/1.1, `Connection ""`): the fair comparison to the gateway's
#                      pooled client
#     gateway-open     approov-gateway, mode = "proxy", default = "open", on :8081
#     gateway-protect  the same with default = "protect", a valid token on every
#                      request, on :8082
#     gateway-auth     mode = "auth" (default protect), on :8083: wrk sends the token
#                      and X-Original-URI: /api/x, X-Original-Method: GET straight to
#                      it: checks per second on one core
#   The gateway is a multi-threaded tokio runtime; `taskset -c 0` keeps all its
#   threads (workers and blocking pool) on core 0, so it has one core like nginx.
#   keepalive_requests is raised on both nginx so neither they nor the gateway's pool
#   reconnect every 1,000 requests (nginx's default).
# - Per run: requests/s, p99 latency, and the CPU time per request of the process under
#   test: utime + stime from /proc/PID/stat (clock ticks), just before and just after
#   the wrk run, over the gateway's process (all threads) or the sum over scenario A's
#   nginx worker(s) (its master is idle and left out). The same from schedstat (ns)
#   is kept as a cross-check of the 10 ms ticks. "busy" = that CPU time over the run's
#   wall time: near 100% the server was the limit; well under it, wrk or the upstream
#   on core 1 was, or a neighbour took core 0 (such runs are counted in the "<90%"
#   column). "waited" = the time its threads were ready to run but had no CPU
#   (schedstat): on a shared machine, how much neighbours got in the way. "core 0 %" and
#   "core 1 %" = each core's busy time over the run (/proc/stat): core 1 at 100% with
#   the server under 90% busy and not waiting means wrk + upstream were the limit.
#   Loopback TCP work done in softirq is charged to the core, not to the process, so
#   core 0 % can exceed busy with nothing else running.
#   gateway-open and gateway-protect get the same request, token included (the Approov
#   SDK sends it on every request to the API's domain, open routes too): the
#   difference between the two is the check alone.
# - Every answer's status is counted (a wrk Lua script): anything but 200, or any
#   socket error, marks the run FAILED; it is left out of the medians and the script
#   exits 1 at the end.
# - Rounds are interleaved (round, then scenario; even rounds in reverse order) and
#   medians over rounds are reported, with the ratios
#     gateway-protect ÷ gateway-open CPU/req   (target ≤ 1.05: the check is cheap)
#     gateway-protect ÷ nginx-proxy CPU/req    (target ≤ 1.2)
#     gateway-protect ÷ nginx-default CPU/req  (the same target, against nginx's defaults)
#   as a markdown table, with the machine and the date.
#
# Usage: scripts/gateway-bench.sh [--smoke] [--rounds R] [--duration D] [--connections C]
#                                 [--no-build] [--keep FILE]
#   --smoke        1 round of 1 s, no warm-up (a check that all of it works)
#   --rounds R     default 5;  --duration D  seconds per run, default 5
#   --connections  wrk connections, default 32
#   --no-build     use target/release/approov-gateway and approov-token as they are
#   --keep FILE    also write the raw per-run table (TSV) to FILE
# BENCH_RUST_LOG sets RUST_LOG for the gateway (default: unset, the `info` a user gets).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=5 duration=5 connections=32 smoke=0 do_build=1 keep=''
while (($#)); do
  case $1 in
    --smoke) smoke=1 rounds=1 duration=1 ;;
    --rounds) rounds=$2; shift ;;
    --duration) duration=$2; shift ;;
    --connections) connections=$2; shift ;;
    --no-build) do_build=0 ;;
    --keep) keep=$2; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh # cleanup trap, pinning cores, /proc readers, the status-counting wrk script
need wrk "apt-get install -y wrk"
need taskset "apt-get install -y util-linux"
need python3 "apt-get install -y python3"
need curl "apt-get install -y curl"
nginx=/usr/sbin/nginx
[[ -x $nginx ]] || { echo "needs $nginx: apt-get install -y nginx-light" >&2; exit 1; }

upstream_port=9000
declare -A port=([nginx-proxy]=8080 [gateway-open]=8081 [gateway-protect]=8082 [gateway-auth]=8083 [nginx-default]=8084)
scenarios=(nginx-default nginx-proxy gateway-open gateway-protect gateway-auth)

for p in "$upstream_port" "${port[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "127.0.0.1:$p is already taken: stop what listens there first" >&2
    exit 1
  fi
done

if ((do_build)); then cargo build --release --quiet -p approov-token -p approov-gateway; fi
for b in approov-gateway approov-token; do
  [[ -x $bin/$b ]] || { echo "no $bin/$b: build it (cargo build --release -p $b) or drop --no-build" >&2; exit 1; }
done

# wait_port NAME PID PORT LOG: until PORT takes connections (PID must stay alive).
wait_port() {
  local name=$1 pid=$2 p=$3 log=$4 _
  for _ in $(seq 100); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name did not start:" >&2; cat "$log" >&2; exit 1
    fi
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$name does not accept connections on port $p after 10 s" >&2
  exit 1
}

# start_nginx NAME CORE SERVER-BLOCKS: a foreground nginx (master + 1 worker) pinned to
# CORE, everything it writes under $bench_tmp/NAME. Sets `nginx_pid` (the master).
start_nginx() {
  local name=$1 core=$2 blocks=$3 dir=$bench_tmp/$1
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  keepalive_timeout 75s;
  keepalive_requests 100000000;
$blocks
}
EOF
  taskset -c "$core" "$nginx" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" >"$dir/stdout.log" 2>&1 &
  nginx_pid=$!
  server_pids+=("$nginx_pid")
}

# The upstream, on core 1 with wrk.
start_nginx upstream "$load_core" "  server {
    listen 127.0.0.1:$upstream_port;
    default_type application/json;
    location / { return 200 '{\"ok\":true}'; }
  }"
upstream_pid=$nginx_pid
wait_port upstream "$upstream_pid" "$upstream_port" "$bench_tmp/upstream/error.log"

# Scenario A: nginx proxying, one worker on core 0.
start_nginx nginx-proxy "$server_core" "  upstream api {
    server 127.0.0.1:$upstream_port;
    keepalive 64;
    keepalive_requests 100000000;
  }
  server {
    listen 127.0.0.1:${port[nginx-proxy]};
    location / {
      proxy_pass http://api;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
  }"
declare -A master
master[nginx-proxy]=$nginx_pid
wait_port nginx-proxy "$nginx_pid" "${port[nginx-proxy]}" "$bench_tmp/nginx-proxy/error.log"

# Scenario A': nginx's `proxy_pass` as its documentation writes it, nothing else: HTTP/1.0
# to the upstream, a new connection per request (its defaults).
start_nginx nginx-default "$server_core" "  server {
    listen 127.0.0.1:${port[nginx-default]};
    location / {
      proxy_pass http://127.0.0.1:$upstream_port;
    }
  }"
master[nginx-default]=$nginx_pid
wait_port nginx-default "$nginx_pid" "${port[nginx-default]}" "$bench_tmp/nginx-default/error.log"

# A fresh random 32-byte secret, base64url, and a token for it valid for a day.
secret=$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')
token=$(cd "$bench_tmp" && env -i PATH="$PATH" APPROOV_BASE64URL_SECRET="$secret" \
  "$bin/approov-token" mint --secret-env APPROOV_BASE64URL_SECRET --expires-in 86400)

# start_gateway NAME MODE DEFAULT: its config and log under $bench_tmp/NAME, run from
# there (no stray .env) with a clean environment, pinned to core 0. Sets `gateway_pid`.
start_gateway() {
  local name=$1 mode=$2 default=$3 dir=$bench_tmp/$1 env_args
  mkdir -p "$dir"
  {
    echo "listen = \"127.0.0.1:${port[$name]}\""
    echo "mode = \"$mode\""
    echo "default = \"$default\""
    echo "shutdown_grace_secs = 1"
    if [[ $mode == proxy ]]; then echo "upstream = \"http://127.0.0.1:$upstream_port\""; fi
  } >"$dir/gateway.toml"
  env_args=(PATH="$PATH" APPROOV_BASE64URL_SECRET="$secret")
  [[ -n ${BENCH_RUST_LOG-} ]] && env_args+=("RUST_LOG=$BENCH_RUST_LOG")
  (cd "$dir" && exec env -i "${env_args[@]}" taskset -c "$server_core" "$bin/approov-gateway" \
    --config gateway.toml >"$dir/gateway.log" 2>&1) &
  gateway_pid=$!
  server_pids+=("$gateway_pid")
  wait_port "$name" "$gateway_pid" "${port[$name]}" "$dir/gateway.log"
}

declare -A pid
start_gateway gateway-open proxy open
pid[gateway-open]=$gateway_pid
start_gateway gateway-protect proxy protect
pid[gateway-protect]=$gateway_pid
start_gateway gateway-auth auth protect
pid[gateway-auth]=$gateway_pid

# The wrk arguments of each scenario (after the common ones).
declare -A target
target[nginx-proxy]="http://127.0.0.1:${port[nginx-proxy]}/api/x"
target[nginx-default]="http://127.0.0.1:${port[nginx-default]}/api/x"
target[gateway-open]="http://127.0.0.1:${port[gateway-open]}/api/x"
target[gateway-protect]="http://127.0.0.1:${port[gateway-protect]}/api/x"
target[gateway-auth]="http://127.0.0.1:${port[gateway-auth]}/auth"
headers() {
  case $1 in
    gateway-open | gateway-protect) printf '%s\0' -H "Approov-Token: $token" ;;
    gateway-auth) printf '%s\0' -H "Approov-Token: $token" -H "X-Original-URI: /api/x" -H "X-Original-Method: GET" ;;
  esac
}

# Before measuring: each scenario answers 200 (proxies: the upstream's body), and the
# protecting gateways refuse a request without a token (they do check).
preflight_failed=0
expect() { # expect WHAT WANT-STATUS WANT-BODY|- CURL-ARGS...
  local what=$1 want=$2 body=$3 out status
  shift 3
  out=$(curl -s -w '\n%{http_code}' "$@") || true
  status=${out##*$'\n'}
  out=${out%$'\n'*}
  if [[ $status != "$want" || ($body != - && $out != "$body") ]]; then
    echo "preflight: $what: expected $want${body:+ $body}, got $status $out" >&2
    preflight_failed=1
  fi
}
for s in "${scenarios[@]}"; do
  mapfile -d '' h < <(headers "$s")
  body='{"ok":true}'
  [[ $s == gateway-auth ]] && body=-
  expect "$s" 200 "$body" "${h[@]}" "${target[$s]}"
done
expect "gateway-protect without a token" 401 - "${target[gateway-protect]}"
expect "gateway-auth without a token" 401 - -H "X-Original-URI: /api/x" -H "X-Original-Method: GET" "${target[gateway-auth]}"
((preflight_failed)) && { echo "FAILED: preflight (see above)" >&2; exit 1; }

# The pids whose CPU is measured: the gateway, or nginx-proxy's workers (children of
# its master).
measured_pids() {
  if [[ $1 == nginx-* ]]; then
    local workers
    workers=$(ps -o pid= --ppid "${master[$1]}" | tr -s ' \n' ' ')
    [[ -n ${workers// /} ]] || { echo "$1 has no worker" >&2; exit 1; }
    echo "$workers"
  else
    echo "${pid[$1]}"
  fi
}
ticks_of() { local p t=0; for p in "$@"; do t=$((t + $(cpu_ticks "$p"))); done; echo "$t"; }
ns_of() { local p t=0; for p in "$@"; do t=$((t + $(cpu_ns "$p"))); done; echo "$t"; }
wait_of() { local p t=0; for p in "$@"; do t=$((t + $(run_delay_ns "$p"))); done; echo "$t"; }
# core_ticks CORE: "busy total" clock ticks of that core so far (/proc/stat; idle and
# iowait are idle, steal counts as busy: the core was not ours).
core_ticks() {
  awk -v cpu="cpu$1" '$1 == cpu { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

results=$bench_tmp/results.tsv
printf 'round\tscenario\tok\trequests\tduration_us\tp99_us\tcpu_ticks\tcpu_ns\twait_ns\tcore0\tcore1\tstatuses\terrors\n' >"$results"
failed=0

# run ROUND SCENARIO: one wrk run, checked, appended to $results.
run() {
  local round=$1 s=$2 pids h out ticks0 ticks1 ns0 ns1 wait0 wait1 before after cores0 cores1
  read -ra pids <<<"$(measured_pids "$s")"
  mapfile -d '' h < <(headers "$s")
  before=${pids[*]}
  ticks0=$(ticks_of "${pids[@]}")
  ns0=$(ns_of "${pids[@]}")
  wait0=$(wait_of "${pids[@]}")
  cores0="$(core_ticks "$server_core") $(core_ticks "$load_core")"
  out=$(taskset -c "$load_core" wrk -t1 -c"$connections" -d"${duration}s" -s "$status_lua" \
    "${h[@]}" "${target[$s]}") || true
  ticks1=$(ticks_of "${pids[@]}" 2>/dev/null) || ticks1=
  ns1=$(ns_of "${pids[@]}")
  wait1=$(wait_of "${pids[@]}")
  cores1="$(core_ticks "$server_core") $(core_ticks "$load_core")"
  read -ra after <<<"$(measured_pids "$s")"

  local requests duration_us p99 statuses errors ok=1 why=
  requests=$(result_field requests <<<"$out")
  duration_us=$(result_field duration_us <<<"$out")
  p99=$(result_field p99_us <<<"$out")
  statuses=$(result_field statuses <<<"$out")
  errors=$(for e in connect read write timeout; do printf '%s=%s ' "$e" "$(result_field "$e" <<<"$out")"; done)
  errors=${errors% }
  if [[ -z $requests ]]; then
    ok=0 why="no RESULT line from wrk: $out"
  elif ((requests == 0)); then
    ok=0 why="no answers"
  elif [[ $statuses != "200:$requests" ]]; then
    ok=0 why="expected only 200, got $statuses of $requests"
  elif [[ $errors != "connect=0 read=0 write=0 timeout=0" ]]; then
    ok=0 why="socket errors: $errors"
  elif [[ -z $ticks1 || $before != "${after[*]}" ]]; then
    ok=0 why="a measured process went away during the run"
  fi
  ((ok)) || failed=1
  local core_busy
  core_busy=$(awk -v a="$cores0" -v b="$cores1" 'BEGIN {
    split(a, x); split(b, y)
    printf "%.0f\t%.0f", (y[1] - x[1]) * 100 / (y[2] > x[2] ? y[2] - x[2] : 1), (y[3] - x[3]) * 100 / (y[4] > x[4] ? y[4] - x[4] : 1) }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$s" "$ok" "${requests:-0}" \
    "${duration_us:-0}" "${p99:-0}" "$((${ticks1:-$ticks0} - ticks0))" "$((ns1 - ns0))" \
    "$((wait1 - wait0))" "$core_busy" "${statuses:-none}" "$errors" >>"$results"
  printf 'round %s  %-16s %9s answers  %-18s %s\n' "$round" "$s" "${requests:-0}" "${statuses:-none}" \
    "$( ((ok)) && echo ok || echo "FAILED: $why")"
}

# report RESULTS.tsv: the markdown table and the ratios.
report() {
  local model
  model=$(lscpu | awk -F': *' '/^Model name/ { print $2; exit }')
  python3 - "$1" "$clk_tck" "${model:-unknown}" "$(nproc)" "$(date -u '+%Y-%m-%d %H:%M UTC')" \
    "$connections" "$duration" "$rounds" <<'EOF'
import csv, statistics, sys

path, clk_tck, model, nproc, date, conns, duration, rounds = sys.argv[1:]
clk_tck = int(clk_tck)
rows = [r for r in csv.DictReader(open(path), delimiter="\t") if r["round"] != "0"]
scenarios = ["nginx-default", "nginx-proxy", "gateway-open", "gateway-protect", "gateway-auth"]

runs, failures, unsaturated = {}, {}, {}
for r in rows:
    s, n, secs = r["scenario"], int(r["requests"]), int(r["duration_us"]) / 1e6
    if r["ok"] != "1":
        failures[s] = failures.get(s, 0) + 1
        continue
    cpu_s = int(r["cpu_ticks"]) / clk_tck
    m = {
        "rps": n / secs,
        "p99": int(r["p99_us"]) / 1e3,
        "cpu": cpu_s * 1e6 / n,
        "cpu_ns": int(r["cpu_ns"]) / 1e3 / n,
        "busy": cpu_s / secs * 100,
        "waited": int(r["wait_ns"]) / 1e3 / int(r["duration_us"]) * 100,
        "core0": int(r["core0"]),
        "core1": int(r["core1"]),
    }
    runs.setdefault(s, {})[r["round"]] = m
    if m["busy"] < 90:
        unsaturated[s] = unsaturated.get(s, 0) + 1

def med(s, f):
    v = [m[f] for m in runs.get(s, {}).values()]
    return statistics.median(v) if v else None

def fmt(x, spec):
    return "-" if x is None else format(x, spec)

def ratio(a, b):
    x, y = med(a, "cpu"), med(b, "cpu")
    return None if x is None or y is None else x / y

def paired(a, b):
    ra, rb = runs.get(a, {}), runs.get(b, {})
    v = [ra[k]["cpu"] / rb[k]["cpu"] for k in ra if k in rb]
    return statistics.median(v) if v else None

print()
print(f"approov-gateway vs nginx, {date}; machine: {model} (nproc {nproc}).")
print(f"wrk -t1 -c{conns}, {duration} s per run, {rounds} round(s), interleaved; server under test on core 0,")
print("wrk and the upstream nginx on core 1. Medians over rounds (failed runs left out). CPU = the process")
print("under test's utime+stime (/proc/PID/stat) per request; schedstat = the same from schedstat (ns);")
print("busy = its CPU over wall time; waited = time its threads were ready but had no CPU (neighbours);")
print("core 0 / core 1 = each core's busy time (/proc/stat, steal included)")
print("over the run: core 1 near 100% with busy well under it = wrk + upstream were the limit, not the")
print("server; runs = passing/all; <90% = passing runs under 90% busy.")
print()
print("| scenario | req/s | p99 ms | CPU µs/req | (schedstat) | busy % | waited % | core 0 % | core 1 % | runs | <90% |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for s in scenarios:
    n_ok, n_bad = len(runs.get(s, {})), failures.get(s, 0)
    print(f"| {s} | {fmt(med(s, 'rps'), ',.0f')} | {fmt(med(s, 'p99'), '.2f')} | {fmt(med(s, 'cpu'), '.2f')} | "
          f"{fmt(med(s, 'cpu_ns'), '.2f')} | {fmt(med(s, 'busy'), '.0f')} | {fmt(med(s, 'waited'), '.0f')} | {fmt(med(s, 'core0'), '.0f')} | "
          f"{fmt(med(s, 'core1'), '.0f')} | {n_ok}/{n_ok + n_bad} | "
          f"{unsaturated.get(s, 0)} |" + (" FAILED runs" if n_bad else ""))
print()
print("| CPU/req ratio | of medians | per-round pairs (median) | target | |")
print("|---|---:|---:|---:|---|")
for a, b, target in [("gateway-protect", "gateway-open", 1.05), ("gateway-protect", "nginx-proxy", 1.2),
                     ("gateway-protect", "nginx-default", 1.2)]:
    r = ratio(a, b)
    verdict = "-" if r is None else ("met" if r <= target else "MISSED")
    print(f"| {a} ÷ {b} | {fmt(r, '.3f')} | {fmt(paired(a, b), '.3f')} | ≤ {target} | {verdict} |")
EOF
}

echo "CPU: $(cpu_model)"
echo "wrk -t1 -c$connections, ${duration} s per run, $rounds round(s); server under test on core $server_core," \
  "wrk and upstream nginx on core $load_core"
if ((!smoke)); then
  for s in "${scenarios[@]}"; do # round 0: a 1 s warm-up (pools, caches), not counted
    saved=$duration duration=1
    run 0 "$s"
    duration=$saved
  done
fi
reversed=()
for ((i = ${#scenarios[@]} - 1; i >= 0; i--)); do reversed+=("${scenarios[i]}"); done
for round in $(seq "$rounds"); do
  order=("${scenarios[@]}")
  ((round % 2)) || order=("${reversed[@]}")
  for s in "${order[@]}"; do run "$round" "$s"; done
done
[[ -n $keep ]] && cp "$results" "$keep"

report "$results"

if ((failed)); then
  echo "FAILED: some runs got answers other than 200 or socket errors (see above)" >&2
  exit 1
fi
