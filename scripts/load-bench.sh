#!/usr/bin/env bash
# Load against the four example servers and the hand-rolled peer (benches/peer-axum),
# with wrk (Debian package `wrk`) on 127.0.0.1. What it measures and why is in
# BENCHMARKING.md; in short:
#
# - Each server runs alone on core 0 (`taskset -c 0`), wrk on core 1, with a fresh
#   secret per server and the log level a user gets by default (stdout and stderr go
#   to a file whose growth is reported: what a flood of rejections writes).
# - Five scenarios: /unprotected (the framework alone), /token-check with a valid
#   token, with garbage, and with a well-formed token signed with another secret (the
#   same Approov-Token header on every request), and /token-message-signing with a
#   valid token and an RFC 9421 installation signature (ECDSA P-256), every request
#   its own: 2,000 signed requests, `created` a second apart, made before the rounds
#   (`approov-token sign-request --count`) and sent in turn by a wrk Lua script (the
#   servers accept signatures up to a day old). The peer has no signed route.
# - Rounds are interleaved (round, then server, then scenario) so a noisy neighbour
#   slows every server a little rather than one a lot; even rounds take the scenarios
#   in reverse order (a drift within a round favours no scenario); medians are reported.
#   `unprotected` and `bad-signature` run right next to the `valid` run they are
#   compared with (`garbage`, whose margin is widest, one run further), and the
#   default is many short rounds (10 x 2 s) rather than few long ones: in the same
#   time, twice the pairs make a steadier median.
# - Every answer's status is counted (a wrk Lua script): a run with any answer other
#   than the expected one (200, or 401 for the two bad tokens), or any socket error, is
#   FAILED and left out of the medians, and the script exits 1.
# - Per run: requests/s, p99 latency, and the server's CPU time per request: its
#   threads' run time in ns (/proc/PID/task/*/schedstat; utime + stime from
#   /proc/PID/stat, in 10 ms ticks, is kept in the table too, and utime alone: the
#   check itself is user time, reported apart from system time). "busy" is that CPU
#   time over the run's wall time: near 100% the server was the limit; well under it,
#   wrk or a neighbour was, and CPU per request is higher too (fewer answers per
#   wake-up), so such runs are counted in the "<90%" column. "waited" is the time the
#   server's threads were ready but had no CPU (/proc/PID/task/*/schedstat): on a
#   shared machine, how much neighbours got in the way.
#
# Usage: scripts/load-bench.sh [--smoke] [--rounds R] [--duration D] [--connections C]
#                              [--no-build] [--keep FILE] [--report FILE] [--flood [SECONDS]]
#   --smoke        1 round of 1 s, statuses only (a check that all of it works)
#   --keep FILE    also write the raw per-run table (TSV) to FILE
#   --report FILE  print the summary of a table kept earlier, and run nothing
#   --flood [S]    instead: each example under a flood of invalid tokens (garbage, then
#                  a bad signature) for S seconds each (default 10), at full speed, and
#                  the bytes of log each flood wrote (the target: under 1 MB)
# BENCH_RUST_LOG=warn sets RUST_LOG for the servers (default: unset, as a user runs them).
# BENCH_FRAMEWORKS="axum warp" runs only those (default: axum actix rocket warp peer).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=10 duration=2 connections=32 smoke=0 do_build=1 keep='' report_from='' flood=0
while (($#)); do
  case $1 in
    --smoke) smoke=1 rounds=1 duration=1 ;;
    --flood)
      flood=10
      if [[ ${2-} =~ ^[0-9]+$ ]]; then flood=$2; shift; fi
      ;;
    --rounds) rounds=$2; shift ;;
    --duration) duration=$2; shift ;;
    --connections) connections=$2; shift ;;
    --no-build) do_build=0 ;;
    --keep) keep=$2; shift ;;
    --report) report_from=$2; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
need wrk "apt-get install -y wrk"
need taskset "apt-get install -y util-linux"
need python3 "apt-get install -y python3"

