"""Turns one run of Benchmarks/scan/run.sh into Markdown: speed, memory, and lab flaws found per tool.

A flaw (a row of docs/lab.md) counts for Rampart when a finding has the row's rule at the row's
method and path. Schemathesis has no rules, so its failures are mapped to the flaws whose symptom
they show, on the same operation:
  ST401 (accepts requests without authentication)     -> auth-not-enforced
  ST101 (server error)                                -> sql-injection, verbose-errors (they answer 500)
  ST201 (schema-violating request accepted)           -> oversized-input-accepted, uncapped-page-size
Everything else it reports (undocumented status codes, wrong answers to undeclared methods…) is
conformance, not one of the lab's flaws.
"""
import json
import sys

lab_md, rampart_json, st_json, st_har, engine_json = sys.argv[1:6]
rampart_wall, rampart_kb, rampart_requests, st_wall, st_kb, budget, st_version = sys.argv[6:13]

flaws = []
for line in open(lab_md):
    cells = [c.strip() for c in line.split("|")]
    if len(cells) >= 7 and cells[1].isdigit():
        method, _, path = cells[3].partition(" ")
        flaws.append({"n": int(cells[1]), "category": cells[2], "method": method, "path": path or "/", "rule": cells[5], "what": cells[4]})

findings = json.load(open(rampart_json))["findings"]
rampart_found = {f["n"] for f in flaws if any(x["ruleId"] == f["rule"] and x["location"].get("method") == f["method"]
                                              and x["location"].get("path") == f["path"] for x in findings)}

symptoms = {"ST401": {"auth-not-enforced"}, "ST101": {"sql-injection", "verbose-errors"},
            "ST201": {"oversized-input-accepted", "uncapped-page-size"}}
st = json.load(open(st_json))
st_found = set()
for failure in st.get("failures", []):
    rules = symptoms.get(failure.get("code"), set())
    for operation in failure.get("operations", []):
        method, _, path = operation.partition(" ")
        st_found |= {f["n"] for f in flaws if f["rule"] in rules and f["method"] == method and f["path"] == path}
st_requests = len(json.load(open(st_har))["log"]["entries"])
engine = json.load(open(engine_json))

def rate(requests, wall):
    return f"{int(requests) / float(wall):,.0f}" if float(wall) > 0 else "-"

print(f"| | rampart scan | Schemathesis {st_version} (`st run --checks all --max-time {budget}`) |")
print("|---|---|---|")
print(f"| wall time | {float(rampart_wall):.1f} s (finishes on its own) | {float(st_wall):.1f} s |")
print(f"| peak memory (max RSS) | {int(rampart_kb) / 1024:.0f} MB | {int(st_kb) / 1024:.0f} MB |")
print(f"| requests | {int(rampart_requests):,} | {st_requests:,} |")
print(f"| requests/s over the run | {rate(rampart_requests, rampart_wall)} (default limit: 100/s) | {rate(st_requests, st_wall)} |")
print(f"| lab flaws reported (of {len(flaws)}) | **{len(rampart_found)}** | **{len(st_found)}** |")
print(f"| findings / failures reported | {len(findings)} findings | {sum(f.get('count', 1) for f in st.get('failures', []))} failures in {len(st.get('failures', []))} kinds |")
print()
print(f"Engine throughput (`rampart-engine-bench`, GET /api/v2/products/1, {engine['concurrency']} in flight, no rate limit): "
      f"**{engine['requests_per_second']:,} requests/s**, p50 {engine['p50_ms']:.2f} ms, p99 {engine['p99_ms']:.2f} ms "
      f"({engine['requests']:,} requests, {engine['failures']} failed).")
print()
print("| # | category | flaw | rampart | Schemathesis |")
print("|---|---|---|---|---|")
for f in flaws:
    print(f"| {f['n']} | {f['category']} | {f['method']} {f['path']}: {f['what']} | {'✔ ' + f['rule'] if f['n'] in rampart_found else '✘'} | {'✔' if f['n'] in st_found else '✘'} |")
