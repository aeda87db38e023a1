#!/usr/bin/env bash
# rampart scan against the lab, side by side with Schemathesis in the same run:
#   1. a full default scan of the lab: wall time and peak memory (targets: ≤ 30 s, ≤ 200 MB);
#   2. the HTTP engine's throughput with 32 requests in flight and no rate limit (target: ≥ 2,000 requests/s);
#   3. Schemathesis (`st run`, all checks) on the same spec with the same time budget: requests/s, wall time,
#      and which of the lab's documented flaws (docs/lab.md) each tool reports.
# Prints a Markdown table. Everything talks to 127.0.0.1 only.
#   bash Benchmarks/scan/run.sh            # BUDGET=30 (seconds given to Schemathesis), REQUESTS=20000 (engine)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUDGET=${BUDGET:-30}
REQUESTS=${REQUESTS:-20000}
PORT=${PORT:-18088}
SCHEMATHESIS=${SCHEMATHESIS:-4.32.5}
VENV=${VENV:-/tmp/rampart-bench-venv}

swift build -c release --product rampart >/dev/null
swift build -c release --product rampart-engine-bench >/dev/null
bin=$(swift build -c release --show-bin-path)
if [ ! -x "$VENV/bin/st" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS"
fi
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

work=$(mktemp -d)
lab_pid=""
start_lab() {   # a fresh lab (empty database) for each tool
    [ -n "$lab_pid" ] && kill "$lab_pid" 2>/dev/null && wait "$lab_pid" 2>/dev/null || true
    "$bin/rampart" lab --port "$PORT" > "$work/lab.log" 2>&1 &
    lab_pid=$!
    for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null && return; sleep 0.1; done
    echo "the lab did not start" >&2; exit 1
}
trap '[ -n "$lab_pid" ] && kill $lab_pid 2>/dev/null; rm -rf "$work"' EXIT
url="http://127.0.0.1:$PORT"

# 1. Full default scan (default limits: 100 requests/s, 8 in flight).
start_lab
curl -sf "$url/rampart.yml" > "$work/lab.yml"
/usr/bin/time -f "%e %M" -o "$work/rampart.time" "$bin/rampart" scan --spec "$url/openapi.json" --target "$url" \
    --config "$work/lab.yml" --format json --output "$work/rampart.json" --fail-on none 2> "$work/rampart.err"
read -r rampart_wall rampart_kb < <(tail -1 "$work/rampart.time")
rampart_requests=$(grep -o '[0-9]* requests in' "$work/rampart.err" | grep -o '^[0-9]*')

# 2. Engine throughput: a cheap lab operation, 32 in flight, no rate limit.
start_lab
"$bin/rampart-engine-bench" "$url/api/v2/products/1" "$REQUESTS" 32 > "$work/engine.json"

# 3. Schemathesis with the same spec, one identity's token, all checks, BUDGET seconds.
start_lab
token=$(curl -sf -X POST "$url/api/v2/auth/login" -d '{"email":"carol@bank.lab","password":"carol-lab-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
/usr/bin/time -f "%e %M" -o "$work/st.time" "$VENV/bin/st" run "$url/openapi.json" --url "$url" -H "Authorization: Bearer $token" \
    --checks all --max-time "$BUDGET" --workers 4 --no-color --report json,har \
    --report-json-path "$work/st.json" --report-har-path "$work/st.har" > "$work/st.out" 2>&1 || true
read -r st_wall st_kb < <(tail -1 "$work/st.time")   # the last line: `time` first notes a non-zero exit

python3 Benchmarks/scan/compare.py docs/lab.md "$work/rampart.json" "$work/st.json" "$work/st.har" "$work/engine.json" \
    "$rampart_wall" "$rampart_kb" "$rampart_requests" "$st_wall" "$st_kb" "$BUDGET" "$SCHEMATHESIS"
