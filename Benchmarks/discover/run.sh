#!/usr/bin/env bash
# rampart discover's benchmark (issue #6), one run:
#   1. a generated 1,000,000-line combined access log over 26 known routes: wall time, peak memory, templates right;
#   2. a generated 5,000-entry HAR over the same routes, side by side with mitmproxy2swagger (PyPI): wall time and
#      how many of the known (method, path template) pairs each gets right, misses or invents.
#   bash Benchmarks/discover/run.sh            # LINES=1000000 ENTRIES=5000
set -euo pipefail
cd "$(dirname "$0")/../.."
LINES=${LINES:-1000000}
ENTRIES=${ENTRIES:-5000}
WORK=${WORK:-$(mktemp -d /tmp/rampart-discover-bench.XXXXXX)}
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
[ -x "$WORK/venv/bin/mitmproxy2swagger" ] || { python3 -m venv "$WORK/venv" && "$WORK/venv/bin/pip" install -q mitmproxy2swagger pyyaml; }

swift build -c release --product rampart >/dev/null
rampart="$(swift build -c release --show-bin-path)/rampart"
python3 Benchmarks/discover/traffic.py routes > "$WORK/routes.txt"
python3 Benchmarks/discover/traffic.py log "$LINES" "$WORK/access.log"
python3 Benchmarks/discover/traffic.py har "$ENTRIES" "$WORK/traffic.har"

# timed NAME COMMAND...: wall seconds and peak RSS (MB) of one command, into $WORK/NAME.time
timed() {
    local name=$1
    shift
    /usr/bin/time -f "%e %M" -o "$WORK/$name.time" "$@" > /dev/null 2> "$WORK/$name.err"
}
# score FILE FORMAT: the known routes a tool's output has right, missing, and templates it invented.
score() {
    python3 - "$WORK/routes.txt" "$1" "$2" <<'PY'
import json, re, sys, yaml
truth = {tuple(line.split(" ", 1)) for line in open(sys.argv[1]).read().splitlines()}
norm = lambda path: re.sub(r"\{[^}]*\}", "{}", path)
if sys.argv[3] == "rampart":
    table = next(rows for title, rows in json.load(open(sys.argv[2]))["tables"].items() if title.startswith("Endpoints"))
    got = {(row["method"], norm(row["path"])) for row in table}
else:
    paths = (yaml.safe_load(open(sys.argv[2])) or {}).get("paths") or {}
    got = {(method.upper(), norm(path)) for path, ops in paths.items() for method in ops}
print(f"{len(got & truth)} | {len(truth - got)} | {len(got - truth)}")
PY
}

timed rampart_log "$rampart" discover --input "$WORK/access.log" --format json --output "$WORK/log.json" --fail-on none
read -r log_wall log_rss < "$WORK/rampart_log.time"
timed rampart_har "$rampart" discover --input "$WORK/traffic.har" --format json --output "$WORK/har.json" --emit-spec "$WORK/rampart.yaml" --fail-on none
read -r har_wall har_rss < "$WORK/rampart_har.time"

# mitmproxy2swagger is two passes: the first lists candidate templates, each prefixed `ignore:`; its user removes the
# prefix from the ones to keep and runs it again. Here every suggested template (a line with a `{`) is kept.
m2s="$WORK/venv/bin/mitmproxy2swagger"
rm -f "$WORK/m2s.yaml"
timed m2s_pass1 "$m2s" -i "$WORK/traffic.har" -o "$WORK/m2s.yaml" -p https://api.example.com -f har
sed -i '/{/ s/- ignore:/- /' "$WORK/m2s.yaml"
timed m2s_pass2 "$m2s" -i "$WORK/traffic.har" -o "$WORK/m2s.yaml" -p https://api.example.com -f har
read -r m2s_wall1 m2s_rss1 < "$WORK/m2s_pass1.time"
read -r m2s_wall2 m2s_rss2 < "$WORK/m2s_pass2.time"

echo "## rampart discover (work folder $WORK)"
echo
echo "| input | tool | wall s | peak RSS MB | known routes right (of $(wc -l < "$WORK/routes.txt")) | missed | invented |"
echo "|---|---|---:|---:|---:|---:|---:|"
echo "| access log, $LINES lines ($(du -m "$WORK/access.log" | cut -f1) MB) | rampart discover | $log_wall | $((log_rss / 1024)) | $(score "$WORK/log.json" rampart) |"
echo "| HAR, $ENTRIES entries ($(du -m "$WORK/traffic.har" | cut -f1) MB) | rampart discover (+ --emit-spec) | $har_wall | $((har_rss / 1024)) | $(score "$WORK/har.json" rampart) |"
echo "| HAR, $ENTRIES entries | mitmproxy2swagger (2 passes, suggested templates kept) | $(python3 -c "print(round($m2s_wall1 + $m2s_wall2, 2))") | $(( (m2s_rss1 > m2s_rss2 ? m2s_rss1 : m2s_rss2) / 1024 )) | $(score "$WORK/m2s.yaml" m2s) |"
