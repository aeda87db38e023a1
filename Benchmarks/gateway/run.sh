#!/usr/bin/env bash
# rampart gateway side by side with HAProxy on the same work (issue #5), in one run:
#   1. ../shared/bench/gateway-peers/bench.sh measures the HAProxy variants (same nginx backend, keys, wrk settings);
#   2. the same backend is started again and `rampart gateway` (release build, one thread, like the peers' one
#      proxy thread) runs the equivalent policy for each variant under the same wrk load.
# Prints the peers' table, then Rampart's rows: requests/s, p50/p99, proxy CPU per request, peak RSS, errors and
# the ratios to the matching HAProxy variant; then SwiftNIO's own floor (a byte relay, and NIO's HTTP codecs with no
# gateway work) measured the same way; then Rampart's peak memory with 1,000 open connections.
#   bash Benchmarks/gateway/run.sh        # DUR=10 CONNS=50 (as the peers' defaults), REPS=3 (medians of 3 runs each)
set -euo pipefail
cd "$(dirname "$0")/../.."
DUR=${DUR:-10}
CONNS=${CONNS:-50}
# Every variant, the peers' and Rampart's, runs REPS times; tables show the median run (this 2-core machine is noisy).
REPS=${REPS:-3}
GW=${GW:-$(mktemp -d /tmp/rampart-gateway-bench.XXXXXX)}
export GW DUR CONNS
PEERS=../shared/bench/gateway-peers
command -v haproxy >/dev/null && command -v wrk >/dev/null && command -v nginx >/dev/null || {
    apt-get update -qq && apt-get install -y -qq haproxy nginx wrk curl openssl >/dev/null; }

swift build -c release --product rampart >/dev/null
rampart="$(swift build -c release --show-bin-path)/rampart"
swift build -c release --package-path Benchmarks/gateway/nio-floor >/dev/null
floor="$(swift build -c release --package-path Benchmarks/gateway/nio-floor --show-bin-path)/NIOFloor"

REPS=$REPS VARIANTS="direct haproxy_proxy haproxy_ratelimit_high haproxy_jwt_rs256 haproxy_jwt_es256 haproxy_gateway_full" bash "$PEERS/bench.sh" \
    | sed -n '/^## Results/,/^raw wrk/p' | tee "$GW/peers.md"

# The backend again (the peers' script stops everything it started).
nginx -c "$GW/conf/backend-nginx.conf"
trap 'nginx -c "$GW/conf/backend-nginx.conf" -s stop 2>/dev/null; [ -n "${gw_pid:-}" ] && kill $gw_pid 2>/dev/null; true' EXIT
for _ in $(seq 50); do curl -sf http://127.0.0.1:19001/ >/dev/null && break; sleep 0.1; done

# The peers' public keys as a JWKS, for Rampart's JWT variants (their tokens carry no kid: each key is tried).
python3 - "$GW/keys/rs256.pub.pem" "$GW/keys/es256.pub.pem" > "$GW/bench.jwks.json" <<'PY'
import base64, json, re, subprocess, sys
def hexdump(text, label):
    return bytes.fromhex(re.sub(r"[\s:]", "", re.search(label + r":?\s*\n((?:\s+[0-9a-f:]+\n)+)", text).group(1)))
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
rsa = subprocess.run(["openssl", "rsa", "-pubin", "-in", sys.argv[1], "-noout", "-text"], capture_output=True, text=True).stdout
ec = subprocess.run(["openssl", "ec", "-pubin", "-in", sys.argv[2], "-noout", "-text"], capture_output=True, text=True).stdout
point = hexdump(ec, "pub")[1:]
print(json.dumps({"keys": [
    {"kty": "RSA", "alg": "RS256", "kid": "bench-rs", "n": b64(hexdump(rsa, "Modulus").lstrip(b"\0")), "e": b64((65537).to_bytes(3, "big"))},
    {"kty": "EC", "crv": "P-256", "alg": "ES256", "kid": "bench-es", "x": b64(point[:32]), "y": b64(point[32:])}]}))
PY

