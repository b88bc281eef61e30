#!/usr/bin/env bash
# approov-gateway in auth mode behind Debian's nginx (auth_request), over real HTTP:
# deploy/nginx/approov.conf in front of a small upstream, with the gateway configured
# by deploy/nginx/gateway-auth.toml.
#
# - Builds (release) approov-gateway with its examples, and approov-token, unless
#   --no-build (then the binaries already in target/release, or $CARGO_TARGET_DIR).
# - Starts, each on 127.0.0.1 and each waited for: the echo upstream
#   (examples/echo_upstream.rs, port 9000: it answers every request with the method,
#   target and headers it got, as JSON), the gateway (auth listener 8081, admin 9091)
#   with a fresh random secret (32 bytes, APPROOV_BASE64URL_SECRET), and nginx
#   (port 8080) from a private prefix in a temporary directory: its own nginx.conf
#   that includes deploy/nginx/approov.conf, its pid file, logs and temporary files
#   there. Any APPROOV_* variable of the caller's environment is dropped, and the
#   gateway runs in the temporary directory (no .env is read).
# - Sends requests with curl through nginx, tokens minted by approov-token with the
#   same secret, and prints PASS or FAIL for each check: an open route without a token
#   (200), a protected one without, with garbage, with an expired token or another
#   secret's (401 {}), with a valid token (200, the API sees X-Approov-Did = the
#   token's did and no Approov-Token), a forged X-Approov-Did (replaced, or dropped on
#   an open route), a denied route and a path that sneaks up to it (403), a path no
#   route names (protected by default), a POST (judged as a POST).
# - Exits 1 if any check fails (the gateway's and nginx's logs are printed), 0 if all
#   pass. Everything it started is stopped on exit.
#
# Needs curl, python3 (to read the echo's JSON) and /usr/sbin/nginx with the
# auth_request module (Debian's `nginx` or `nginx-light`: installed with apt-get if
# missing, as root or with sudo). Ports 8080, 8081, 9000 and 9091 must be free.
# Not run by CI.
#
# Usage: scripts/gateway-nginx.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd -P)

