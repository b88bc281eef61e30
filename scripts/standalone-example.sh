#!/usr/bin/env bash
# Standalone examples: each examples/<framework> copied out of the workspace, as a user
# copies it, and built there on its own. It proves that an example needs nothing of
# the workspace (no inherited settings, no workspace-only crate) but its adapter.
#
# - The copy is the example's folder as it is, in a fresh temporary directory (mktemp
#   -d), with one line changed: the adapter's `path = "../../crates/approov-<framework>"`
#   becomes the absolute path of the adapter in this checkout. The workspace's
#   Cargo.lock goes beside it, so the copy builds with the versions the workspace
#   tests (cargo drops the entries it does not need; the script checks that every
#   version left is one of the workspace's).
# - `cargo build` in the copy with its own target directory (nothing shared with the
#   workspace's target/), then the binary runs with `--help`: it must exit 0 and print
#   its usage. The time each example takes is reported; the copy is removed.
# - Any failure (the path line not found, a build error, another version, `--help`
#   failing) is reported loudly and the script exits 1, after trying the others.
#
# Each copy builds all its dependencies from scratch (debug profile): on 2 cores, with
# the crates already downloaded, 1 to 2 min each (two runs: axum 60 s and 104 s, actix
# 63 s and 114 s, rocket 79 s and 83 s, warp 107 s and 55 s, as other builds shared
# the cores), 5 to 6 min for all four. Not for CI.
#
# Usage: scripts/standalone-example.sh [axum|actix|rocket|warp|tonic|all]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd -P)

frameworks=()
while (($#)); do
  case $1 in
    axum | actix | rocket | warp | tonic) frameworks+=("$1") ;;
    all) frameworks+=(axum actix rocket warp tonic) ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
((${#frameworks[@]})) || frameworks=(axum actix rocket warp tonic)

# "name version" of every package in a Cargo.lock.
lock_versions() {
  awk '/^\[\[package\]\]/ { name = "" } /^name = / { name = $3 } /^version = / && name != "" { print name, $3 }' "$1" | sort -u
}

fail() {
  echo >&2
  echo "!!! example-$1 does NOT stand alone: $2" >&2
  echo >&2
  failed+=("$1")
}

# Copies, builds and runs one example in a fresh directory; a failure is recorded with
# `fail` and the next example is tried.
tmp=
trap 'if [[ -n $tmp ]]; then rm -rf "$tmp"; fi' EXIT
standalone() {
  local fw=$1 copy line start seconds usage status extra adapter=$1
  # example-tonic's adapter is approov-tower.
  [[ $fw == tonic ]] && adapter=tower
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/standalone-$fw.XXXXXX")
  copy=$tmp/example-$fw
  cp -R "examples/$fw" "$copy"
  cp Cargo.lock "$copy/Cargo.lock"

  line="path = \"../../crates/approov-$adapter\""
  if [[ $(grep -cF "$line" "$copy/Cargo.toml" || true) != 1 ]]; then
    fail "$fw" "examples/$fw/Cargo.toml has no single line with $line"
    return
  fi
  sed -i "s|path = \"\.\./\.\./crates/approov-$adapter\"|path = \"$root/crates/approov-$adapter\"|" "$copy/Cargo.toml"
  echo "=== example-$fw, copied to $copy; the one line changed:"
  diff "examples/$fw/Cargo.toml" "$copy/Cargo.toml" || true

  start=$(date +%s)
  if ! (cd "$copy" && CARGO_TARGET_DIR="$tmp/target" cargo build); then
    fail "$fw" "cargo build failed in the copy (the errors are above)"
    return
  fi
  seconds=$(($(date +%s) - start))

  extra=$(comm -23 <(lock_versions "$copy/Cargo.lock") <(lock_versions Cargo.lock))
  if [[ -n $extra ]]; then
    fail "$fw" "the copy resolved versions the workspace does not use:"$'\n'"$extra"
    return
  fi

  status=0
  usage=$("$tmp/target/debug/example-$fw" --help) || status=$?
  if ((status != 0)) || [[ $usage != "usage: example-$fw "* ]]; then
    fail "$fw" "example-$fw --help exited $status and printed:"$'\n'"$usage"
    return
  fi
  times+=("example-$fw: built on its own in $((seconds / 60)) min $((seconds % 60)) s; --help exits 0")
  echo "=== example-$fw stands alone (${seconds} s)"
}

failed=() times=()
for fw in "${frameworks[@]}"; do
  standalone "$fw"
  rm -rf "$tmp"
  tmp=
done

echo
for t in "${times[@]}"; do echo "$t"; done
if ((${#failed[@]})); then
  echo "FAILED: ${failed[*]} (see the lines starting with !!! above)" >&2
  exit 1
fi
