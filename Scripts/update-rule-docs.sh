#!/usr/bin/env bash
# Regenerates the rule catalogue inside docs/rules.md from `rampart rules --format markdown`.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product rampart >/dev/null
catalogue=$(mktemp)
"$(swift build --show-bin-path)/rampart" rules --format markdown > "$catalogue"
python3 - "$catalogue" <<'PY'
import sys
begin, end = "<!-- BEGIN GENERATED: rampart rules --format markdown -->\n", "<!-- END GENERATED -->"
docs = open("docs/rules.md").read()
head, rest = docs.split(begin, 1)
_, tail = rest.split(end, 1)
open("docs/rules.md", "w").write(head + begin + open(sys.argv[1]).read() + end + tail)
PY
rm -f "$catalogue"
echo "docs/rules.md updated"
