#!/usr/bin/env bash
# The CPU time the gateway's `graphql:` policy adds per request (issue #14: at most 20 µs at p50 for a typical query).
#   bash Benchmarks/gateway/graphql.sh [CALLS]
# 1. In process: GraphQLGuard.check on the POST body, timed per call with the thread's CPU clock (release build).
#    "warm" documents are the same text with new variables (what apps send; the measured shape is cached), "cold" ones
#    are new each time (GraphQLSwift parses them).
# 2. End to end: the lab's GraphQL API behind `rampart gateway` with and without `graphql:`, the same `wrk` load on
#    each; the gateway process's user+system CPU per request, read from /proc around the run.
# Side by side with graphql-cop and the scanner: Benchmarks/scan/graphql.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
swift build -c release --product rampart-graphql-bench >/dev/null
swift build -c release --product rampart >/dev/null
bin="$(swift build -c release --show-bin-path)"
echo "## in process"
"$bin/rampart-graphql-bench" "${1:-20000}"

work=$(mktemp -d /tmp/rampart-graphql-gw.XXXXXX)
# Two upstreams: the secure lab answers plainly; the vulnerable one adds resolver tracing to every answer, which the
# gateway must take out (a JSON parse and write of each answer).
"$bin/rampart" lab --port 19150 --secure > "$work/lab-plain.log" 2>&1 & echo $! > "$work/lab-plain.pid"
"$bin/rampart" lab --port 19160 > "$work/lab-traced.log" 2>&1 & echo $! > "$work/lab-traced.pid"
start_gateway() {  # NAME PORT UPSTREAM_PORT POLICY
    {
        echo "gateway:"
        echo "  listeners: [{address: \"127.0.0.1:$2\"}]"
        echo "  upstreams: {lab: {url: \"http://127.0.0.1:$3\"}}"
        echo "  routes:"
        echo "    - {path: /graphql, upstream: lab$4}"
    } > "$work/gateway-$1.yml"
    "$bin/rampart" gateway --config "$work/gateway-$1.yml" > "$work/gateway-$1.log" 2>&1 &
    echo $! > "$work/gateway-$1.pid"
}
start_gateway plain-off 19151 19150 ""
start_gateway plain-on 19152 19150 ", graphql: true"
start_gateway traced-off 19161 19160 ""
start_gateway traced-on 19162 19160 ", graphql: true"
trap 'kill $(cat "$work"/*.pid) 2>/dev/null; rm -rf "$work"' EXIT
cat > "$work/query.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"operationName":"Search","query":"query Search($term: String!) { products(search: $term) { id name price } }","variables":{"term":"card"}}'
LUA
for port in 19151 19152 19161 19162; do
    for _ in $(seq 50); do curl -s -o /dev/null -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$port/graphql" && break; sleep 0.1; done
done
echo
echo "## end to end: wrk -t1 -c10 -d${DUR:-8}s, POST /graphql (the lab answers products(search:))"
echo "| upstream | graphql: | req/s | gateway CPU µs/req |"
echo "|---|---|---:|---:|"
for run in plain-off:19151 plain-on:19152 traced-off:19161 traced-on:19162; do
    name=${run%%:*}; port=${run##*:}
    pid=$(cat "$work/gateway-$name.pid")
    wrk -t1 -c10 -d2s -s "$work/query.lua" "http://127.0.0.1:$port/graphql" >/dev/null
    read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$pid/stat")
    out=$(wrk -t1 -c10 -d"${DUR:-8}s" -s "$work/query.lua" "http://127.0.0.1:$port/graphql")
    read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
    n=$(awk '/requests in/ {print $1}' <<<"$out")
    python3 -c "import sys; n=int(sys.argv[1]); hz=int(sys.argv[6]); t=(int(sys.argv[3])-int(sys.argv[2])+int(sys.argv[5])-int(sys.argv[4]))/hz/n*1e6
print(f'| ${name%-*} | ${name##*-} | {float(sys.argv[7]):,.0f} | {t:.1f} |')" "$n" "$u0" "$u1" "$s0" "$s1" "$(getconf CLK_TCK)" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
done
