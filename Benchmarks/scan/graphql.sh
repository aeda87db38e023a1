#!/usr/bin/env bash
# `rampart scan` beside graphql-cop (../shared/peers) on the GraphQL apps of ../shared/targets: what each reports per
# app and how long it takes, in the same run.
#
#   bash Benchmarks/scan/graphql.sh
#   RAMPART=/path/to/rampart bash Benchmarks/scan/graphql.sh
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"
OUT="${OUT:-/tmp/rampart-graphql-bench}"
VENV="${VENV:-/tmp/rampart-graphql-cop-venv}"
mkdir -p "$OUT"

if [ -z "${RAMPART:-}" ]; then
  (cd "$ROOT" && swift build -c release --product rampart >/dev/null)
  RAMPART="$ROOT/.build/release/rampart"
fi
[ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q requests simplejson termcolor PySocks; }

bash "$SHARED/targets/setup.sh" >/dev/null
NAMES=$(awk -F'\t' 'NR > 1 && $5 == "graphql" { print $1 }' "$SHARED/targets/targets.tsv")
trap 'bash "$SHARED/targets/stop.sh" >/dev/null 2>&1 || true' EXIT
# shellcheck disable=SC2086
bash "$SHARED/targets/start.sh" $NAMES >/dev/null

for name in $NAMES; do
  port=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' "$SHARED/targets/targets.tsv")
  started=$(date +%s.%N)
  "$VENV/bin/python" "$SHARED/peers/graphql-cop/graphql-cop.py" -t "http://127.0.0.1:$port/graphql" -o json > "$OUT/$name.cop.json" 2>/dev/null || true
  cop=$(echo "$(date +%s.%N) - $started" | bc)
  started=$(date +%s.%N)
  "$RAMPART" scan --target "http://127.0.0.1:$port/" --format json --output "$OUT/$name.rampart.json" --fail-on none 2>/dev/null || true
  rampart=$(echo "$(date +%s.%N) - $started" | bc)
  python3 - "$name" "$OUT/$name.cop.json" "$OUT/$name.rampart.json" "$cop" "$rampart" <<'PY'
import json, sys
name, cop_path, rampart_path, cop_seconds, rampart_seconds = sys.argv[1:]
try:
    cop = sorted(f"{x['title']} ({x['severity'].lower()})" for x in json.load(open(cop_path)) if x.get("result"))
except (OSError, ValueError):
    cop = ["(no report)"]
try:
    findings = json.load(open(rampart_path)).get("findings", [])
except (OSError, ValueError):
    findings = []
rampart = sorted({f"{f['ruleId']} ({f['severity']})" for f in findings if f["ruleId"].startswith("graphql") or (f.get("location") or {}).get("path") == "/graphql"})
print(f"{name}: graphql-cop {len(cop)} in {float(cop_seconds):.1f} s, rampart {len(rampart)} about /graphql in {float(rampart_seconds):.1f} s")
print("  graphql-cop: " + "; ".join(cop))
print("  rampart:     " + "; ".join(rampart))
PY
done