config() {   # name, route policy
    cat > "$GW/rampart-$1.yml" <<YAML
gateway:
  threads: 1
  listeners: [{address: 127.0.0.1:19030}]
  upstreams: {backend: {url: "http://127.0.0.1:19001"}}
  authenticators:
    rs: {jwt: {issuer: "https://issuer.test", audience: gw-bench, jwks_file: bench.jwks.json, algorithms: [RS256]}}
    es: {jwt: {issuer: "https://issuer.test", audience: gw-bench, jwks_file: bench.jwks.json, algorithms: [ES256]}}
  routes:
    - {path: /, upstream: backend$2}
YAML
}
config plain ""
config ratelimit ", rate_limits: [{key: ip, limit: 100000000, per: 1}]"
config jwt_rs256 ", authenticate: [rs]"
config jwt_es256 ", authenticate: [es]"
config full ", authenticate: [rs], methods: [GET, POST], rate_limits: [{key: sub, limit: 1000000, per: 1}], headers: {add: {Cache-Control: no-store}}"
# The full gateway again, with the backend's API description enforced (requests and answers) and every anomaly detector on (issue #6).
config guarded ", authenticate: [rs], methods: [GET, POST], rate_limits: [{key: sub, limit: 1000000, per: 1}], headers: {add: {Cache-Control: no-store}}, openapi: bench-openapi.yaml"
sed -i 's/^  routes:$/  detection: {}\n  routes:/' "$GW/rampart-guarded.yml"
cat > "$GW/bench-openapi.yaml" <<'YAML'
openapi: 3.0.3
info: {title: gateway-peers backend, version: "1"}
paths:
  /api/items:
    get:
      security: [{bearer: []}]
      responses:
        "200":
          description: the items
          content:
            application/json:
              schema:
                type: object
                required: [ok, items]
                properties:
                  ok: {type: boolean}
                  service: {type: string, maxLength: 64}
                  items: {type: array, maxItems: 1000, items: {type: integer}}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer, bearerFormat: JWT}
YAML

start_gateway() {
    "$rampart" gateway --config "$GW/rampart-$1.yml" > "$GW/rampart-$1.log" 2>&1 &
    gw_pid=$!
    for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:19030/ && break; sleep 0.1; done
}
stop_gateway() { kill $gw_pid; wait $gw_pid 2>/dev/null || true; gw_pid=""; }

# measure ROW PID PORT PEER [wrk header args]: REPS times a warm-up and a measured wrk run with the proxy's CPU, then
# one row with the median run (by requests/s) and the peak memory.
measure() {
    local row=$1 pid=$2 port=$3 peer=$4 runs=() ticks_before ticks_after rss
    shift 4
    for rep in $(seq "$REPS"); do
        wrk -t1 -c"$CONNS" -d2s "$@" http://127.0.0.1:$port/api/items > /dev/null
        ticks_before=$(awk '{print $14 + $15}' /proc/$pid/stat)
        wrk -t1 -c"$CONNS" -d"${DUR}s" --latency "$@" http://127.0.0.1:$port/api/items > "$GW/wrk-$row.$rep.txt"
        ticks_after=$(awk '{print $14 + $15}' /proc/$pid/stat)
        runs+=("$GW/wrk-$row.$rep.txt:$((ticks_after - ticks_before))")
    done
    rss=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
    python3 - "$row" "$(getconf CLK_TCK)" "$rss" "$GW/peers.md" "$peer" "$GW/wrk-$row.txt" "${runs[@]}" <<'PY'
import re, shutil, sys
name, hz, rss, peers, peer, median_copy = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
def run(spec):
    path, ticks = spec.rsplit(":", 1)
    text = open(path).read()
    return path, text, float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)), int(ticks)