# report RESULTS.tsv: the medians, the check's cost and the peer comparison.
report() {
  python3 - "$1" "$clk_tck" <<'EOF'
import csv, statistics, sys

path, clk_tck = sys.argv[1], int(sys.argv[2])
rows = [r for r in csv.DictReader(open(path), delimiter="\t") if r["round"] != "0"]
scenarios = ["unprotected", "valid", "garbage", "bad-signature", "signed"]
frameworks = list(dict.fromkeys(r["framework"] for r in rows))

def measure(r):
    requests = int(r["requests"])
    user, system = user_system(r)
    return {
        "user": None if user is None else user * 1e6 / requests,
        "system": None if system is None else system * 1e6 / requests,
        "rps": requests / (int(r["duration_us"]) / 1e6),
        "p99": int(r["p99_us"]),
        "cpu": cpu_seconds(r) * 1e6 / requests,
        "busy": busy(r),
        "waited": int(r["wait_ns"]) / 1e3 / int(r["duration_us"]) * 100,
        "log": int(r["log_bytes"]),
        "log_per_req": int(r["log_bytes"]) / requests,
    }

def cpu_seconds(r):
    # Nanoseconds from schedstat when the table has them (tables kept before it have
    # clock ticks only).
    if r.get("cpu_ns"):
        return int(r["cpu_ns"]) / 1e9
    return int(r["cpu_ticks"]) / clk_tck

def user_system(r):
    # User and system seconds, from /proc/PID/stat's clock ticks (None in tables kept
    # before the user_ticks column).
    if not r.get("user_ticks"):
        return None, None
    user = int(r["user_ticks"]) / clk_tck
    return user, int(r["cpu_ticks"]) / clk_tck - user

def busy(r):
    return cpu_seconds(r) / (int(r["duration_us"]) / 1e6) * 100

runs = {}  # (framework, scenario) -> {round: measures}, passing runs only
failures = {}
unsaturated = {}
for r in rows:
    key = (r["framework"], r["scenario"])
    if r["ok"] == "1" and busy(r) < 90:
        unsaturated[key] = unsaturated.get(key, 0) + 1
    if r["ok"] == "1":
        runs.setdefault(key, {})[r["round"]] = measure(r)
    else:
        failures[key] = failures.get(key, 0) + 1

def median(key, field):
    values = [m[field] for m in runs.get(key, {}).values() if m[field] is not None]
    return statistics.median(values) if values else None

def best(key, field):
    """The lowest value over rounds: a neighbour only ever adds CPU time per request."""
    values = [m[field] for m in runs.get(key, {}).values()]
    return min(values) if values else None

def paired(fw, a, b, field, combine):
    """Median over rounds of combine(scenario a's field, scenario b's), each round's own pair."""
    ra, rb = runs.get((fw, a), {}), runs.get((fw, b), {})
    values = [combine(ra[r][field], rb[r][field]) for r in ra
              if r in rb and None not in (ra[r][field], rb[r][field])]
    return statistics.median(values) if values else None

def paired_ratio(fw, field):
    """Median over rounds of unprotected / token-check (valid), each round's own pair."""
    return paired(fw, "unprotected", "valid", field, lambda u, v: u / v)

def fmt(x, spec):
    return "-" if x is None else format(x, spec)

print()
print("Medians over rounds (failed runs left out). CPU = the server's CPU time per answer (schedstat),")
print("its median and its lowest over the rounds (best);")
print("busy = the server's CPU time over the run's wall time (under 100%: the server was not the only limit);")
print("waited = time the server's threads were ready to run but had no CPU, over wall time (neighbours);")
print("runs = passing/all; <90% = passing runs where the server was under 90% busy.")
print(f"{'framework':<9} {'scenario':<14} {'req/s':>9} {'p99 µs':>7} {'CPU µs/req':>10} {'best':>6} {'busy %':>6} {'waited %':>8} {'log B/run':>10} {'log B/req':>9} {'runs':>5} {'<90%':>4}")
for fw in frameworks:
    for s in scenarios:
        key = (fw, s)
        n_ok, n_bad = len(runs.get(key, {})), failures.get(key, 0)
        if n_ok + n_bad == 0:
            continue
        print(f"{fw:<9} {s:<14} {fmt(median(key, 'rps'), ',.0f'):>9} {fmt(median(key, 'p99'), '.0f'):>7} "
              f"{fmt(median(key, 'cpu'), '.2f'):>10} {fmt(best(key, 'cpu'), '.2f'):>6} {fmt(median(key, 'busy'), '.0f'):>6} {fmt(median(key, 'waited'), '.0f'):>8} "
              f"{fmt(median(key, 'log'), ',.0f'):>10} {fmt(median(key, 'log_per_req'), '.1f'):>9} "
              f"{n_ok:>3}/{n_ok + n_bad} {unsaturated.get(key, 0):>4}" + ("  FAILED runs" if n_bad else ""))
print()
print("The check's cost: ratios of /unprotected to /token-check with a valid token, the median of")
print("each round's own pair; 1.00 means the check is free. req/s: unprotected over token-check (above")
print("1 = slower with the check). CPU: CPU µs per request on /unprotected over that on /token-check")
print("(below 1 = the check costs CPU). Extra = CPU µs/req on /token-check minus /unprotected,")
print("from the medians and from the best runs; CPU ratio (best) = the best runs' CPU ratio, since a")
print("neighbour only ever adds CPU time, the least disturbed estimate (the medians are the headline).")
print(f"{'framework':<9} {'req/s ratio':>11} {'CPU ratio':>9} {'CPU ratio (best)':>16} {'extra CPU µs/req':>16} {'extra (best)':>12}")

def extra(fw, stat):
    v, u = stat((fw, "valid"), "cpu"), stat((fw, "unprotected"), "cpu")
    return None if v is None or u is None else v - u

def best_ratio(fw):
    u, v = best((fw, "unprotected"), "cpu"), best((fw, "valid"), "cpu")
    return None if u is None or v is None else u / v

for fw in frameworks:
    print(f"{fw:<9} {fmt(paired_ratio(fw, 'rps'), '.3f'):>11} {fmt(paired_ratio(fw, 'cpu'), '.3f'):>9} "
          f"{fmt(best_ratio(fw), '.3f'):>16} {fmt(extra(fw, median), '+.2f'):>16} {fmt(extra(fw, best), '+.2f'):>12}")

def paired_extra(fw, field):
    """Median over rounds of token-check (valid) minus unprotected, each round's own pair."""
    return paired(fw, "unprotected", "valid", field, lambda u, v: v - u)

user = any(r.get("user_ticks") for r in rows)  # tables kept before it have no user time
if user:
    print()
    print("Where the check's CPU goes: user and system time per request (/proc/PID/stat, 10 ms ticks),")
    print("medians over rounds; extra = the median of each round's own difference. The check itself")
    print("runs in user time; system time is the kernel's TCP work, which moves with how busy each side is.")
    print(f"{'framework':<9} {'user unprot':>11} {'user valid':>10} {'extra':>6} {'sys unprot':>10} {'sys valid':>9} {'extra':>6}")
    for fw in frameworks:
        print(f"{fw:<9} {fmt(median((fw, 'unprotected'), 'user'), '.2f'):>11} {fmt(median((fw, 'valid'), 'user'), '.2f'):>10} "
              f"{fmt(paired_extra(fw, 'user'), '+.2f'):>6} {fmt(median((fw, 'unprotected'), 'system'), '.2f'):>10} "
              f"{fmt(median((fw, 'valid'), 'system'), '.2f'):>9} {fmt(paired_extra(fw, 'system'), '+.2f'):>6}")

def paired_flood(fw, scenario, field="cpu"):
    """Median over rounds of CPU per request under a flood over that with a valid token."""
    return paired(fw, scenario, "valid", field, lambda f, v: f / v)

print()
print("Floods against the valid path: CPU µs per request with garbage and with a bad signature over")
print("that with a valid token, the median of each round's own pair (at most 1.00: a flood costs no")
print("more than the valid path)." + (" The same in user time, where the check and the refusal run" if user else ""))
if user:
    print("(a refused and a served answer are about the same size on the wire: the kernel does the same work).")
print(f"{'framework':<9} {'garbage':>8} {'bad-signature':>13}" + (f" {'user: garbage':>13} {'bad-signature':>13}" if user else ""))
for fw in frameworks:
    line = f"{fw:<9} {fmt(paired_flood(fw, 'garbage'), '.3f'):>8} {fmt(paired_flood(fw, 'bad-signature'), '.3f'):>13}"
    if user:
        line += f" {fmt(paired_flood(fw, 'garbage', 'user'), '.3f'):>13} {fmt(paired_flood(fw, 'bad-signature', 'user'), '.3f'):>13}"
    print(line)

signed = [fw for fw in frameworks if runs.get((fw, "signed"))]
if signed:
    print()
    print("Signed requests (/token-message-signing: the token, then the installation signature, one")
    print("ECDSA P-256 verify each): medians; CPU over /token-check's with a valid token, each round's own pair.")
    print(f"{'framework':<9} {'req/s':>9} {'CPU µs/req':>10} {'best':>6} {'CPU ÷ valid':>11}")
    for fw in signed:
        key = (fw, "signed")
        print(f"{fw:<9} {fmt(median(key, 'rps'), ',.0f'):>9} {fmt(median(key, 'cpu'), '.2f'):>10} "
              f"{fmt(best(key, 'cpu'), '.2f'):>6} {fmt(paired(fw, 'signed', 'valid', 'cpu', lambda s, v: s / v), '.2f'):>11}")

if "axum" in frameworks and "peer" in frameworks:
    a, p = median(("axum", "valid"), "cpu"), median(("peer", "valid"), "cpu")
    au, pu = median(("axum", "unprotected"), "cpu"), median(("peer", "unprotected"), "cpu")
    if None not in (a, p, au, pu):
        ab, pb = best(("axum", "valid"), "cpu"), best(("peer", "valid"), "cpu")
        print()
        print("Against the hand-rolled peer (axum + jsonwebtoken, no approov-rs):")
        print(f"  /token-check CPU µs/req, medians: example-axum {a:.2f}, peer {p:.2f}: example-axum / peer = {a / p:.3f}")
        print(f"  /token-check CPU µs/req, best:    example-axum {ab:.2f}, peer {pb:.2f}: example-axum / peer = {ab / pb:.3f}")
        print(f"  the check's extra CPU over its own /unprotected (medians): example-axum {a - au:+.2f} µs, peer {p - pu:+.2f} µs")
EOF
}

