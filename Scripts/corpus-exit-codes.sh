#!/usr/bin/env bash
# Runs `rampart audit` on every JSON/YAML file in ../shared/specs, one process per file, and tallies exit codes.
# Every file must end in 0, 1 (findings at or above --fail-on high) or 2 with exactly one line on stderr.
#
#   bash Scripts/corpus-exit-codes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product rampart >/dev/null
rampart="$(swift build -c release --show-bin-path)/rampart"
results=$(mktemp)
trap 'rm -f "$results"' EXIT
find ../shared/specs -type f \( -name '*.json' -o -name '*.yaml' -o -name '*.yml' \) -print0 |
  xargs -0 -P "$(nproc)" -I{} sh -c 'err=$(mktemp); "$0" audit "$1" --format json --fail-on high >/dev/null 2>"$err"; code=$?; echo "$code $(wc -l < "$err")"; rm -f "$err"' "$rampart" {} > "$results"
echo "files: $(wc -l < "$results")"
awk '{print "exit " $1}' "$results" | sort | uniq -c
echo "exit 2 without exactly one stderr line: $(awk '$1 == 2 && $2 != 1' "$results" | wc -l)"
echo "any other exit code: $(awk '$1 != 0 && $1 != 1 && $1 != 2' "$results" | wc -l)"
