#!/usr/bin/env bash
# rampart gateway side by side with HAProxy on the same work (issue #5), in one run of REPS rounds. Each round:
#   1. ../shared/bench/gateway-peers/bench.sh measures each HAProxy variant once (same nginx backend, keys, wrk settings);
#   2. the same backend is started again and `rampart gateway` (release build, one thread, like the peers' one
#      proxy thread) runs the equivalent policy for each variant once under the same wrk load.
# The rounds interleave the two proxies, so a slow phase of this shared machine (one lasts minutes) weighs on both
# alike. The peers' table is their own summarize.py over the runs of all rounds.
# Prints the peers' table, then Rampart's rows: requests/s, p50/p99, proxy CPU per request, peak RSS, errors and
# the ratios to the matching HAProxy variant; then SwiftNIO's own floor (a byte relay, and NIO's HTTP codecs with no
# gateway work) measured the same way; then Rampart's peak memory with 1,000 open connections.
#   bash Benchmarks/gateway/run.sh        # DUR=10 CONNS=50 (as the peers' defaults), REPS=5 (medians of 5 runs each)
set -euo pipefail
cd "$(dirname "$0")/../.."
DUR=${DUR:-10}
CONNS=${CONNS:-50}
# Every variant, the peers' and Rampart's, runs once per round, REPS rounds; tables show the median run (this 2-core machine is noisy).
REPS=${REPS:-5}
GW=${GW:-$(mktemp -d /tmp/rampart-gateway-bench.XXXXXX)}
export GW DUR CONNS
PEERS=../shared/bench/gateway-peers
command -v haproxy >/dev/null && command -v wrk >/dev/null && command -v nginx >/dev/null || {
    apt-get update -qq && apt-get install -y -qq haproxy nginx wrk curl openssl >/dev/null; }

swift build -c release --product rampart >/dev/null
rampart="$(swift build -c release --show-bin-path)/rampart"
swift build -c release --package-path Benchmarks/gateway/nio-floor >/dev/null
floor="$(swift build -c release --package-path Benchmarks/gateway/nio-floor --show-bin-path)/NIOFloor"

PEER_VARIANTS="direct haproxy_proxy haproxy_ratelimit_high haproxy_jwt_rs256 haproxy_jwt_es256 haproxy_gateway_full"
start_backend() {   # the peers' script stops everything it started, the backend too
    nginx -c "$GW/conf/backend-nginx.conf"
    for _ in $(seq 50); do curl -sf http://127.0.0.1:19001/ >/dev/null && break; sleep 0.1; done
}
stop_backend() { nginx -c "$GW/conf/backend-nginx.conf" -s stop 2>/dev/null || true; sleep 0.5; }
trap 'stop_backend; [ -n "${gw_pid:-}" ] && kill $gw_pid 2>/dev/null; true' EXIT

write_jwks() {   # the peers' public keys as a JWKS, for Rampart's JWT variants (each round makes new keys; their tokens carry no kid: each key is tried)
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
}

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

# measure_once ROW REP PID PORT [wrk header args]: a warm-up and a measured wrk run with the proxy's CPU and peak memory.
measure_once() {
    local row=$1 rep=$2 pid=$3 port=$4 ticks_before ticks_after
    shift 4
    wrk -t1 -c"$CONNS" -d2s "$@" http://127.0.0.1:$port/api/items > /dev/null
    ticks_before=$(awk '{print $14 + $15}' /proc/$pid/stat)
    wrk -t1 -c"$CONNS" -d"${DUR}s" --latency "$@" http://127.0.0.1:$port/api/items > "$GW/wrk-$row.$rep.txt"
    ticks_after=$(awk '{print $14 + $15}' /proc/$pid/stat)
    echo "$GW/wrk-$row.$rep.txt:$((ticks_after - ticks_before)):$(awk '/VmHWM/ {print $2}' /proc/$pid/status)" >> "$GW/runs-$row.txt"
}