if [[ -n $report_from ]]; then
  report "$report_from"
  exit 0
fi

# flood_report: each example, a flood of garbage and one of bad signatures, the log it wrote.
flood_report() {
  local fw secret port log kind tok out requests duration_us statuses errors bytes verdict failed=0
  echo "CPU: $(cpu_model)"
  echo "wrk -t1 -c$connections, ${flood} s per flood; servers on core $server_core, wrk on core $load_core;" \
    "RUST_LOG ${BENCH_RUST_LOG:-unset}"
  printf '%-7s %-14s %9s %8s %12s %10s  %s\n' example flood answers req/s "log bytes" "log B/req" result
  for fw in axum actix rocket warp; do
    secret=$(new_secret)
    port=$(free_port)
    log=$bench_tmp/$fw.log
    start_server "$fw" "$secret" "$port" "$log"
    for kind in garbage bad-signature; do
      if [[ $kind == garbage ]]; then tok=garbage; else tok=$(mint_token "$(new_secret)" 86400); fi
      : >"$log"
      out=$(taskset -c "$load_core" wrk -t1 -c"$connections" -d"${flood}s" -s "$status_lua" \
        -H "Approov-Token: $tok" "http://127.0.0.1:$port/token-check")
      bytes=$(file_bytes "$log")
      requests=$(result_field requests <<<"$out")
      duration_us=$(result_field duration_us <<<"$out")
      statuses=$(result_field statuses <<<"$out")
      errors=$(for e in connect read write timeout; do printf '%s' "$(result_field "$e" <<<"$out")"; done)
      verdict=ok
      if [[ $statuses != "401:$requests" || $errors != 0000 ]]; then
        verdict="FAILED: $statuses, socket errors $errors" failed=1
      elif ((bytes >= 1000000)); then
        verdict="FAILED: 1 MB or more of log" failed=1
      fi
      awk -v fw="$fw" -v k="$kind" -v n="${requests:-0}" -v us="${duration_us:-1}" -v b="$bytes" -v v="$verdict" \
        'BEGIN { printf "%-7s %-14s %9d %8.0f %12d %10.3f  %s\n", fw, k, n, n / (us / 1e6), b, (n ? b / n : 0), v }'
    done
    stop_server "$server_pid"
  done
  return "$failed"
}

