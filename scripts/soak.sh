#!/usr/bin/env bash
# Soak: each example server (release build) under a bounded mixed load, to catch what
# a short benchmark cannot: errors under sustained load, and memory that keeps growing.
#
# - The server runs alone on core 0 with a fresh secret and the default log level (its
#   output goes to a file whose size is reported); the load runs on core 1.
# - The load is one wrk process per kind of request, all at once for SECONDS, each with
#   4 connections and the status-counting script of scripts/bench-lib.sh, so every kind
#   is checked against its own expected status: a valid token, an expired one, garbage,
#   one signed with another secret, a 32 KB token, and a bound token with the right
#   and with the wrong Authorization.
# - Resident memory (VmRSS in /proc/PID/status) is read once a second: reported after a
#   warm-up (a sixth of the run, at least 5 s), at the end (the growth between the two),
#   and the highest reading.
# - Any 5xx, any socket error (wrk's connect, read, write, timeout) and any answer other
#   than the expected one is a failure: the script says which and exits 1.
#
# Usage: scripts/soak.sh [--seconds SECONDS] [--no-build] [FRAMEWORK...]
#   SECONDS defaults to 60 per example; FRAMEWORK is axum, actix, rocket or warp (default: all).
# BENCH_RUST_LOG=warn sets RUST_LOG for the servers (default: unset, as a user runs them).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60 do_build=1 frameworks=()
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift ;;
    --no-build) do_build=0 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    axum | actix | rocket | warp) frameworks+=("$1") ;;
    *) echo "unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
