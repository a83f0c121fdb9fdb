#!/usr/bin/env python3
"""Package.swift declares what each target imports, and nothing it does not.

SwiftPM lets a target import any module of its transitive dependencies, so a layering mistake
(the Kafka client importing the HTTP kit, say) compiles as long as something else pulls the
module in. This compares every target's `import` lines with its declared dependencies
(`swift package describe`) and fails on either difference. Standard-library and platform
modules are not declared; CYaml is Yams' C parser, a target of the Yams package, not a product.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLATFORM = {"Foundation", "FoundationEssentials", "FoundationNetworking", "Glibc", "Musl", "Darwin",
            "Dispatch", "Synchronization", "Testing", "XCTest", "_Concurrency", "os"}
# (target, module) pairs that cannot be declared: modules SwiftPM offers only through a product.
UNDECLARABLE = {("ExporterBase", "CYaml")}
IMPORT = re.compile(r"^\s*(?:@testable\s+|@_exported\s+|(?:internal|public|private|package)\s+)*"
                    r"import\s+(?:(?:struct|class|enum|func|protocol|typealias|var|let)\s+)?([A-Za-z_][A-Za-z_0-9]*)")


def imports_of(target_dir: Path) -> set[str]:
    found: set[str] = set()
    for f in target_dir.rglob("*.swift"):
        if "Peers" in f.relative_to(target_dir).parts:  # test peers are Python, Swift-free
            continue
        for line in f.read_text(encoding="utf-8").splitlines():
            m = IMPORT.match(line)
            if m:
                found.add(m.group(1))
    return found


def main() -> int:
    out = subprocess.run(["swift", "package", "describe", "--type", "json"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    problems = []
    for t in json.loads(out)["targets"]:
        if t.get("type") == "system-target":
            continue
        declared = set(t.get("target_dependencies", [])) | set(t.get("product_dependencies", []))
        used = imports_of(ROOT / t["path"]) - PLATFORM - {t["name"]}
        used -= {m for (name, m) in UNDECLARABLE if name == t["name"]}
        for m in sorted(used - declared):
            problems.append(f"{t['name']} imports {m} but Package.swift does not declare it")
        for m in sorted(declared - used):
            problems.append(f"{t['name']} declares {m} in Package.swift but imports it nowhere")
    for p in problems:
        print(f"check-imports: {p}", file=sys.stderr)
    if problems:
        return 1
    print("check-imports: every target declares exactly what it imports")
    return 0


if __name__ == "__main__":
    sys.exit(main())