if ((flood)); then
  ((do_build)) && build axum actix rocket warp
  flood_report || { echo "FAILED: see above" >&2; exit 1; }
  exit 0
fi

read -ra frameworks <<<"${BENCH_FRAMEWORKS:-axum actix rocket warp peer}"
# name | path | which token | expected status; in this order, reversed in even rounds
# (see the top of this file)
scenarios=(
  "unprotected|/unprotected|valid|200"
  "valid|/token-check|valid|200"
  "bad-signature|/token-check|other-secret|401"
  "garbage|/token-check|garbage|401"
  "signed|/token-message-signing|signed|200"
)

((do_build)) && build "${frameworks[@]}"

declare -A port pid log token signed
for fw in "${frameworks[@]}"; do
  secret=$(new_secret)
  token[$fw.valid]=$(mint_token "$secret" 86400)
  token[$fw.garbage]=garbage
  token[$fw.other-secret]=$(mint_token "$(new_secret)" 86400)
  port[$fw]=$(free_port)
  log[$fw]=$bench_tmp/$fw.log
  if [[ $fw != peer ]]; then
    signed[$fw]=$bench_tmp/$fw.signed
    sign_requests "$secret" "http://127.0.0.1:${port[$fw]}/token-message-signing" 2000 >"${signed[$fw]}"
  fi
  start_server "$fw" "$secret" "${port[$fw]}" "${log[$fw]}"
  pid[$fw]=$server_pid