runs = sorted((run(spec) for spec in sys.argv[7:]), key=lambda r: r[2])
path, text, rate, ticks = runs[len(runs) // 2]
shutil.copy(path, median_copy)
total = int(re.search(r"(\d+) requests in", text).group(1))
def ms(label):
    value, unit = re.search(label + r"%\s+([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
non2xx = sum(int(m) for r in runs for m in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", r[1]))
errors = sum(int(n) for r in runs for m in re.findall(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", r[1]) for n in m)
# The peers' summary row: | variant | req/s median | spread | vs direct | vs haproxy_proxy | p50 (..) | p99 (..) | ...
row = next((line.split("|") for line in open(peers) if line.startswith(f"| {peer} |")), None)
peer_rate = float(row[2].replace(",", "")) if row else None
peer_p99 = float(row[7].split()[0]) if row else None
ratio = lambda a, b: f"{a / b:.2f}×" if b else "-"
spread = f"{runs[0][2]:,.0f}..{runs[-1][2]:,.0f}"
print(f"| {name} | {rate:,.0f} | {spread} | {ms('50'):.2f} | {ms('99'):.2f} | {ticks / hz / total * 1e6:.1f} | {rss / 1024:.0f} | "
      f"{non2xx} | {errors} | {ratio(rate, peer_rate)} (vs {peer}) | {ratio(ms('99'), peer_p99)} |")
PY
}

echo
echo "| rampart variant | req/s median | min..max | p50 ms | p99 ms | proxy CPU µs/req | peak RSS MB | non-2xx | socket errors | req/s vs HAProxy | p99 vs HAProxy |"
echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for variant in plain ratelimit jwt_rs256 jwt_es256 full guarded; do
    start_gateway $variant
    auth=()
    case $variant in
        jwt_rs256|full|guarded) auth=(-H "Authorization: Bearer $(cat "$GW/keys/rs256.good.jwt")") ;;
        jwt_es256) auth=(-H "Authorization: Bearer $(cat "$GW/keys/es256.good.jwt")") ;;
    esac
    [ "$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" http://127.0.0.1:19030/api/items)" = 200 ] || { echo "rampart $variant does not answer 200" >&2; exit 1; }
    if [ ${#auth[@]} -gt 0 ]; then   # the JWT variants really refuse forged tokens
        for forged in alg-none rs256.badsig rs256.expired es256.badsig; do
            [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$GW/keys/$forged.jwt")" http://127.0.0.1:19030/api/items)" = 401 ] \
                || { echo "rampart $variant accepts $forged" >&2; exit 1; }
        done
    fi
    case $variant in
        plain) peer=haproxy_proxy ;;
        ratelimit) peer=haproxy_ratelimit_high ;;
        full|guarded) peer=haproxy_gateway_full ;;
        *) peer=haproxy_$variant ;;
    esac
    measure "rampart_$variant" $gw_pid 19030 $peer "${auth[@]}"
    stop_gateway
done

# OpenAPI enforcement and the detectors against the same gateway without them (target: at least 0.85×).
python3 - "$GW/wrk-rampart_full.txt" "$GW/wrk-rampart_guarded.txt" <<'PY'
import re, sys
rate = lambda f: float(re.search(r"Requests/sec:\s+([\d.]+)", open(f).read()).group(1))
print(f"\nrampart_guarded (full + OpenAPI enforcement + all detectors) / rampart_full: {rate(sys.argv[2]) / rate(sys.argv[1]):.2f}×")
PY

# The floor under those rows: SwiftNIO alone, one thread, no gateway work (Benchmarks/gateway/nio-floor).
for mode in relay http; do
    "$floor" $mode 19032 19001 & floor_pid=$!
    for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:19032/ && break; sleep 0.1; done
    measure "nio_floor_$mode" $floor_pid 19032 haproxy_proxy
    kill $floor_pid; wait $floor_pid 2>/dev/null || true
done

# Memory with 1,000 open keep-alive connections (plain proxy; wrk keeps them all open for the whole run).
start_gateway plain
wrk -t1 -c1000 -d5s http://127.0.0.1:19030/api/items > "$GW/wrk-1000.txt"
rss=$(awk '/VmHWM/ {print $2}' /proc/$gw_pid/status)
stop_gateway
echo
echo "1,000 connections: $(awk '/Requests\/sec/ {print $2}' "$GW/wrk-1000.txt") req/s, peak RSS $((rss / 1024)) MB; $(grep -E 'Socket errors|Non-2xx' "$GW/wrk-1000.txt" | tr -s ' \n' ' ' || echo 'no socket errors, no non-2xx')"
