#!/usr/bin/env bash
# Offline JWT secret cracking speed: rampart's jwt-weak-secret check against a token whose secret is in no list
# (the secure lab's random key), so every candidate is tried: the built-in list, /usr/share/dict/words when
# present, and ../shared/wordlists/jwt-secrets.list (104k leaked secrets). Side by side: the same list in a
# plain Python HMAC loop (what jwt-cracker style scripts do), in the same run.
#   bash Benchmarks/scan/jwt-crack.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${PORT:-18089}
LIST=${LIST:-../shared/wordlists/jwt-secrets.list}
swift build -c release --product rampart >/dev/null
bin=$(swift build -c release --show-bin-path)
"$bin/rampart" lab --secure --port "$PORT" > /dev/null 2>&1 &
lab_pid=$!
trap 'kill $lab_pid 2>/dev/null' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$PORT"
curl -sf "$url/rampart.yml" > /tmp/rampart-jwt-lab.yml
candidates=$(( 63 + $(grep -c '' "$LIST") + $( [ -r /usr/share/dict/words ] && grep -c '' /usr/share/dict/words || echo 0) ))   # 63: the built-in list
rampart_seconds=$(RAMPART_TRACE_CHECKS=1 "$bin/rampart" scan --target "$url" --config /tmp/rampart-jwt-lab.yml --only jwt-weak-secret \
    --jwt-wordlist "$LIST" --rps 0 --format json --fail-on none 2>&1 >/dev/null | sed -n 's/^check jwt-weak-secret: \([0-9.]*\) seconds/\1/p')
token=$(curl -sf -X POST "$url/api/v2/auth/login" -d '{"email":"carol@bank.lab","password":"carol-lab-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
python_seconds=$(python3 - "$token" "$LIST" <<'PY'
import base64, hashlib, hmac, sys, time
token, path = sys.argv[1], sys.argv[2]
head, body, sig = token.split(".")
signature = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
message = f"{head}.{body}".encode()
words = [line.rstrip("\r\n").encode() for line in open(path, encoding="utf-8", errors="replace")]
start = time.perf_counter()
found = next((w for w in words if hmac.compare_digest(hmac.new(w, message, hashlib.sha256).digest(), signature)), None)
print(f"{time.perf_counter() - start:.2f}")
PY
)
words=$(grep -c '' "$LIST")
python3 - "$rampart_seconds" "$candidates" "$python_seconds" "$words" <<'PY'
import sys
rs, rc, ps, pc = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
print("| | candidates | seconds | secrets/s |\n|---|---|---|---|")
print(f"| rampart jwt-weak-secret (the whole check: probe, crack, 2 cores) | {rc:,} | {rs:.2f} | {rc / rs:,.0f} |")
print(f"| Python hmac loop (one core) | {pc:,} | {ps:.2f} | {pc / ps:,.0f} |")
PY