done

results=$bench_tmp/results.tsv
printf 'round\tframework\tscenario\tok\trequests\tduration_us\tp99_us\tcpu_ticks\twait_ns\tlog_bytes\tstatuses\terrors\tcpu_ns\tuser_ticks\n' >"$results"
failed=0

# run ROUND FRAMEWORK SCENARIO-SPEC: one wrk run, checked, appended to $results.
run() {
  local round=$1 fw=$2 name path kind expected
  IFS='|' read -r name path kind expected <<<"$3"
  local user0 system0 ns0 wait0 bytes0 out user1 system1 ns1 wait1 bytes1
  read -r user0 system0 <<<"$(user_system_ticks "${pid[$fw]}")"
  ns0=$(cpu_ns "${pid[$fw]}")
  wait0=$(run_delay_ns "${pid[$fw]}")
  bytes0=$(file_bytes "${log[$fw]}")
  if [[ $kind == signed ]]; then
    # Every request its own signature: the wrk script sends the requests of the file.
    [[ -n ${signed[$fw]-} ]] || return 0
    out=$(SIGNED_REQUESTS=${signed[$fw]} taskset -c "$load_core" wrk -t1 -c"$connections" \
      -d"${duration}s" -s "$signed_lua" "http://127.0.0.1:${port[$fw]}$path")
  else
    out=$(taskset -c "$load_core" wrk -t1 -c"$connections" -d"${duration}s" -s "$status_lua" \
      -H "Approov-Token: ${token[$fw.$kind]}" "http://127.0.0.1:${port[$fw]}$path")
  fi
  read -r user1 system1 <<<"$(user_system_ticks "${pid[$fw]}")"
  ns1=$(cpu_ns "${pid[$fw]}")
  wait1=$(run_delay_ns "${pid[$fw]}")
  bytes1=$(file_bytes "${log[$fw]}")
  : >"${log[$fw]}" # a flood of rejections can log tens of MB per run

  local requests duration_us p99 statuses errors ok=1 why=
  requests=$(result_field requests <<<"$out")
  duration_us=$(result_field duration_us <<<"$out")
  p99=$(result_field p99_us <<<"$out")
  statuses=$(result_field statuses <<<"$out")
  errors=$(for e in connect read write timeout; do printf '%s=%s ' "$e" "$(result_field "$e" <<<"$out")"; done)
  errors=${errors% }
  if [[ -z $requests ]]; then
    ok=0 why="no RESULT line from wrk"
  elif ((requests == 0)); then
    ok=0 why="no answers"
  elif [[ $statuses != "$expected:$requests" ]]; then
    ok=0 why="expected only $expected, got $statuses of $requests"
  elif [[ $errors != "connect=0 read=0 write=0 timeout=0" ]]; then
    ok=0 why="socket errors: $errors"
  fi
  ((ok)) || failed=1
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$fw" "$name" "$ok" \
    "${requests:-0}" "${duration_us:-0}" "${p99:-0}" "$((user1 + system1 - user0 - system0))" "$((wait1 - wait0))" \
    "$((bytes1 - bytes0))" "${statuses:-none}" "$errors" "$((ns1 - ns0))" "$((user1 - user0))" >>"$results"
  printf 'round %s  %-6s %-14s %9s answers  %-22s %s\n' "$round" "$fw" "$name" "${requests:-0}" \
    "${statuses:-none}" "$( ((ok)) && echo ok || echo "FAILED: $why")"
}

echo "CPU: $(cpu_model)"
echo "wrk -t1 -c$connections, ${duration} s per run, $rounds round(s); servers on core $server_core, wrk on core $load_core"
if ((!smoke)); then
  for fw in "${frameworks[@]}"; do run 0 "$fw" "${scenarios[1]}" >/dev/null; done # warm-up, not counted
fi
# Even rounds take the scenarios in reverse order, so that a drift within a round (the
# host getting busier or quieter) favours neither side of a pair over the rounds.
reversed=()
for ((i = ${#scenarios[@]} - 1; i >= 0; i--)); do reversed+=("${scenarios[i]}"); done
for round in $(seq "$rounds"); do
  order=("${scenarios[@]}")
  ((round % 2)) || order=("${reversed[@]}")
  for fw in "${frameworks[@]}"; do
    for scenario in "${order[@]}"; do run "$round" "$fw" "$scenario"; done
  done
done
[[ -n $keep ]] && cp "$results" "$keep"

((smoke)) || report "$results"

if ((failed)); then
  echo "FAILED: some runs got answers other than the expected ones (see above)" >&2
  exit 1
fi
