#!/usr/bin/env bash
# Issue #16's hostile inputs, measured on the release build, each beside the peer or the baseline it is judged by:
#   1. audit: Stripe's spec pretty and minified, and 200,000 paths on one line (excerpts were quadratic), beside
#      openapi-spec-validator on the same files;
#   2. discover: a 10 MB gzip bomb (10 GB of zeros) beside `gzip -dc | wc -c` (what reading it whole costs), and a
#      real gzip log, to show the limits refuse the one and not the other;
#   3. the gateway's audit log under a wrk flood: decisions on disk when the load stops and after `kill -9`, against
#      the requests wrk counted; verify-log; restart time with the state file and without it;
#   4. the gateway enforcing `pattern: ^(a+)+$` under a wrk flood of a ReDoS value, beside the same flood of a
#      plain value.
#   bash Benchmarks/hardening/run.sh          # DUR=15 (seconds of each flood); PARTS="2 3" runs only those parts
set -euo pipefail
cd "$(dirname "$0")/../.."
DUR=${DUR:-15}
PARTS=${PARTS:-1 2 3 4}
part() { [[ " $PARTS " == *" $1 "* ]]; }
work=$(mktemp -d /tmp/rampart-hardening.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; nginx -p "$work/" -c "$work/backend.conf" -s stop 2>/dev/null; true' EXIT

command -v wrk >/dev/null && command -v nginx >/dev/null || { apt-get update -qq && apt-get install -y -qq nginx wrk >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
python3 -c "import openapi_spec_validator" 2>/dev/null || python3 -m pip install --quiet openapi-spec-validator

swift build -c release --product rampart >/dev/null
rampart="$(swift build -c release --show-bin-path)/rampart"

# timed LABEL CMD…: one line "LABEL: S s, M MB, exit E".
timed() {
    local label=$1; shift
    local code=0
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || code=$?
    read -r seconds kb < <(tail -1 "$work/time")   # time prefixes a line when the command failed
    printf '| %s | %s s | %s MB | %s |\n' "$label" "$seconds" "$((kb / 1024))" "$code"
}

if part 1; then
echo "## 1. audit on minified JSON"
echo
python3 - ../shared/specs/stripe-2021/spec3.json "$work" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
json.dump(spec, open(sys.argv[2] + "/stripe-min.json", "w"), separators=(",", ":"))
paths = {f"/things{i}": {"get": {"responses": {"200": {"description": "ok"}}}} for i in range(200_000)}
big = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}
json.dump(big, open(sys.argv[2] + "/200k-one-line.json", "w"), separators=(",", ":"))
json.dump(big, open(sys.argv[2] + "/200k-pretty.json", "w"), indent=1)
PY
echo "| run | wall | peak RSS | exit |"
echo "|---|---|---|---|"
timed "rampart audit, Stripe pretty (3.5 MB)" "$rampart" audit ../shared/specs/stripe-2021/spec3.json --format json --fail-on none
timed "rampart audit, Stripe minified (one line)" "$rampart" audit "$work/stripe-min.json" --format json --fail-on none
timed "rampart audit, 200,000 paths on one line" "$rampart" audit "$work/200k-one-line.json" --format json --fail-on none
timed "rampart audit, the same 200,000 paths pretty-printed" "$rampart" audit "$work/200k-pretty.json" --format json --fail-on none
timed "openapi-spec-validator, Stripe minified" python3 Benchmarks/audit/validate_specs.py "$work/stripe-min.json"
timed "openapi-spec-validator, 200,000 paths on one line" python3 Benchmarks/audit/validate_specs.py "$work/200k-one-line.json"
echo
fi

if part 2; then
echo "## 2. discover on a gzip bomb"
echo
head -c $((10 << 30)) /dev/zero | gzip -9 > "$work/bomb.log.gz"
python3 - "$work/real.log" <<'PY'
import random, sys
random.seed(16)
with open(sys.argv[1], "w") as out:
    for i in range(400_000):
        out.write(f'10.0.{i % 250}.{i % 7} - - [10/Oct/2026:13:55:{i % 60:02d} +0000] "GET /api/orders/{random.randint(1, 99999)}?page={i % 9} HTTP/1.1" 200 {random.randint(100, 9999)} "-" "client/{i % 5}"\n')
PY
gzip -kf "$work/real.log"
echo "bomb: $(stat -c %s "$work/bomb.log.gz") bytes compressed; real log: $(stat -c %s "$work/real.log.gz") bytes compressed, $(stat -c %s "$work/real.log") plain"
echo
echo "| run | wall | peak RSS | exit |"
echo "|---|---|---|---|"
timed "rampart discover, the bomb" "$rampart" discover --input "$work/bomb.log.gz" --format json
echo "|   (its message) | $(tr -d '\n' < "$work/err" | cut -c1-150) | | |"
timed "gzip -dc bomb \| wc -c (reading it whole)" sh -c "gzip -dc '$work/bomb.log.gz' | wc -c"
timed "rampart discover, a real 400,000-line log (gzip)" "$rampart" discover --input "$work/real.log.gz" --format json --fail-on none
timed "gzip -dc real log \| wc -l" sh -c "gzip -dc '$work/real.log.gz' | wc -l"
echo
fi

# A backend that answers everything at once (as the gateway peers' benchmark does).
cat > "$work/backend.conf" <<EOF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  server { listen 127.0.0.1:19101 backlog=4096; location / { return 200 '{"ok":true}\n'; } }
}
EOF
nginx -p "$work/" -c "$work/backend.conf"
openssl rand -hex 32 > "$work/audit.key"

