#!/usr/bin/env bash
# Instruction counts with valgrind's callgrind: exact and repeatable, whatever the
# neighbours do, so that two versions of the code can be compared on a shared machine.
#
# - `core`: the HS256 cases of crates/approov-core/benches/verify.rs, run without
#   criterion (APPROOV_BENCH_COUNT): instructions per verification.
# - `adapters`: requests through each adapter in-process (benches/in-process):
#   instructions per request, for every framework and route.
#
# Each figure is (instructions of a run with N iterations - those of a run with 0) / N,
# so start-up is left out. Under valgrind the CPU has no SHA extensions: SHA-256 runs in
# software, about 3,500 instructions per 64-byte block (7 blocks for the HMAC of a
# 200-byte signing input with the key schedule, 5 without), where the real CPU takes a
# fraction of that. Compare the other instructions, and times with criterion.
#
# Usage: scripts/callgrind.sh core [CASE...]        (floor floor-keyed valid ... see verify.rs)
#        scripts/callgrind.sh adapters [FRAMEWORK...]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "needs valgrind: apt-get install -y valgrind" >&2; exit 1; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
out=$(mktemp -d "${TMPDIR:-/tmp}/approov-callgrind.XXXXXX")
trap 'rm -rf "$out"' EXIT

# instructions COMMAND...: the instructions callgrind counted for one run.
instructions() {
  valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" "$@" 2>&1 |
    awk '/Collected/ { print $4 }'
}

case ${1-} in
  core)
    shift
    cases=("$@")
    ((${#cases[@]})) || cases=(floor floor-keyed valid bound check-request bound-extractor garbage bad-signature)
    bench=$(cargo bench -p approov-core --bench verify --no-run --message-format=json 2>/dev/null |
      python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "verify":
        print(m["executable"])')
    n=2000
    printf '%-16s %12s\n' case instructions
    for c in "${cases[@]}"; do
      zero=$(APPROOV_BENCH_COUNT=0 APPROOV_BENCH_CASE=$c instructions "$bench")
      many=$(APPROOV_BENCH_COUNT=$n APPROOV_BENCH_CASE=$c instructions "$bench")
      printf '%-16s %12.0f\n' "$c" "$(echo "($many - $zero) / $n" | bc -l)"
    done
    ;;
  adapters)
    shift
    frameworks=("$@")
    ((${#frameworks[@]})) || frameworks=(axum actix rocket warp)
    cargo build --release --quiet --manifest-path benches/in-process/Cargo.toml
    bin=$CARGO_TARGET_DIR/release/in-process
    routes=(unprotected valid garbage bad-signature bound double)
    n=300
    printf '%-8s' framework
    printf ' %12s' "${routes[@]}"
    printf '\n'
    for fw in "${frameworks[@]}"; do
      printf '%-8s' "$fw"
      for route in "${routes[@]}"; do
        zero=$(instructions "$bin" "$fw" "$route" 0)
        many=$(instructions "$bin" "$fw" "$route" "$n")
        printf ' %12.0f' "$(echo "($many - $zero) / $n" | bc -l)"
      done
      printf '\n'
    done
    ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 2
    ;;
esac