# report ROW PEER: one row with the median of ROW's runs (by requests/s), the highest peak memory, and the ratios to PEER's row.
report() {
    local row=$1 peer=$2
    python3 - "$row" "$(getconf CLK_TCK)" "$GW/peers.md" "$peer" "$GW/wrk-$row.txt" $(cat "$GW/runs-$row.txt") <<'PY'
import re, shutil, sys
name, hz, peers, peer, median_copy = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
def run(spec):
    path, ticks, rss = spec.rsplit(":", 2)
    text = open(path).read()
    return path, text, float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)), int(ticks), int(rss)
runs = sorted((run(spec) for spec in sys.argv[6:]), key=lambda r: r[2])
path, text, rate, ticks, _ = runs[len(runs) // 2]
rss = max(r[4] for r in runs)
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

VARIANTS="plain ratelimit jwt_rs256 jwt_es256 full guarded"
rm -f "$GW"/runs-*.txt
for round in $(seq "$REPS"); do
    REPS=1 VARIANTS="$PEER_VARIANTS" bash "$PEERS/bench.sh" > "$GW/peers.$round.log"
    start_backend
    write_jwks
    for variant in $VARIANTS; do
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
        measure_once "rampart_$variant" "$round" $gw_pid 19030 "${auth[@]}"
        stop_gateway
    done
    stop_backend
done

# The peers' table over every round: their cpu.csv rows (one per variant and round) in one results folder.
combined="$GW/results/all-rounds"
rm -rf "$combined"; mkdir -p "$combined"
head -1 "$(ls "$GW"/results/*/cpu.csv | head -1)" > "$combined/cpu.csv"
for csv in $(ls -tr "$GW"/results/*/cpu.csv | grep -v all-rounds | tail -"$REPS"); do tail -n +2 "$csv" >> "$combined/cpu.csv"; done
python3 "$PEERS/summarize.py" "$combined" "$DUR" "$CONNS" 1 1 1 "$PEER_VARIANTS" | tee "$GW/peers.md"

echo
echo "| rampart variant | req/s median | min..max | p50 ms | p99 ms | proxy CPU µs/req | peak RSS MB | non-2xx | socket errors | req/s vs HAProxy | p99 vs HAProxy |"
echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for variant in $VARIANTS; do
    case $variant in
        plain) peer=haproxy_proxy ;;
        ratelimit) peer=haproxy_ratelimit_high ;;
        full|guarded) peer=haproxy_gateway_full ;;
        *) peer=haproxy_$variant ;;
    esac
    report "rampart_$variant" $peer
done

# OpenAPI enforcement and the detectors against the same gateway without them (target: at least 0.85×).
python3 - "$GW/wrk-rampart_full.txt" "$GW/wrk-rampart_guarded.txt" <<'PY'
import re, sys
rate = lambda f: float(re.search(r"Requests/sec:\s+([\d.]+)", open(f).read()).group(1))
print(f"\nrampart_guarded (full + OpenAPI enforcement + all detectors) / rampart_full: {rate(sys.argv[2]) / rate(sys.argv[1]):.2f}×")
PY

# The floor under those rows: SwiftNIO alone, one thread, no gateway work (Benchmarks/gateway/nio-floor).
start_backend
for mode in relay http; do
    "$floor" $mode 19032 19001 & floor_pid=$!
    for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:19032/ && break; sleep 0.1; done
    for rep in $(seq "$REPS"); do measure_once "nio_floor_$mode" "$rep" $floor_pid 19032; done
    report "nio_floor_$mode" haproxy_proxy
    kill $floor_pid; wait $floor_pid 2>/dev/null || true
done

# Memory with 1,000 open keep-alive connections (plain proxy; wrk keeps them all open for the whole run).
start_gateway plain
wrk -t1 -c1000 -d5s http://127.0.0.1:19030/api/items > "$GW/wrk-1000.txt"
rss=$(awk '/VmHWM/ {print $2}' /proc/$gw_pid/status)
stop_gateway
echo
echo "1,000 connections: $(awk '/Requests\/sec/ {print $2}' "$GW/wrk-1000.txt") req/s, peak RSS $((rss / 1024)) MB; $(grep -E 'Socket errors|Non-2xx' "$GW/wrk-1000.txt" | tr -s ' \n' ' ' || echo 'no socket errors, no non-2xx')"