((${#frameworks[@]})) || frameworks=(axum actix rocket warp)
warmup=$((seconds / 6 > 5 ? seconds / 6 : 5))
((seconds > warmup)) || { echo "--seconds must be more than $warmup" >&2; exit 2; }

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
need wrk "apt-get install -y wrk"
need taskset "apt-get install -y util-linux"

((do_build)) && build "${frameworks[@]}"

authorization="Bearer soak-user"
# kind | path | which token | Authorization value | expected status
kinds=(
  "valid|/token-check|valid||200"
  "expired|/token-check|expired||401"
  "garbage|/token-check|garbage||401"
  "bad-signature|/token-check|other-secret||401"
  "oversized-32KB|/token-check|oversized||401"
  "bound-right|/token-binding|bound|$authorization|200"
  "bound-wrong|/token-binding|bound|Bearer someone-else|401"
)
connections_per_kind=4

# Three dot-separated base64url segments, 32 KiB in all: the shape of a token, far too big.
oversized="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.$(head -c 32768 /dev/zero | tr '\0' 'A' | head -c 32718).c2lnbmF0dXJl"

echo "CPU: $(cpu_model)"
echo "$seconds s per example; ${#kinds[@]} wrk processes x $connections_per_kind connections on core $load_core, server on core $server_core; VmRSS read every second, warm-up reading at $warmup s"
failed_examples=()
summary=()

for fw in "${frameworks[@]}"; do
  secret=$(new_secret)
  declare -A token=(
    [valid]=$(mint_token "$secret" 86400)
    [expired]=$(mint_token "$secret" -60)
    [garbage]=garbage
    [other-secret]=$(mint_token "$(new_secret)" 86400)
    [oversized]=$oversized
    [bound]=$(mint_token "$secret" 86400 "$authorization")
  )
  port=$(free_port)
  log=$bench_tmp/$fw.log
  start_server "$fw" "$secret" "$port" "$log"
  pid=$server_pid
  ticks0=$(cpu_ticks "$pid")

  load_pids=()
  i=0
  for spec in "${kinds[@]}"; do
    IFS='|' read -r name path which auth expected <<<"$spec"
    headers=(-H "Approov-Token: ${token[$which]}")
    [[ -n $auth ]] && headers+=(-H "Authorization: $auth")
    taskset -c "$load_core" wrk -t1 -c"$connections_per_kind" -d"${seconds}s" -s "$status_lua" \
      "${headers[@]}" "http://127.0.0.1:$port$path" >"$bench_tmp/$fw.$i.out" 2>&1 &
    load_pids+=($!)
    i=$((i + 1))
  done
  # Sampled once a second: VmHWM, the kernel's own peak, is only updated now and then.
  rss_peak=0
  for ((t = 1; t <= seconds; t++)); do
    sleep 1
    rss=$(rss_kib "$pid")
    ((rss > rss_peak)) && rss_peak=$rss
    ((t == warmup)) && rss_warm=$rss
  done
  for load_pid in "${load_pids[@]}"; do wait "$load_pid" || true; done
  load_pids=()
  rss_end=$(rss_kib "$pid")
  ((rss_end > rss_peak)) && rss_peak=$rss_end
  ticks=$(($(cpu_ticks "$pid") - ticks0))
  log_bytes=$(file_bytes "$log")

  echo
  echo "== example-$fw"
  printf '%-15s %-15s %8s %9s  %-26s %s\n' kind path expected answers "answers by status" "socket errors c/r/w/t"
  problems=() total=0
  i=0
  for spec in "${kinds[@]}"; do
    IFS='|' read -r name path which auth expected <<<"$spec"
    out=$(<"$bench_tmp/$fw.$i.out")
    i=$((i + 1))
    requests=$(result_field requests <<<"$out")
    statuses=$(result_field statuses <<<"$out")
    sockets=$(for e in connect read write timeout; do printf '%s/' "$(result_field "$e" <<<"$out")"; done)
    sockets=${sockets%/}
    printf '%-15s %-15s %8s %9s  %-26s %s\n' "$name" "$path" "$expected" "${requests:-?}" "${statuses:-none}" "$sockets"
    if [[ -z $requests ]]; then
      problems+=("$name: no result from wrk: $(tail -n 2 <<<"$out" | tr '\n' ' ')")
      continue
    fi
    total=$((total + requests))
    ((requests > 0)) || problems+=("$name: no answers")
    [[ $statuses == *5[0-9][0-9]:* ]] && problems+=("$name: 5xx answers ($statuses)")
    [[ $statuses == "$expected:$requests" ]] || problems+=("$name: expected only $expected, got $statuses")
    [[ $sockets == 0/0/0/0 ]] || problems+=("$name: socket errors (connect/read/write/timeout $sockets)")
  done
  growth=$(awk -v a="$rss_warm" -v b="$rss_end" 'BEGIN { printf "%+.1f", (b - a) * 100 / a }')
  echo "memory: VmRSS ${rss_warm} KiB after ${warmup} s, ${rss_end} KiB at the end (${growth}%), highest ${rss_peak} KiB"
  awk -v n="$total" -v s="$seconds" -v t="$ticks" -v hz="$clk_tck" -v b="$log_bytes" 'BEGIN {
    printf "load: %d answers, %.0f/s; server CPU %.1f s, %.2f us per answer; log %.1f MB, %.0f B per answer\n",
      n, n / s, t / hz, t / hz * 1e6 / n, b / 1e6, b / n }'
  if ((${#problems[@]})); then
    failed_examples+=("$fw")
    printf 'FAILED: %s\n' "${problems[@]}"
    verdict=FAILED
  else
    echo "ok"
    verdict=ok
  fi
  summary+=("$(printf '%-8s %10s %10s %10s %8s %10s  %s' "$fw" "$total" "$rss_warm" "$rss_end" "$growth%" "$rss_peak" "$verdict")")
  stop_server "$pid"
  rm -f "$log"
  unset token
done

echo
printf '%-8s %10s %10s %10s %8s %10s  %s\n' example answers "RSS warm" "RSS end" growth "RSS max" result
printf '%s\n' "${summary[@]}"
if ((${#failed_examples[@]})); then
  echo "FAILED: ${failed_examples[*]}" >&2
  exit 1
fi