build=1
while (($#)); do
  case $1 in
    --no-build) build=0 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

need() {
  command -v "$1" >/dev/null || { echo "needs $1: $2" >&2; exit 1; }
}
need curl "apt-get install -y curl"
need python3 "apt-get install -y python3"

# The addresses of deploy/nginx/approov.conf and deploy/nginx/gateway-auth.toml.
nginx_port=8080
gateway_port=8081
admin_port=9091
upstream_port=9000

# nginx, with auth_request.
nginx=/usr/sbin/nginx
if [[ ! -x $nginx ]]; then
  echo "--- $nginx is missing: installing Debian's nginx"
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq nginx-light >/dev/null 2>&1 ||
    "${sudo[@]}" apt-get install -y -qq nginx >/dev/null
fi
if ! "$nginx" -V 2>&1 | grep -q -- --with-http_auth_request_module; then
  echo "$nginx has no auth_request module (Debian's nginx has it)" >&2
  exit 1
fi

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
bin=$CARGO_TARGET_DIR/release
if ((build)); then
  echo "--- cargo build --release (approov-gateway and its examples, approov-token)"
  cargo build --release -p approov-gateway --examples --bins
  cargo build --release -p approov-token
fi
for file in "$bin/approov-gateway" "$bin/examples/echo_upstream" "$bin/approov-token"; do
  [[ -x $file ]] || { echo "$file is missing: run without --no-build" >&2; exit 1; }
done

# Nothing of the caller's Approov settings (APPROOV_MODE=monitor, another token
# header, keys) may change what is checked.
while IFS= read -r name; do
  unset "$name"
done < <(compgen -e | grep '^APPROOV_' || true)

for port in "$nginx_port" "$gateway_port" "$admin_port" "$upstream_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is taken on 127.0.0.1: stop what listens there first" >&2
    exit 1
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/approov-gateway-nginx.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A fresh secret: 32 random bytes, base64url without padding.
secret=$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')
other_secret=$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')

# mint SECRET ARGS...: a token signed with SECRET (`approov-token mint` options),
# minted in the temporary directory (no .env is read).
mint() {
  local key=$1
  shift
  (cd "$tmp" && APPROOV_BASE64URL_SECRET=$key exec "$bin/approov-token" mint "$@")
}

# logs: the last lines of each log, after a failure.
logs() {
  local log
  for log in "$tmp"/upstream.log "$tmp"/gateway.log "$tmp"/nginx/error.log; do
    [[ -f $log ]] || continue
    echo "--- ${log#"$tmp"/} (last 40 lines)"
    tail -n 40 "$log"
  done
}

# wait_for NAME PID URL: until URL answers (any status), or NAME's process ends or
# 20 s pass (then its log, and exit 1).
wait_for() {
  local name=$1 pid=$2 url=$3 i
  for ((i = 0; i < 200; i++)); do
    if curl -s -o /dev/null --max-time 1 "$url"; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name exited before it listened" >&2
      logs >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "$name does not answer at $url after 20 s" >&2
  logs >&2
  exit 1
}

echo "--- starting the echo upstream (127.0.0.1:$upstream_port)"
"$bin/examples/echo_upstream" "127.0.0.1:$upstream_port" >"$tmp/upstream.log" 2>&1 &
pids+=($!)
wait_for echo_upstream "$!" "http://127.0.0.1:$upstream_port/"

echo "--- starting the gateway, auth mode (127.0.0.1:$gateway_port, admin 127.0.0.1:$admin_port)"
(cd "$tmp" && APPROOV_BASE64URL_SECRET=$secret RUST_LOG=${RUST_LOG:-info} NO_COLOR=1 \
  exec "$bin/approov-gateway" --config "$root/deploy/nginx/gateway-auth.toml") >"$tmp/gateway.log" 2>&1 &
pids+=($!)
wait_for approov-gateway "$!" "http://127.0.0.1:$admin_port/healthz"

echo "--- starting nginx (127.0.0.1:$nginx_port) from $tmp/nginx"
mkdir -p "$tmp/nginx"
# As root, nginx's workers run as nobody: let them reach their temporary files.
chmod 755 "$tmp" "$tmp/nginx"
user_line=
((EUID == 0)) && user_line="user nobody nogroup;"
cat >"$tmp/nginx/nginx.conf" <<EOF
$user_line
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log notice;
events { worker_connections 256; }
http {
    access_log $tmp/nginx/access.log;
    client_body_temp_path $tmp/nginx/client_body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    include $root/deploy/nginx/approov.conf;
}
EOF
if ! "$nginx" -t -q -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -g 'daemon off;'; then
  echo "nginx refuses the configuration (above)" >&2
  exit 1
fi
"$nginx" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -g 'daemon off;' 2>>"$tmp/nginx/error.log" &
pids+=($!)
wait_for nginx "$!" "http://127.0.0.1:$nginx_port/health"

# ---- the checks ------------------------------------------------------------------
base=http://127.0.0.1:$nginx_port
failures=0
pass() { echo "PASS  $1"; }
fail() {
  echo "FAIL  $1"
  echo "      $2"
  failures=$((failures + 1))
}

# request ARGS...: curl through nginx; sets $status and $body.
request() {
  local out=$tmp/body
  status=$(curl -s -o "$out" -w '%{http_code}' --max-time 10 "$@") || status="curl-failed($?)"
  body=$(cat "$out" 2>/dev/null || true)
}

# echo_field EXPRESSION: a Python expression over the echo's JSON `e`, printed.
echo_field() {
  python3 -c 'import json, sys
e = json.loads(sys.stdin.read())
v = eval(sys.argv[1])
print(v if v is not None else "<none>")' "$1" <<<"$body" 2>/dev/null || echo "<not the echo's JSON>"
}

# expect NAME STATUS [BODY] -- CURL_ARGS...: the status (and the body, if given).
expect() {
  local name=$1 want_status=$2 want_body=
  shift 2
  if [[ $1 != -- ]]; then want_body=$1; shift; fi
  shift
  request "$@"
  if [[ $status != "$want_status" ]]; then
    fail "$name" "expected $want_status, got $status: ${body:0:200}"
  elif [[ -n $want_body && $body != "$want_body" ]]; then
    fail "$name" "expected the body $want_body, got ${body:0:200}"
  else
    pass "$name"
  fi
}

did="gateway-nginx-$RANDOM$RANDOM=="
valid=$(mint "$secret" --did "$did" --expires-in 300)
expired=$(mint "$secret" --did "$did" --expires-in -60)
foreign=$(mint "$other_secret" --did "$did" --expires-in 300)

expect "GET /health without a token: 200 (open route)" 200 -- "$base/health"
if [[ $status == 200 ]]; then
  got=$(echo_field 'e["path"]')
  [[ $got == /health ]] || fail "  ... the API got /health" "it got $got"
fi

request -H "X-Approov-Did: forged" "$base/health"
got=$(echo_field 'e["headers"].get("x-approov-did")')
if [[ $status == 200 && $got == "<none>" ]]; then
  pass "GET /health with a forged X-Approov-Did: 200, the API gets no X-Approov-Did"
else
  fail "GET /health with a forged X-Approov-Did: 200, the API gets no X-Approov-Did" \
    "got $status, x-approov-did $got"
fi

expect "GET /api/x without a token: 401 {}" 401 '{}' -- "$base/api/x"
expect "GET /api/x without a token, claiming to be /health (X-Original-*, X-Forwarded-*): 401 {}" 401 '{}' -- \
  -H "X-Original-URI: /health" -H "X-Original-Method: GET" -H "X-Forwarded-Uri: /health" \
  -H "X-Forwarded-Method: GET" -H "X-Forwarded-Host: elsewhere" "$base/api/x"
expect "GET /api/x with a garbage token: 401 {}" 401 '{}' -- -H "Approov-Token: garbage" "$base/api/x"
expect "GET /api/x with an expired token: 401 {}" 401 '{}' -- -H "Approov-Token: $expired" "$base/api/x"
expect "GET /api/x with another secret's token: 401 {}" 401 '{}' -- -H "Approov-Token: $foreign" "$base/api/x"

name="GET /api/x?q=1 with a valid token: 200, X-Approov-Did = the did, no Approov-Token"
request -H "Approov-Token: $valid" -H "X-Approov-Did: forged" "$base/api/x?q=1"
if [[ $status != 200 ]]; then
  fail "$name" "expected 200, got $status: ${body:0:200}"
else
  got_did=$(echo_field 'e["headers"].get("x-approov-did")')
  got_token=$(echo_field 'e["headers"].get("approov-token")')
  got_path=$(echo_field 'e["path"]')
  if [[ $got_did != "$did" ]]; then
    fail "$name" "x-approov-did: expected $did (the forged one replaced), got $got_did"
  elif [[ $got_token != "<none>" ]]; then
    fail "$name" "the API got approov-token: ${got_token:0:60}"
  elif [[ $got_path != "/api/x?q=1" ]]; then
    fail "$name" "the API got the path $got_path"
  else
    pass "$name"
  fi
fi

name="POST /api/x with a valid token and a body: 200, the API gets the POST"
request -X POST -H "Approov-Token: $valid" -H "Content-Type: application/json" -d '{"n":1}' "$base/api/x"
got=$(echo_field 'e["method"]')
if [[ $status == 200 && $got == POST ]]; then
  pass "$name"
else
  fail "$name" "got $status, method $got: ${body:0:200}"
fi

expect "GET /other (no route: protected by default) without a token: 401 {}" 401 '{}' -- "$base/other"
expect "GET /admin with a valid token: 403 {} (denied)" 403 '{}' -- -H "Approov-Token: $valid" "$base/admin"
expect "GET /admin/users without a token: 403 {} (denied)" 403 '{}' -- "$base/admin/users"
expect "GET /api/%2e%2e/admin with a valid token: 403 {} (a dot segment, refused)" 403 '{}' -- \
  --path-as-is -H "Approov-Token: $valid" "$base/api/%2e%2e/admin"

request "http://127.0.0.1:$admin_port/readyz"
if [[ $status == 200 ]]; then
  pass "GET /readyz on the admin listener: 200"
else
  fail "GET /readyz on the admin listener: 200" "got $status: ${body:0:200}"
fi

echo
if ((failures)); then
  echo "$failures check(s) FAILED"
  logs
  exit 1
fi
echo "all checks passed"
