#!/usr/bin/env bash
# rampart gateway side by side with HAProxy on the same work (issue #5), in one run:
#   1. ../shared/bench/gateway-peers/bench.sh measures the HAProxy variants (same nginx backend, keys, wrk settings);
#   2. the same backend is started again and `rampart gateway` (release build, one thread, like the peers' one
#      proxy thread) runs the equivalent policy for each variant under the same wrk load.
# Prints the peers' table, then Rampart's rows: requests/s, p50/p99, proxy CPU per request, peak RSS.
#   bash Benchmarks/gateway/run.sh        # DUR=10 CONNS=50 (as the peers' defaults)
set -euo pipefail
cd "$(dirname "$0")/../.."
DUR=${DUR:-10}
CONNS=${CONNS:-50}
GW=${GW:-$(mktemp -d /tmp/rampart-gateway-bench.XXXXXX)}
export GW DUR CONNS
PEERS=../shared/bench/gateway-peers
command -v haproxy >/dev/null && command -v wrk >/dev/null && command -v nginx >/dev/null || {
    apt-get update -qq && apt-get install -y -qq haproxy nginx wrk curl openssl >/dev/null; }

swift build -c release --product rampart >/dev/null
rampart="$(swift build -c release --show-bin-path)/rampart"

REPS=1 VARIANTS="direct haproxy_proxy haproxy_jwt_rs256 haproxy_gateway_full" bash "$PEERS/bench.sh" | sed -n '/^## Results/,/^raw wrk/p'

# The backend again (the peers' script stops everything it started).
nginx -c "$GW/conf/backend-nginx.conf"
trap 'nginx -c "$GW/conf/backend-nginx.conf" -s stop 2>/dev/null; [ -n "${gw_pid:-}" ] && kill $gw_pid 2>/dev/null; true' EXIT
for _ in $(seq 50); do curl -sf http://127.0.0.1:19001/ >/dev/null && break; sleep 0.1; done

# The peers' RS256 public key as a JWKS, for Rampart's JWT variants.
python3 - "$GW/keys/rs256.pub.pem" > "$GW/rs256.jwks.json" <<'PY'
import base64, json, re, subprocess, sys
text = subprocess.run(["openssl", "rsa", "-pubin", "-in", sys.argv[1], "-noout", "-text"], capture_output=True, text=True).stdout
modulus = bytes.fromhex(re.sub(r"[\s:]", "", re.search(r"Modulus:\s*\n((?:\s+[0-9a-f:]+\n)+)", text).group(1))).lstrip(b"\0")
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
print(json.dumps({"keys": [{"kty": "RSA", "alg": "RS256", "kid": "bench", "n": b64(modulus), "e": b64((65537).to_bytes(3, "big"))}]}))
PY

config() {   # name, route policy
    cat > "$GW/rampart-$1.yml" <<YAML
gateway:
  threads: 1
  listeners: [{address: 127.0.0.1:19030}]
  upstreams: {backend: {url: "http://127.0.0.1:19001"}}
  authenticators:
    bench: {jwt: {issuer: "https://issuer.test", audience: gw-bench, jwks_file: rs256.jwks.json, algorithms: [RS256]}}
  routes:
    - {path: /, upstream: backend$2}
YAML
}
config plain ""
config jwt ", authenticate: [bench]"
config full ", authenticate: [bench], methods: [GET, POST], rate_limits: [{key: sub, limit: 1000000, per: 1}], headers: {add: {Cache-Control: no-store}}"

token=$(cat "$GW/keys/rs256.good.jwt")
echo
echo "| rampart variant | req/s | p50 ms | p99 ms | proxy CPU µs/req | peak RSS MB | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for variant in plain jwt full; do
    "$rampart" gateway --config "$GW/rampart-$variant.yml" > "$GW/rampart-$variant.log" 2>&1 &
    gw_pid=$!
    for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:19030/ && break; sleep 0.1; done
    auth=(); [ "$variant" != plain ] && auth=(-H "Authorization: Bearer $token")
    [ "$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" http://127.0.0.1:19030/api/items)" = 200 ] || { echo "rampart $variant does not answer 200" >&2; exit 1; }
    if [ "$variant" != plain ]; then
        [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$GW/keys/alg-none.jwt")" http://127.0.0.1:19030/api/items)" = 401 ] || { echo "rampart $variant accepts alg none" >&2; exit 1; }
    fi
    wrk -t1 -c"$CONNS" -d2s "${auth[@]}" http://127.0.0.1:19030/api/items > /dev/null
    ticks_before=$(awk '{print $14 + $15}' /proc/$gw_pid/stat)
    wrk -t1 -c"$CONNS" -d"${DUR}s" --latency "${auth[@]}" http://127.0.0.1:19030/api/items > "$GW/wrk-$variant.txt"
    ticks_after=$(awk '{print $14 + $15}' /proc/$gw_pid/stat)
    rss=$(awk '/VmHWM/ {print $2}' /proc/$gw_pid/status)
    kill $gw_pid; wait $gw_pid 2>/dev/null || true; gw_pid=""
    python3 - "$GW/wrk-$variant.txt" "$variant" "$((ticks_after - ticks_before))" "$(getconf CLK_TCK)" "$rss" <<'PY'
import re, sys
text, variant, ticks, hz, rss = open(sys.argv[1]).read(), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
total = int(re.search(r"(\d+) requests in", text).group(1))
def ms(label):
    value, unit = re.search(label + r"%\s+([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
print(f"| rampart_{variant} | {rate:,.0f} | {ms('50'):.2f} | {ms('99'):.2f} | {ticks / hz / total * 1e6:.1f} | {rss / 1024:.0f} | {non2xx.group(1) if non2xx else 0} |")
PY
done
