"""Recall of scan reports against expected.tsv: which documented flaws a finding of an expected rule names."""
import json
import os
import sys

expected_path, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
flaws = [line.rstrip("\n").split("\t") for line in open(expected_path) if line.strip() and not line.startswith("#")]
SEVERE = {"medium", "high", "critical"}


def findings(path):
    try:
        report = json.load(open(path))
    except (OSError, ValueError):
        return []
    return report.get("findings", [])


found_total = expected_total = 0
for name in names:
    own = [f for f in flaws if f[0] == name]
    seen = findings(os.path.join(out, name + ".json"))
    rules = {f.get("ruleId") or f.get("rule", {}).get("id") for f in seen}
    seconds = open(os.path.join(out, name + ".seconds")).read().strip() if os.path.exists(os.path.join(out, name + ".seconds")) else "?"
    hits = [f for f in own if rules & set(f[2].split(","))]
    found_total += len(hits)
    expected_total += len(own)
    print(f"{name}: {len(hits)}/{len(own)} in {float(seconds):.1f} s; rules reported: {', '.join(sorted(r for r in rules if r)) or 'none'}")
    for flaw in own:
        print(f"    {'found ' if flaw in hits else 'MISSED'} {flaw[1]}")

# Vulpy's good twin: findings of the flaws it fixes (its rows in expected.tsv say which) are false alarms.
false_alarms = 0
if "vulpy-good" in names:
    fixed = set()
    for flaw in flaws:
        if flaw[0] == "vulpy-good-fixed":
            fixed |= set(flaw[2].split(","))
    bad = [f for f in findings(os.path.join(out, "vulpy-good.json")) if (f.get("ruleId") or "") in fixed]
    false_alarms += len(bad)
    for f in bad:
        print(f"vulpy-good: false alarm {f.get('ruleId')}: {f.get('message')}")
lab = [f for f in findings(os.path.join(out, "lab-secure.json")) if f.get("severity") in SEVERE]
false_alarms += len(lab)
for f in lab:
    print(f"lab --secure: false alarm {f.get('ruleId')} ({f.get('severity')}): {f.get('message')}")
print(f"recall {found_total}/{expected_total}, medium+ on secure twins {false_alarms}")
