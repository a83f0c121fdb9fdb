#!/usr/bin/env python3
"""Every alert in rules/*.yml must have a promtool unit test in tests/*.test.yml that expects it
to fire (non-empty exp_alerts) and one that expects it not to (exp_alerts: []).

    python3 deploy/prometheus/check-alert-tests.py     # standard library only; exit 1 on a gap
"""
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
alerts = {}
for f in sorted((HERE / "rules").glob("*.yml")):
    for name in re.findall(r"^\s*-\s*alert:\s*(\S+)\s*$", f.read_text(), re.M):
        alerts[name] = f.name

firing, quiet = set(), set()
for f in sorted((HERE / "tests").glob("*.test.yml")):
    # alertname: X, then exp_alerts: [] (quiet) or exp_alerts: followed by list items (firing).
    for m in re.finditer(r"alertname:\s*(\S+)\s*\n\s*exp_alerts:\s*(\[\s*\])?", f.read_text()):
        (quiet if m.group(2) else firing).add(m.group(1))

gaps = []
for name, file in sorted(alerts.items()):
    missing = [what for what, seen in (("firing", firing), ("not-firing", quiet)) if name not in seen]
    if missing:
        gaps.append(f"{file}: {name}: no {' and no '.join(missing)} test")
unknown = sorted((firing | quiet) - set(alerts))
gaps += [f"tests name an alert no rule file defines: {name}" for name in unknown]
for g in gaps:
    print(g, file=sys.stderr)
print(f"check-alert-tests: {len(alerts)} alerts, {len(gaps)} gaps")
sys.exit(1 if gaps else 0)
