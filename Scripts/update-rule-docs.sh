#!/usr/bin/env bash
# Regenerates the rule catalogues inside docs/rules.md (audit) and docs/scan.md (scan) from `rampart rules`.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product rampart >/dev/null
rampart="$(swift build --show-bin-path)/rampart"
for pair in "audit:docs/rules.md" "scan:docs/scan.md"; do
    command=${pair%%:*} doc=${pair#*:}
    catalogue=$(mktemp)
    "$rampart" rules --command "$command" --format markdown > "$catalogue"
    python3 - "$catalogue" "$command" "$doc" <<'PY'
import sys
catalogue, command, doc = sys.argv[1:]
begin, end = f"<!-- BEGIN GENERATED: rampart rules --command {command} --format markdown -->\n", "<!-- END GENERATED -->"
docs = open(doc).read()
head, rest = docs.split(begin, 1)
_, tail = rest.split(end, 1)
open(doc, "w").write(head + begin + open(catalogue).read() + end + tail)
PY
    rm -f "$catalogue"
    echo "$doc updated"
done