start_gateway() {   # config file; waits until it answers
    "$rampart" gateway --config "$1" >"$work/gateway.out" 2>"$work/gateway.err" &
    gw_pid=$!
    for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:19100/${2:-}" && return 0; sleep 0.05; done
    echo "the gateway did not start: $(cat "$work/gateway.err")"; exit 1
}

if part 3; then
echo "## 3. the audit log under a flood"
echo
cat > "$work/audit.yml" <<EOF
gateway:
  threads: 1
  listeners: [{address: "127.0.0.1:19100"}]
  upstreams: {api: {url: "http://127.0.0.1:19101"}}
  routes: [{path: /, upstream: api}]
  audit_log: {path: $work/audit.jsonl, key_file: $work/audit.key}
EOF
start_gateway "$work/audit.yml"
before=$(wc -l < "$work/audit.jsonl")
wrk -t1 -c50 -d"${DUR}s" --latency http://127.0.0.1:19100/api/items > "$work/wrk.txt"
served=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
at_stop=$(( $(wc -l < "$work/audit.jsonl") - before ))
sleep 0.5
kill -9 $gw_pid; wait $gw_pid 2>/dev/null || true
after_kill=$(( $(wc -l < "$work/audit.jsonl") - before ))
echo "| measure | value |"
echo "|---|---|"
echo "| requests wrk completed in ${DUR} s | $served ($(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt") req/s, p99 $(awk '/ 99%/ {print $2}' "$work/wrk.txt")) |"
echo "| decisions on disk when wrk stopped | $at_stop |"
echo "| decisions on disk 0.5 s later, after kill -9 | $after_kill |"
echo "| log size | $(du -h "$work/audit.jsonl" | cut -f1) |"
/usr/bin/time -f "%e %M" -o "$work/time" "$rampart" gateway verify-log "$work/audit.jsonl" --key-file "$work/audit.key" > "$work/verify.txt" 2>&1 || true
read -r seconds kb < <(tail -1 "$work/time")
echo "| verify-log --key-file | $(cut -c1-140 < "$work/verify.txt" | tr -d '\n') ($seconds s, $((kb / 1024)) MB) |"
started=$(date +%s.%N); start_gateway "$work/audit.yml"; ready=$(date +%s.%N)
echo "| restart until the first answer, with the state file | $(awk "BEGIN{printf \"%.2f\", $ready - $started}") s |"
kill $gw_pid; wait $gw_pid 2>/dev/null || true
rm -f "$work/audit.jsonl.state"
started=$(date +%s.%N); start_gateway "$work/audit.yml"; ready=$(date +%s.%N)
echo "| restart until the first answer, state file removed (the log is read once, in pieces) | $(awk "BEGIN{printf \"%.2f\", $ready - $started}") s |"
kill $gw_pid; wait $gw_pid 2>/dev/null || true
echo
fi

if part 4; then
echo "## 4. ReDoS through OpenAPI enforcement"
echo
cat > "$work/redos.yaml" <<'EOF'
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /api/search:
    get:
      parameters: [{name: q, in: query, schema: {type: string, pattern: "^(a+)+$"}}]
      responses: {"200": {description: ok}}
EOF
cat > "$work/redos.yml" <<EOF
gateway:
  threads: 1
  listeners: [{address: "127.0.0.1:19100"}]
  upstreams: {api: {url: "http://127.0.0.1:19101"}}
  routes: [{path: /api, upstream: api, openapi: $work/redos.yaml}]
EOF
start_gateway "$work/redos.yml" "api/search?q=a"
echo "| flood (wrk -t1 -c50, ${DUR} s) | requests/s | p99 | statuses |"
echo "|---|---|---|---|"
for value in aaaa "$(printf 'a%.0s' $(seq 40))!"; do
    wrk -t1 -c50 -d"${DUR}s" --latency "http://127.0.0.1:19100/api/search?q=$value" > "$work/wrk.txt"
    non2xx=$(awk '/Non-2xx/ {print $5}' "$work/wrk.txt")
    echo "| q=${value:0:12}$([ ${#value} -gt 12 ] && echo "… (${#value} chars)") | $(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt") | $(awk '/ 99%/ {print $2}' "$work/wrk.txt") | ${non2xx:-0} non-2xx (400 expected for the attack) |"
done
kill $gw_pid; wait $gw_pid 2>/dev/null || true
fi
