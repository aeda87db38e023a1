#!/usr/bin/env bash
# Recall of `rampart scan` on third-party vulnerable apps (../shared/targets): sets them up, starts them, scans each
# with the rampart.yml a user would write from the app's own docs (targets/NAME.yml; none where the docs need none),
# stops them, and prints per app which documented flaws (targets/expected.tsv) a finding names, then
#   recall N/M, medium+ on secure twins K
# (K counts vulpy-good findings of flaws it fixes plus every medium+ finding on `rampart lab --secure`).
#
#   bash Benchmarks/scan/targets.sh                 # all targets
#   TARGETS="SQLI XXE" bash Benchmarks/scan/targets.sh
#   RAMPART=/path/to/rampart RPS=100 bash Benchmarks/scan/targets.sh
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared/targets}"
OUT="${OUT:-/tmp/rampart-targets-scan}"
RPS="${RPS:-100}"
mkdir -p "$OUT"

if [ -z "${RAMPART:-}" ]; then
  (cd "$ROOT" && swift build -c release --product rampart >/dev/null)
  RAMPART="$ROOT/.build/release/rampart"
fi

bash "$SHARED/setup.sh" >/dev/null
ALL=$(awk -F'\t' 'NR > 1 { print $1 }' "$SHARED/targets.tsv")
NAMES="${TARGETS:-$ALL}"
trap 'bash "$SHARED/stop.sh" >/dev/null 2>&1 || true' EXIT
rm -f /tmp/vulpy.apikey.* 2>/dev/null || true
# shellcheck disable=SC2086
bash "$SHARED/start.sh" $NAMES >/dev/null || echo "some targets did not start; their flaws count as missed" >&2

for name in $NAMES; do
  port=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' "$SHARED/targets.tsv")
  config=()
  [ -f "$HERE/targets/$name.yml" ] && config=(--config "$HERE/targets/$name.yml")
  started=$(date +%s.%N)
  "$RAMPART" scan --target "http://127.0.0.1:$port/" "${config[@]}" --rps "$RPS" --jwt-wordlist "$ROOT/../shared/wordlists/jwt-secrets.list" \
    --format json --output "$OUT/$name.json" --fail-on none 2>"$OUT/$name.err" || echo "$name: scan failed (exit $?), see $OUT/$name.err" >&2
  echo "$(date +%s.%N) - $started" | bc > "$OUT/$name.seconds"
done

# The lab's secure twin: every medium+ finding there is a false alarm.
"$RAMPART" lab --secure --port 0 > "$OUT/lab.out" &
LAB=$!
for _ in $(seq 50); do grep -q "http://" "$OUT/lab.out" 2>/dev/null && break; sleep 0.1; done
LAB_URL=$(grep -o 'http://[0-9.:]*' "$OUT/lab.out" | head -1)
curl -s "$LAB_URL/rampart.yml" > "$OUT/lab.yml"
"$RAMPART" scan --target "$LAB_URL" --config "$OUT/lab.yml" --format json --output "$OUT/lab-secure.json" --fail-on none 2>/dev/null || true
kill $LAB 2>/dev/null || true

python3 "$HERE/recall.py" "$HERE/targets/expected.tsv" "$OUT" $NAMES
