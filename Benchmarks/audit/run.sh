#!/usr/bin/env bash
# Benchmark: `rampart audit` against openapi-spec-validator (PyPI) on the same files, in the same run.
#
#   bash Benchmarks/audit/run.sh            # from anywhere; needs ../shared/specs beside the project
#   RUNS=5 bash Benchmarks/audit/run.sh     # more repetitions (default 3, best run reported)
#
# Prints a Markdown table: wall time and peak memory (max RSS) of the fastest run of each side,
# and what each side concluded, so a fast "invalid" from the peer is not mistaken for a full check.
set -euo pipefail
cd "$(dirname "$0")/../.."
specs=../shared/specs
runs=${RUNS:-3}
out=$(mktemp)
trap 'rm -f "$out" "$out.time"' EXIT

python3 -c "import openapi_spec_validator" 2>/dev/null || python3 -m pip install --quiet openapi-spec-validator
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

swift build -c release --product rampart >/dev/null
rampart="$(swift build -c release --show-bin-path)/rampart"
peer=(python3 Benchmarks/audit/validate_specs.py)

# measure CMD…: runs it $runs times; prints "seconds max_rss_MB" of the fastest run; leaves its stdout in $out.
measure() {
  local best="" rss=""
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$out.time" "$@" >"$out" 2>/dev/null || true
    read -r seconds kb < "$out.time"
    if [ -z "$best" ] || awk "BEGIN{exit !($seconds < $best)}"; then best=$seconds; rss=$((kb / 1024)); fi
  done
  echo "$best $rss"
}
# What rampart reported, from its JSON report in $out.
audited() {
  python3 - "$out" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
print(f"{len(report.get('subjects') or [1])} audited, {report['summary']['total']} findings")
PY
}
verdict() { sed 's/^openapi-spec-validator: //' "$out"; }
ratio() { awk "BEGIN{printf \"%.1f×\", $2 / $1}"; }

stripe=$specs/stripe-2021/spec3.json
digitalocean=$specs/digitalocean/specification/DigitalOcean-public.v2.yaml
mapfile -t guru < <(find "$specs/apis-guru-2017" -name '*.json' | sort)

read -r r1 m1 < <(measure "$rampart" audit "$stripe" --format json --fail-on none); a1=$(audited)
read -r p1 n1 < <(measure "${peer[@]}" "$stripe"); v1=$(verdict)
read -r r2 m2 < <(measure "$rampart" audit "$specs/apis-guru-2017" --format json --fail-on none); a2=$(audited)
read -r p2 n2 < <(measure "${peer[@]}" "${guru[@]}"); v2=$(verdict)
read -r r3 m3 < <(measure "$rampart" audit "$digitalocean" --format json --fail-on none); a3=$(audited)
read -r p3 n3 < <(measure "${peer[@]}" "$digitalocean"); v3=$(verdict)

echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; rampart $("$rampart" --version) (release); $(python3 -c 'import importlib.metadata as m; print("openapi-spec-validator", m.version("openapi-spec-validator"))'); best of $runs runs"
echo
echo "| input | rampart audit (parse + every rule + JSON report) | openapi-spec-validator (validation only) | rampart faster by |"
echo "|---|---|---|---|"
echo "| Stripe spec3.json (3.5 MB, OpenAPI 3.0) | ${r1} s, ${m1} MB: ${a1} | ${p1} s, ${n1} MB: ${v1} | $(ratio "$r1" "$p1") |"
echo "| APIs.guru 2017: ${#guru[@]} specs, 42 MB, one process | ${r2} s, ${m2} MB: ${a2} | ${p2} s, ${n2} MB: ${v2} | $(ratio "$r2" "$p2") |"
echo "| DigitalOcean v2: YAML, \$refs across ~2,900 files | ${r3} s, ${m3} MB: ${a3} | ${p3} s, ${n3} MB: ${v3} (it stops at the first error) | n/a |"
echo
echo "Targets (issue #2): Stripe ≤ 1.0 s and ≤ 300 MB; all 426 APIs.guru specs ≤ 15 s in one process."
